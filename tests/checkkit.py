"""Helpers for testing check types one at a time: a CompileEnv and a CheckContext built by hand,
and a scratch rules tree whose process schema knows the new check types' params."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

# Importing the modules registers the check types (checks/__init__.py will import them too).
from sopengine.checks import (  # noqa: F401
    CheckConfigError,
    CheckContext,
    CompileEnv,
    decision_table,
    main_images,
    privacy,
    promo_price,
    qualifications,
)
from sopengine.errors import ExpressionError
from sopengine.expr import compile_expression
from sopengine.render import render
from sopengine.view import build_view

from .conftest import NOW, SH


def env(compiled: list | None = None) -> CompileEnv:
    """Compiles CEL for real; ``compiled`` collects (source, pointer) so tests can see what was linted.

    A CEL error is a load error at the expression's pointer, as the engine reports it ("CEL: ...")."""
    def compile_expr(source: str, pointer: str, extra: tuple[str, ...] = ()):
        if compiled is not None:
            compiled.append((source, pointer))
        try:
            return compile_expression(source, extra)
        except ExpressionError as exc:
            raise CheckConfigError(f"CEL: {exc.message}", pointer) from None
    return CompileEnv("test", SH, compile_expr, lambda kind, name: {}, {})


def context(record: Mapping[str, Any], now: datetime = NOW, tables: Mapping[str, Any] | None = None) -> CheckContext:
    view = build_view(record, None, SH)
    variables = {"record": view, "events": [], "event": {}, "item": None, "index": 0, "state": "s", "now": now}
    return CheckContext(record, now, "s", SH, [], variables, dict(tables or {}))


def run(check, record: Mapping[str, Any], **kw) -> list:
    return list(check.run(context(record, **kw)))


def said(hit, lang: str = "en") -> str:
    """A hit's own message as the engine renders it from its evidence."""
    return render(hit.message.get(lang), hit.evidence)


def process(pid: str, schema: str, checks_yaml: str, roles: str = "[ops_specialist]") -> str:
    """A one-state process around some checks."""
    return f"""
apiVersion: sopengine/v1
kind: Process
id: {pid}
version: 1.0.0
title: {{zh: 测试, en: Test}}
record_schema: records/{schema}.schema.json
roles: {roles}
states:
  - {{id: open, initial: true, final: true}}
steps: []
checks:
{checks_yaml}
"""
