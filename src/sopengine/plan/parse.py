"""A parser for the CEL subset that ``translate`` evaluates, into tuples.

Only expressions CEL itself has already compiled reach it, so it need not report
errors well: anything outside the subset (bytes and raw strings, uint literals, map
literals, leading-dot names, unknown escapes) raises ``_Unsupported`` and the
expression stays with CEL. Grammar and precedence follow the CEL language definition:
``?:`` < ``||`` < ``&&`` < relations (``== != < <= > >= in``) < ``+ -`` < ``* / %`` < unary.
"""

from __future__ import annotations

import re
from typing import Any

Node = tuple[Any, ...]
INT64_MAX = 2**63 - 1
MACROS = {"all", "exists", "exists_one", "map", "filter"}


class _Unsupported(Exception):
    """The expression uses something outside the translated subset; the reason says what."""


_TOKEN = re.compile(r"""
    (?P<ws>\s+|//[^\n]*)
  | (?P<float>(?:\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<hex>0[xX][0-9a-fA-F]+[uU]?)
  | (?P<int>\d+[uU]?)
  | (?P<prefixed>[rRbB]+["'])
  | (?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||[-+*/%<>!?:.,()\[\]{}])
""", re.VERBOSE)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "`": "`", "?": "?",
            "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_ESC = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")


def _unescape(body: str) -> str:
    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] in "uU":
            cp = int(e[1:], 16)
            if 0xD800 <= cp <= 0xDFFF or cp > 0x10FFFF:
                raise _Unsupported("a surrogate or out-of-range escape")
            return chr(cp)
        if e in _ESCAPES:
            return _ESCAPES[e]
        raise _Unsupported(f"the escape \\{e}")
    return _ESC.sub(one, body)


def tokens(source: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if not m:
            raise _Unsupported(f"the character {source[pos]!r}")
        pos = m.end()
        kind = m.lastgroup
        text = m.group(0)
        if kind == "ws":
            continue
        if kind == "prefixed":
            raise _Unsupported("raw or bytes string literals")
        if kind in ("int", "hex"):
            if text[-1] in "uU":
                raise _Unsupported("uint literals")
            value = int(text, 16) if kind == "hex" else int(text)
            if value > INT64_MAX:
                raise _Unsupported("an int literal outside int64")
            out.append(("lit", value))
        elif kind == "float":
            out.append(("lit", float(text)))
        elif kind == "str":
            if source.startswith(text[0] * 3, m.start()):
                raise _Unsupported("triple-quoted strings")
            out.append(("lit", _unescape(text[1:-1])))
        elif kind == "ident":
            if text in ("true", "false"):
                out.append(("lit", text == "true"))
            elif text == "null":
                out.append(("lit", None))
            elif text == "in":
                out.append(("op", "in"))
            else:
                out.append(("ident", text))
        else:
            out.append(("op", text))
    out.append(("end", None))
    return out


class _Parser:
    def __init__(self, source: str) -> None:
        self.toks = tokens(source)
        self.i = 0

    def peek(self) -> tuple[str, Any]:
        return self.toks[self.i]

    def take(self, value: str | None = None) -> tuple[str, Any]:
        tok = self.toks[self.i]
        if value is not None and tok != ("op", value):
            raise _Unsupported(f"expected {value!r}")
        self.i += 1
        return tok

    def at(self, *ops: str) -> bool:
        kind, v = self.toks[self.i]
        return kind == "op" and v in ops

    def expr(self) -> Node:
        cond = self.binary(0)
        if self.at("?"):
            self.take()
            a = self.binary(0)
            self.take(":")
            return ("cond", cond, a, self.expr())
        return cond

    _LEVELS: tuple[tuple[str, ...], ...] = (("||",), ("&&",), ("==", "!=", "<", "<=", ">", ">=", "in"), ("+", "-"),
                                            ("*", "/", "%"))

    def binary(self, level: int) -> Node:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.at(*self._LEVELS[level]):
            op = self.take()[1]
            right = self.binary(level + 1)
            left = ("and", left, right) if op == "&&" else ("or", left, right) if op == "||" else ("bin", op, left, right)
        return left

    def unary(self) -> Node:
        if self.at("!"):
            self.take()
            return ("not", self.unary())
        if self.at("-"):
            self.take()
            kind, v = self.peek()
            if kind == "lit" and type(v) in (int, float) and not self._member_follows():
                self.take()
                return ("lit", -v)
            return ("neg", self.unary())
        return self.member()

    def _member_follows(self) -> bool:
        nxt = self.toks[self.i + 1]
        return nxt[0] == "op" and nxt[1] in (".", "[")

    def member(self) -> Node:
        node = self.primary()
        while True:
            if self.at("."):
                self.take()
                kind, name = self.take()
                if kind != "ident":
                    raise _Unsupported("a field name that is a reserved word")
                if self.at("("):
                    args = self.args()
                    node = self.macro(name, node, args) if name in MACROS else ("call", name, node, args)
                else:
                    node = ("select", node, name)
            elif self.at("["):
                self.take()
                idx = self.expr()
                self.take("]")
                node = ("index", node, idx)
            else:
                return node

    def macro(self, name: str, target: Node, args: list[Node]) -> Node:
        if len(args) != 2 or args[0][0] != "ident":
            raise _Unsupported(f"{name}() with {len(args)} arguments")
        return ("macro", name, target, args[0][1], args[1])

    def args(self) -> list[Node]:
        self.take("(")
        out: list[Node] = []
        while not self.at(")"):
            out.append(self.expr())
            if not self.at(")"):
                self.take(",")
        self.take(")")
        return out

    def primary(self) -> Node:
        kind, v = self.take()
        if kind == "lit":
            return ("lit", v)
        if kind == "ident":
            if self.at("("):
                args = self.args()
                if v == "has":
                    if len(args) != 1 or args[0][0] != "select":
                        raise _Unsupported("has() of something other than a field")
                    return ("has", args[0][1], args[0][2])
                return ("call", v, None, args)
            return ("ident", v)
        if (kind, v) == ("op", "("):
            e = self.expr()
            self.take(")")
            return e
        if (kind, v) == ("op", "["):
            items: list[Node] = []
            while not self.at("]"):
                items.append(self.expr())
                if not self.at("]"):
                    self.take(",")
            self.take("]")
            return ("list", items)
        raise _Unsupported(f"{v!r} here (map literals, messages and leading dots are not translated)")


def parse(source: str) -> Node:
    p = _Parser(source)
    node = p.expr()
    if p.peek()[0] != "end":
        raise _Unsupported("trailing input")
    return node


def part_of(source: str, roots: frozenset[str]) -> bool:
    """True if every value ``source`` can give is (part of) one of the variables named in ``roots``: a
    field path from one (``record.skus``), or a ``filter`` of such a list, which keeps its elements as
    they are. So a caller that knows those variables hold plain data knows the value is plain too."""
    try:
        node = parse(source)
    except (_Unsupported, IndexError):
        return False
    while True:
        if node[0] == "ident":
            return node[1] in roots
        if node[0] == "select":
            node = node[1]
        elif node[0] == "macro" and node[1] == "filter":
            node = node[2]
        else:
            return False
