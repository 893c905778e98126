"""The shape of the code itself: one exception tree, no import cycles, small modules."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import sopengine
from sopengine.errors import CheckConfigError, ExpressionError, SopError
from sopengine.loader import parse_yaml

SRC = Path(sopengine.__file__).parent


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages([str(SRC)], "sopengine.") if not m.name.endswith("__main__"))


def test_every_exception_sopengine_defines_is_in_the_one_tree():
    """Private control-flow signals (a leading underscore) aside, every exception class is a SopError."""
    strays = []
    for name in _modules():
        mod = importlib.import_module(name)
        for attr, obj in vars(mod).items():
            if (inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == name
                    and not attr.startswith("_") and not issubclass(obj, SopError)):
                strays.append(f"{name}.{attr}")
    assert strays == []


def test_a_pointed_error_becomes_a_finding_at_its_file_line_column():
    doc, _ = parse_yaml("a: 1\nchecks:\n  - params:\n      limit: x\n  - when: 'size(x) >'\n", "p.yaml")
    assert doc is not None
    f = CheckConfigError("limit must be a number", "/limit").finding(doc, "/checks/0/params", label="t: ")
    assert (str(f.source), f.source.pointer, f.code, f.message) == ("p.yaml:4:14", "/checks/0/params/limit", "check-params",
                                                                     "t: limit must be a number")
    g = ExpressionError("syntax", 1, 9).finding(doc, "/checks/1/when")
    assert (str(g.source), g.code) == ("p.yaml:5:20", "cel")  # the 9th character, after the quote at column 11


def test_built_in_rule_ids_are_made_in_rulebook_only():
    """``<step>.late``, ``<check>:unevaluable``...: public ids, spelt in one module, so they cannot drift apart."""
    kinds = {"out_of_order", "wrong_role", "late", "overdue", "due_soon", "unevaluable", "unlisted"}
    spelt = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "rulebook.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value[:1] in ".:" \
                    and node.value[1:] in kinds:
                spelt.append(f"{path.relative_to(SRC)}:{node.lineno} {node.value!r}")
    assert spelt == []


def _imports() -> dict[str, set[str]]:
    """Module -> the sopengine modules it imports, at module level or inside functions (late imports too)."""
    mods = set(_modules()) | {"sopengine"}
    graph: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_pkg else parts)
        pkg = name if is_pkg else name.rsplit(".", 1)[0]
        out = graph.setdefault(name, set())
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                for a in node.names:
                    target = f"{base}.{a.name}"
                    out.add(target if target in mods else base)
            elif isinstance(node, ast.Import):
                out.update(a.name for a in node.names)
        graph[name] = {m for m in out if m in mods and m != name}
    return graph


def test_no_import_cycles():
    """Imports climb in pipeline order; a cycle (even one broken by a late import) is a tangle to undo."""
    graph = _imports()
    cycles, state = [], {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 1:
                cycles.append(" -> ".join(stack[stack.index(n):] + [n]))
            elif n not in state:
                visit(n, stack + [n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert cycles == []
