"""The shop's configuration on the command line: --config, --profile, --select, --ignore.

Every command that judges records builds its engine here, so that they all read
the same configuration the same way: ``--config FILE`` or the nearest
``sopengine.yaml`` / ``[tool.sopengine]`` above the working directory; command
line options win over the file; every name is checked against the loaded rules
(a bad configuration is exit code 2 with file:line:column, never a silent default).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..config import Config, check_names, find_config, param_notes, read_config
from ..errors import ConfigError, Finding
from ..results import SourceRef

if TYPE_CHECKING:  # pragma: no cover
    from ..compile import RuleInfo


def add_shop_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE",
                   help="shop configuration (default: the nearest sopengine.yaml, or pyproject.toml with "
                        "[tool.sopengine], in the working directory or above)")
    p.add_argument("--profile", choices=["core", "full"],
                   help="what the shop records: core (default: only RECORDS.md data; a rule needing more reports "
                        "unverified) or full (every optional field and event)")
    p.add_argument("--select", action="append", default=[], metavar="RULE",
                   help="only these rules: an id, a glob (ORD-*) or clause:CS-10; repeatable")
    p.add_argument("--ignore", action="append", default=[], metavar="RULE",
                   help="not these rules: an id, a glob or clause:ID; repeatable")


def shop_config(args: argparse.Namespace) -> Config:
    path = Path(args.config) if getattr(args, "config", None) else find_config()
    return read_config(path)


def shop_engine(args: argparse.Namespace, tables: Mapping[str, Any] | None = None, today: date | None = None) -> tuple[Any, Config]:
    """The engine as this shop judges: its rules tree, profile, records, overrides, parameters and selection."""
    from .. import load
    from ..policy import Policy

    cfg = shop_config(args)
    rules = shop_rules(args, cfg)
    policy = Policy(profile=args.profile or cfg.profile or "core", records=cfg.records, overrides=cfg.overrides(),
                    select=(*cfg.select, *args.select), ignore=(*cfg.ignore, *args.ignore), params=cfg.params,
                    source=cfg.digest_data(), documents=cfg.documents())
    # names and parameter values are checked against the rules as written, before parameters change any check
    engine = load(rules, tables=tables, policy=replace(policy, params={}, documents=()))
    problems = check_names(cfg, engine, today or date.today())
    for opt, pats in (("--select", args.select), ("--ignore", args.ignore)):
        for pat in pats:
            if not any(_matches(pat, info) for _, info in engine.rules()):
                problems.append(Finding("error", f"{opt} {pat!r} matches no rule", SourceRef("(command line)"), "config"))
    if problems:
        raise ConfigError(problems)
    if policy.params or policy.documents:
        notes = param_notes(cfg.params, engine, cfg.param_origin) if policy.params else {}
        engine = load(rules, tables=tables, policy=replace(policy, param_notes=notes))
    return engine, cfg


def shop_rules(args: argparse.Namespace, cfg: Config) -> str | Path | None:
    """--rules, else the configuration's ``rules:``, else the command line's default tree."""
    if getattr(args, "rules_given", args.rules is not None) or cfg.rules is None:
        return cast("str | None", args.rules)
    return cfg.rules


def _matches(pattern: str, info: RuleInfo) -> bool:
    from ..config import rule_matches

    return rule_matches(pattern, info.id, info.clauses)
