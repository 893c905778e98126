"""``sopengine validate [--rules DIR]``: every schema error and lint finding of a rules tree, one pass."""

from __future__ import annotations

import argparse
import json
import sys

from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    add_rules_arg,
    add_srcroot_arg,
    srcroot_arg,
)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("validate", help="check a rules tree: schema, references, expressions, reachability",
                       description="Print every finding as file:line:column: severity: message. "
                                   "Exit 0 clean, 1 findings, 2 unreadable input.")
    add_rules_arg(p, positional=True)
    p.add_argument("--format", choices=["text", "json", "sarif", "github"], default="text",
                   help="text (default); json; sarif (code-scanning alerts on the YAML lines); github (annotations)")
    add_srcroot_arg(p)
    p.add_argument("--explain", action="store_true",
                   help="also say which CEL expressions run as translated Python plans and which fall back to CEL, and why")
    p.add_argument("--strict", action="store_true", help="count warnings as findings too (exit 1)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .. import rulecache
    from ..engine import compile_tree, resolve_rules_dir
    from ..schemas import SchemaStore, default_schema_dirs
    from ..tree import tree_sources

    root = resolve_rules_dir(args.rules)
    sources, read_findings = tree_sources(root)
    store = SchemaStore.from_dirs(default_schema_dirs(root))
    read_findings += store.findings
    key = rulecache.tree_key(sources, store.docs) if rulecache.enabled() and not read_findings else None
    clean = rulecache.is_clean(key) if key is not None and not args.explain else None
    if clean is not None:  # this exact content validated clean before: the same answer, without the work
        if args.format == "json":
            sys.stdout.write("[]\n")
        else:
            print(f"{clean['files']} files, {clean['processes']} process definitions: 0 error(s), 0 warning(s)",
                  file=sys.stderr)
        return EXIT_OK
    engine, findings = compile_tree(tuple(sources), store, None, read_findings)
    if key is not None and engine is not None and not findings:
        rulecache.mark_clean(key, len(sources), sum(len(engine.versions(p)) for p in engine.process_ids),
                             engine.kinds())
    findings = sorted(findings, key=lambda f: (f.source.file, f.source.line or 0, f.source.column or 0))
    if args.format == "json":
        json.dump([f.to_dict() for f in findings], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif args.format == "sarif":
        from .. import __version__
        from ..report.findings import write_findings_sarif

        write_findings_sarif(findings, sys.stdout, srcroot_arg(args), __version__)
    elif args.format == "github":
        from ..report.findings import write_findings_github

        write_findings_github(findings, sys.stdout, srcroot_arg(args))
    else:
        for f in findings:
            print(str(f))
    n_err = sum(f.severity == "error" for f in findings)
    n_warn = len(findings) - n_err
    procs = sum(len(engine.versions(p)) for p in engine.process_ids) if engine else 0
    print(f"{len(sources)} files, {procs} process definitions: {n_err} error(s), {n_warn} warning(s)", file=sys.stderr)
    if args.format == "text" and args.explain and engine is not None:
        from ..plan.explain import report

        translated, fallback = report(engine)
        print(f"expressions: {translated} translated to Python plans, {len(fallback)} evaluated by CEL")
        for source, why in fallback:
            print(f"  CEL: {' '.join(source.split())}  ({why})")
    if any(f.code in ("io", "encoding", "too-big", "no-processes") for f in findings):  # not a tree of rules at all
        return EXIT_USAGE
    blocking = [f for f in findings if f.severity == "error" or args.strict]
    return EXIT_FINDINGS if blocking else EXIT_OK
