"""A shop's configuration: ``sopengine.yaml`` (or ``[tool.sopengine]`` in pyproject.toml).

One file tailors the bundled rules to one shop without forking them: which
rules tree, which profile, what optional data the shop records, which rules are
off or re-graded (only with a reason, optionally an owner and an expiry), the
parameters of check types the manual leaves open, and which rules a run
selects. It is read with the project's YAML loader (positions kept) and
validated by ``schemas/config.schema.json``; every name in it is then checked
against the loaded rules, so a misspelt rule id, process or optional datum is an
error with a "did you mean", at its file:line:column. Nothing a configuration
changes is silent: ``Policy`` notes each override in the trace (``--explain``)
with where it is written, and the result digest covers the configuration.
"""

from __future__ import annotations

import difflib
import json
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .errors import ConfigError, Finding, ParameterError
from .loader import Document, escape, load_file
from .params import Parameter, check_type_keys, check_value
from .paths import bundled_schemas_dir
from .results import SourceRef

if TYPE_CHECKING:  # pragma: no cover
    from .compile import CompiledProcess, RuleInfo


class RuleSource(Protocol):
    """What checking a configuration asks of the compiled rules: an ``Engine`` (engine.py builds
    on this module through policy.py, so it is named by what it does, not imported)."""

    @property
    def process_ids(self) -> list[str]: ...
    def versions(self, process: str) -> Sequence[CompiledProcess]: ...
    def rules(self) -> Iterable[tuple[CompiledProcess, RuleInfo]]: ...

CONFIG_FILE = "sopengine.yaml"
PYPROJECT = "pyproject.toml"


@dataclass(frozen=True)
class Override:
    """One rule switched off or re-graded, with why and where."""

    rule: str
    reason: str
    where: SourceRef
    off: bool = False
    severity: str | None = None
    owner: str | None = None
    expires: date | None = None

    @property
    def action(self) -> str:
        return "off" if self.off else f"severity {self.severity}"

    def describe(self) -> str:
        extra = "".join(f"; {k} {v}" for k, v in (("owner", self.owner), ("expires", self.expires)) if v)
        return f"override {self.rule}: {self.action} ({self.reason}{extra}) — {self.where.file}:{self.where.line}"


@dataclass(frozen=True)
class Config:
    """A read, schema-valid configuration; ``origin(pointer)`` says where a value is written."""

    path: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    doc: Document | None = None
    base: Path | None = None  # the directory relative paths in it are read from

    def origin(self, pointer: str) -> str:
        if self.doc is not None:
            w = self.doc.where(pointer)
            return f"{w.file}:{w.line}"
        return f"{self.path}: {pointer}" if self.path else "default"

    def param_origin(self, check: str, key: str) -> str:
        return self.origin(f"/params/{escape(check)}/{escape(key)}")

    def where(self, pointer: str) -> SourceRef:
        if self.doc is not None:
            return self.doc.where(pointer)
        return SourceRef(self.path or "(no configuration)", None, None, pointer)

    @property
    def rules(self) -> Path | None:
        r = self.data.get("rules")
        return (self.base / r) if r is not None and self.base is not None else (Path(r) if r else None)

    @property
    def profile(self) -> str | None:
        return self.data.get("profile")

    @property
    def records(self) -> dict[str, frozenset[str]]:
        return {k: frozenset(v) for k, v in (self.data.get("records") or {}).items()}

    @property
    def params(self) -> Mapping[str, Mapping[str, Any]]:
        return self.data.get("params") or {}

    @property
    def select(self) -> tuple[str, ...]:
        return tuple(self.data.get("select") or ())

    @property
    def ignore(self) -> tuple[str, ...]:
        return tuple(self.data.get("ignore") or ())

    def documents(self) -> tuple[Document, ...]:
        """The ``qualifications`` section as a rules document (a QualificationTable extending the rules' table),
        so that the rules tree's own schema and lint judge it, each error at its line of this file."""
        section = self.data.get("qualifications")
        if not isinstance(section, Mapping):
            return ()
        data = {"apiVersion": "sopengine/v1", "kind": "QualificationTable", "id": SHOP_TABLE, **section}
        if self.doc is not None:
            return (Section(self.doc.path, data, self.doc.text, self.doc.positions, self.doc.key_positions,
                            self.doc.styles, "/qualifications"),)
        return (Section(self.path or CONFIG_FILE, data, "", root="/qualifications"),)

    def overrides(self) -> tuple[Override, ...]:
        out = []
        for i, o in enumerate(self.data.get("overrides") or ()):
            exp = date.fromisoformat(o["expires"]) if o.get("expires") else None
            out.append(Override(o["rule"], o["reason"], self.where(f"/overrides/{i}"), bool(o.get("disabled")),
                                o.get("severity"), o.get("owner"), exp))
        return tuple(out)

    def digest_data(self) -> Mapping[str, Any]:
        """What the result digest covers: the parsed content, not the file's layout or place."""
        return {k: v for k, v in self.data.items() if k != "rules"}


SHOP_TABLE = "shop_configuration"  # the id of the table a configuration's `qualifications:` section makes


@dataclass(frozen=True)
class Section(Document):
    """A part of a configuration file read as a document of its own: its pointers are relative to
    ``root``, its positions those of the whole file."""

    root: str = ""

    def where(self, pointer: str = "", *, key: bool = False) -> SourceRef:
        return super().where(self.root + pointer, key=key)


def find_config(start: Path | None = None) -> Path | None:
    """``sopengine.yaml``, else a pyproject.toml with ``[tool.sopengine]``, in ``start`` or the nearest parent."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / CONFIG_FILE).is_file():
            return d / CONFIG_FILE
        pp = d / PYPROJECT
        if pp.is_file():
            try:
                if "sopengine" in tomllib.loads(pp.read_text("utf-8")).get("tool", {}):
                    return pp
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue  # someone else's broken pyproject is not our configuration
    return None


def read_config(path: Path | None) -> Config:
    """Read and schema-check a configuration (``None``: none, the defaults). Raises ConfigError with positions."""
    if path is None:
        return Config()
    try:
        shown = str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        shown = str(path)
    if path.name == PYPROJECT:
        try:
            data = tomllib.loads(path.read_text("utf-8")).get("tool", {}).get("sopengine")
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError([Finding("error", f"cannot read: {exc}", SourceRef(shown, 1, 1), "config")]) from None
        if data is None:
            raise ConfigError([Finding("error", "no [tool.sopengine] table", SourceRef(shown, 1, 1), "config")])
        cfg = Config(shown, data, None, path.resolve().parent)
    else:
        if not path.is_file():
            raise ConfigError([Finding("error", "configuration file not found", SourceRef(shown), "config")])
        doc, findings = load_file(path, shown)
        if doc is None:
            raise ConfigError(findings)
        cfg = Config(shown, doc.data if doc.data is not None else {}, doc, path.resolve().parent)
    problems = schema_findings(cfg)
    if problems:
        raise ConfigError(problems)
    return cfg


def schema_findings(cfg: Config) -> list[Finding]:
    import jsonschema

    schema = json.loads((bundled_schemas_dir() / "config.schema.json").read_text("utf-8"))
    if not isinstance(cfg.data, Mapping):
        return [Finding("error", "a configuration is a mapping", cfg.where(""), "config")]
    out = []
    for err in sorted(jsonschema.Draft202012Validator(schema).iter_errors(cfg.data), key=lambda e: list(e.absolute_path)):
        ptr = "".join(f"/{escape(str(p))}" for p in err.absolute_path)
        msg = err.message
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = list(err.schema.get("properties") or {})
            for extra in sorted(set(err.instance) - set(allowed)):
                out.append(Finding("error", f"unknown key {extra!r}", cfg.where(f"{ptr}/{escape(extra)}"), "config",
                                   hint(extra, allowed)))
            continue
        if err.validator == "required" and "reason" in str(err.message):
            msg = "an override needs a reason (why the rule does not apply as written)"
        elif err.validator == "oneOf":
            msg = "an override says either disabled: true or severity: error|warning|info"
        out.append(Finding("error", msg, cfg.where(ptr), "config"))
    return out


def hint(name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean {close[0]!r}?" if close else ""


def check_names(cfg: Config, engine: RuleSource, today: date) -> list[Finding]:
    """Every name in ``cfg`` against the loaded rules (and every expiry against ``today``)."""
    out: list[Finding] = []
    overrides = cfg.overrides()
    # only a configuration that names rules needs their ids: listing them compiles every process
    rule_ids = {info.id for _, info in engine.rules()} if overrides or cfg.data.get("select") or cfg.data.get("ignore") else set()
    processes = set(engine.process_ids)
    for pid, names in (cfg.data.get("records") or {}).items():
        ptr = f"/records/{escape(pid)}"
        if pid not in processes:
            out.append(Finding("error", f"unknown process {pid!r}", cfg.where(ptr), "config", hint(pid, processes)))
            continue
        optional = {n for p in engine.versions(pid) for n in p.optional}
        for i, n in enumerate(names):
            if n not in optional:
                out.append(Finding("error", f"{pid} has no optional field or event {n!r}", cfg.where(f"{ptr}/{i}"), "config",
                                   hint(n, optional) or f"optional: {', '.join(sorted(optional))}"))
    for i, o in enumerate(overrides):
        if o.rule not in rule_ids:
            out.append(Finding("error", f"unknown rule {o.rule!r}", cfg.where(f"/overrides/{i}/rule"), "config",
                               hint(o.rule, rule_ids)))
        if o.expires is not None and o.expires < today:
            out.append(Finding("error", f"the override of {o.rule} expired on {o.expires.isoformat()} and no longer applies; "
                                        "renew it (a new expires and reason) or remove it",
                               cfg.where(f"/overrides/{i}/expires"), "config-expired"))
    for key in ("select", "ignore"):
        for i, pat in enumerate(cfg.data.get(key) or ()):
            if not matches_any_rule(pat, engine):
                out.append(Finding("error", f"{key} {pat!r} matches no rule", cfg.where(f"/{key}/{i}"), "config",
                                   hint(pat, rule_ids)))
    out += param_findings(cfg, engine)
    return out


def rule_matches(pattern: str, rule: str, clauses: tuple[str, ...]) -> bool:
    """``ORD-06`` (an id), ``ORD-*`` (a glob on the id, also matching ``PRD-main-images:background`` by its base)
    or ``clause:CS-10``."""
    from fnmatch import fnmatchcase

    if pattern.startswith("clause:"):
        return pattern[7:] in clauses
    base = rule.split(":", 1)[0]
    return fnmatchcase(rule, pattern) or fnmatchcase(base, pattern)


def matches_any_rule(pattern: str, engine: RuleSource) -> bool:
    return any(rule_matches(pattern, info.id, info.clauses) for _, info in engine.rules())


def declared_parameters(engine: RuleSource) -> dict[str, dict[str, Any]]:
    """check id -> name -> (process, CheckDef, Parameter) of the parameters its rules declare (the latest version wins)."""
    out: dict[str, dict[str, Any]] = {}
    for pid in engine.process_ids:
        for proc in engine.versions(pid):
            for ck in proc.checks:
                for name, p in ck.parameters.items():
                    out.setdefault(ck.id, {})[name] = (proc, ck, p)
    return out


def param_findings(cfg: Config, engine: RuleSource) -> list[Finding]:
    """The configuration's parameter overrides (``params_problems``), at their file:line."""
    return params_problems(cfg.params, engine, lambda ptr: cfg.where("/params" + ptr), "config")


def params_problems(params: Mapping[str, Mapping[str, Any]], engine: RuleSource, where: Callable[[str], SourceRef],
                    kind: str) -> list[Finding]:
    """Parameter overrides (check id -> name -> value): the check must exist; a parameter its rule declares
    must fit the declaration (type, bounds), any other must be a param of its check type and fit that type's
    schema. ``where`` places a JSON Pointer into ``params``: a configuration and a rule test write the same shape."""
    out: list[Finding] = []
    if not params:
        return out
    import jsonschema  # (only here: a cold check without parameters never needs the Python validator)

    checks = {ck.id: ck for p, _ in engine.rules() for ck in p.checks}
    declared = declared_parameters(engine)
    for cid, over in params.items():
        ptr = f"/{escape(cid)}"
        ck = checks.get(cid)
        if ck is None:
            out.append(Finding("error", f"unknown check {cid!r} (parameters belong to checks)", where(ptr), kind,
                               hint(cid, checks)))
            continue
        mine = declared.get(cid, {})
        type_keys = check_type_keys(ck.impl.name)
        for key, value in over.items():
            at = where(f"{ptr}/{escape(key)}")
            if key in mine:
                try:
                    check_value(mine[key][2], value)
                except ParameterError as exc:
                    out.append(Finding("error", f"{cid}.{key}: {exc.message}", at, kind, _describe(mine[key][2])))
            elif key not in type_keys:
                known = [*mine, *type_keys]
                out.append(Finding("error", f"{cid} has no parameter {key!r}", at, kind,
                                   hint(key, known) or (f"declared: {', '.join(known)}" if known else
                                                        f"check type {ck.impl.name!r} declares no parameters")))
        rest = {k: v for k, v in over.items() if k not in mine}
        if not rest or not type_keys:
            continue
        schema = json.loads((bundled_schemas_dir() / "checks" / f"{ck.impl.name}.schema.json").read_text("utf-8"))
        merged = {**ck_params(engine, cid), **rest}
        for err in jsonschema.Draft202012Validator(schema).iter_errors(merged):
            path = list(err.absolute_path)
            if path and path[0] in rest:
                out.append(Finding("error", err.message, where(ptr + "".join(f"/{escape(str(p))}" for p in path)), kind))
    return out


def _describe(p: Parameter) -> str:
    bounds = ", ".join(f"{k} {p.shown(v)}" for k, v in (("minimum", p.minimum), ("maximum", p.maximum)) if v is not None)
    return f"{p.name}: {p.type}, default {p.shown(p.default)}" + (f", {bounds}" if bounds else "")


def param_notes(params: Mapping[str, Mapping[str, Any]], engine: RuleSource,
                origin: Callable[[str, str], str]) -> dict[str, tuple[str, ...]]:
    """process id -> the trace lines (``--explain``) naming each parameter override of its checks and where
    it is written (``origin(check, key)``: a configuration's file:line, or who set it)."""
    declared = declared_parameters(engine)
    notes: dict[str, list[str]] = {}
    for pid in engine.process_ids:
        ids = {ck.id for proc in engine.versions(pid) for ck in proc.checks}
        for cid, over in params.items():
            if cid not in ids:
                continue
            for key, value in over.items():
                at = origin(cid, key)
                d = declared.get(cid, {}).get(key)
                if d is not None:
                    p = d[2]
                    line = f"params {cid}.{key} = {p.shown(check_value(p, value))} (the rule's default: {p.shown(p.default)}) — {at}"
                else:
                    line = f"params {cid}.{key} = {json.dumps(value, ensure_ascii=False)} — {at}"
                notes.setdefault(pid, []).append(line)
    return {k: tuple(v) for k, v in notes.items()}


def ck_params(engine: RuleSource, check_id: str) -> Mapping[str, Any]:
    """The params a check is written with in the rules (the first version that has it)."""
    for p, _ in engine.rules():
        for ck in p.document.data.get("checks") or ():
            if ck.get("id") == check_id:
                return ck.get("params") or {}
    return {}


__all__ = ["CONFIG_FILE", "SHOP_TABLE", "Config", "Override", "Section", "check_names", "declared_parameters",
           "find_config", "param_notes", "params_problems", "read_config", "rule_matches"]
