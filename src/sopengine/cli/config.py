"""``sopengine config``: the effective configuration, each value with where it comes from.

A shop's tailoring must be auditable: this prints the rules tree, profile, what
each process records, every override (with its reason, owner and expiry),
parameter overrides and the selection, and for each the file:line that set it,
"--option" for the command line, or "default". A configuration that would not
load is exit code 2 with its positioned errors, as for ``check``.
"""

from __future__ import annotations

import argparse
import json

from ..config import declared_parameters
from .common import EXIT_OK, add_rules_arg
from .shop import add_shop_args, shop_engine, shop_rules


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("config", help="print the effective shop configuration and where each value comes from",
                       description="The configuration check and agenda would use, validated against the rules.")
    add_rules_arg(p)
    add_shop_args(p)
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    engine, cfg = shop_engine(args)
    pol = engine.policy
    rows: list[tuple[str, object, str]] = [("configuration", cfg.path or "(none found)", "--config" if args.config else
                                            ("found from the working directory" if cfg.path else "default"))]
    given = getattr(args, "rules_given", True)
    if given or cfg.rules is not None:
        rows.append(("rules", str(shop_rules(args, cfg)), "--rules" if given else cfg.origin("/rules")))
    else:
        rows.append(("rules", "./rules if it exists, else the bundled rules", "default"))
    rows.append(("profile", pol.profile, "--profile" if args.profile else
                 (cfg.origin("/profile") if "profile" in cfg.data else "default")))
    for pid in engine.process_ids:
        names = sorted(pol.recorded(engine.versions(pid)[-1]))
        if names:
            where = cfg.origin(f"/records/{pid}") if pid in cfg.records else f"profile {pol.profile}"
            rows.append((f"records.{pid}", ", ".join(names), where))
    for o in pol.overrides:
        extra = "".join(f"; {k} {v}" for k, v in (("owner", o.owner), ("expires", o.expires)) if v)
        rows.append((f"override.{o.rule}", f"{o.action} — {o.reason}{extra}", f"{o.where.file}:{o.where.line}"))
    declared = declared_parameters(engine)
    for cid, by_name in declared.items():  # every parameter a rule declares, with its effective value
        for name, (proc, ck, p) in by_name.items():
            set_here = name in pol.params.get(cid, {})
            w = proc.document.where(f"{ck.source.pointer}/parameters/{name}")
            origin = cfg.param_origin(cid, name) if set_here else f"the rule's default, {w.file}:{w.line}"
            rows.append((f"params.{cid}.{name}", p.shown() + (f" {p.unit['en']}" if p.unit else ""), origin))
    for cid, params in pol.params.items():  # a check type's own params
        for key, value in params.items():
            if key not in declared.get(cid, {}):
                rows.append((f"params.{cid}.{key}", json.dumps(value, ensure_ascii=False), cfg.param_origin(cid, key)))
    section = cfg.data.get("qualifications") or {}
    for name in section.get("qualifications") or {}:
        rows.append((f"qualifications.{name}", section["qualifications"][name]["title"]["zh"],
                     cfg.origin(f"/qualifications/qualifications/{name}")))
    for i, entry in enumerate(section.get("categories") or ()):
        needs = "; ".join(r if isinstance(r, str) else " or ".join(r) for r in entry["requires"])
        rows.append((f"qualifications.{section['extends']}+{entry['id']}", f"{', '.join(entry['match'])} -> {needs}",
                     cfg.origin(f"/qualifications/categories/{i}")))
    for key in ("select", "ignore"):
        from_file = list(cfg.data.get(key) or ())
        for i, pat in enumerate(getattr(pol, key)):
            rows.append((key, pat, cfg.origin(f"/{key}/{i}") if i < len(from_file) else f"--{key}"))
    if args.format == "json":
        print(json.dumps([{"key": k, "value": v, "origin": o} for k, v, o in rows], ensure_ascii=False, indent=2))
    else:
        width = max(len(k) for k, _, _ in rows)
        for k, v, o in rows:
            print(f"{k:<{width}}  {v}  ({o})")
    return EXIT_OK
