"""The cache of rules trees found clean: keyed by content, safe against a foreign or broken entry."""

from __future__ import annotations

import json
import os
import shutil

import pytest

import sopengine
from sopengine import rulecache
from sopengine.errors import DefinitionError

from .clirun import run
from .conftest import EXAMPLES, NOW, RULES, read_jsonl


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SOPENGINE_CACHE", "on")
    monkeypatch.setenv("SOPENGINE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _entries(cache):
    return sorted(cache.glob("clean-*.json")) if cache.exists() else []


def _results(engine):
    return [engine.evaluate(r, NOW).to_dict(trace=True) for p in sorted(EXAMPLES.glob("*.jsonl")) for r in read_jsonl(p)]


def test_a_clean_tree_is_remembered_and_judges_the_same(cache, core_engine):
    engine = core_engine  # load() with no configuration judges by the core profile
    first = sopengine.load(RULES)
    assert len(_entries(cache)) == 1
    again = sopengine.load(RULES)  # from the entry: processes compiled as records need them
    assert type(again._processes).__name__ == "LazyProcesses"
    assert _results(again) == _results(engine) == _results(first)
    assert again.process_ids == engine.process_ids
    assert [p.digest for p, _ in again.rules()] == [p.digest for p, _ in engine.rules()]


def test_a_changed_file_is_seen(cache, tmp_path):
    tree = tmp_path / "rules"
    shutil.copytree(RULES, tree)
    sopengine.load(tree)
    order = tree / "processes" / "order.yaml"
    order.write_text(order.read_text("utf-8").replace("event.kind in ['lost', 'damaged']", "event.kind in ['lost', 'damaged'] &&"),
                     "utf-8")
    os.utime(order, (0, 0))  # an old mtime changes nothing: the key is the content
    with pytest.raises(DefinitionError):
        sopengine.load(tree)


def test_validate_answers_from_the_entry_and_sees_changes(cache, capsys, tmp_path):
    assert run(capsys, "validate", str(RULES))[0] == 0
    code, _, err = run(capsys, "validate", str(RULES))
    assert code == 0 and "0 error(s), 0 warning(s)" in err
    tree = tmp_path / "rules"
    shutil.copytree(RULES, tree)
    (tree / "processes" / "kpi_daily.yaml").write_text("kind: Process\n", "utf-8")
    assert run(capsys, "validate", str(tree))[0] == 1


@pytest.mark.parametrize("spoil", ["garbage", "wrong-key", "world-writable", "symlink"])
def test_a_broken_or_foreign_entry_is_ignored(cache, tmp_path, spoil):
    sopengine.load(RULES)
    [entry] = _entries(cache)
    if spoil == "garbage":
        entry.write_bytes(b"\x00{not json")
    elif spoil == "wrong-key":
        entry.write_text(json.dumps({"format": 1, "key": "0" * 64, "files": 1, "processes": 1}))
    elif spoil == "world-writable":
        entry.chmod(0o666)
    else:
        target = tmp_path / "elsewhere.json"
        entry.rename(target)
        entry.symlink_to(target)
    assert rulecache.is_clean(entry.name[len("clean-"):-len(".json")]) is None
    assert type(sopengine.load(RULES)._processes) is dict  # validated in full again


def test_an_entry_that_lies_still_gives_the_error(cache, tmp_path):
    tree = tmp_path / "rules"
    shutil.copytree(RULES, tree)
    order = tree / "processes" / "order.yaml"
    order.write_text(order.read_text("utf-8").replace("event.kind in ['lost', 'damaged']", "event.nope in ['lost'] &&"), "utf-8")
    sources, _ = sopengine.engine.tree_sources(tree)
    store = sopengine.schemas.SchemaStore.from_dirs(sopengine.schemas.default_schema_dirs(tree))
    key = rulecache.tree_key(sources, store.docs)
    rulecache.mark_clean(key, 1, 1)  # forged: this tree is not clean
    engine = sopengine.load(tree)
    with pytest.raises(DefinitionError):
        engine.versions("order")
    assert rulecache.is_clean(key) is None  # and the entry is gone


def test_off_means_off(tmp_path, monkeypatch):
    monkeypatch.setenv("SOPENGINE_CACHE", "off")
    monkeypatch.setenv("SOPENGINE_CACHE_DIR", str(tmp_path / "c"))
    sopengine.load(RULES)
    assert not (tmp_path / "c").exists()


def test_checking_one_order_compiles_the_order_process_only(cache, capsys, tmp_path, monkeypatch):
    """No configuration names a rule, so nothing asks for every rule: the check compiles what its record needs
    (listing all rules compiled every process, the product one with its banned-word tables: a third of a GB)."""
    from sopengine import lazy

    monkeypatch.chdir(tmp_path)  # no sopengine.yaml above; the same working directory, the same entry
    run(capsys, "check", str(EXAMPLES / "orders.jsonl"), "--rules", str(RULES), "--now", "2023-06-03T12:00:00+08:00")
    assert len(_entries(cache)) == 1  # the first run validates the whole tree and remembers it
    compiled: list[str] = []
    real = lazy.compile_process
    monkeypatch.setattr(lazy, "compile_process", lambda doc, *a: (compiled.append(doc.data["id"]), real(doc, *a))[1])
    code, out, _ = run(capsys, "check", str(EXAMPLES / "orders.jsonl"), "--rules", str(RULES), "--format", "jsonl",
                       "--now", "2023-06-03T12:00:00+08:00")
    assert code == 1 and len(out.splitlines()) == len(read_jsonl(EXAMPLES / "orders.jsonl"))
    assert compiled and set(compiled) == {"order"}


def test_a_process_that_does_not_compile_is_not_compiled_again_for_every_record(cache, monkeypatch):
    from sopengine import lazy

    sopengine.load(RULES)
    engine = sopengine.load(RULES)  # from the entry: nothing compiled yet
    calls = []

    def broken(*args, **kw):
        calls.append(1)
        raise ModuleNotFoundError("No module named 'pypinyin'")

    monkeypatch.setattr(lazy, "compile_process", broken)
    products = read_jsonl(EXAMPLES / "products.jsonl")[:3]
    results = [engine.evaluate(r, NOW) for r in products]
    assert all("ModuleNotFoundError" in (r.error or "") for r in results)  # each record says why
    assert len(calls) == 1  # and the process was tried once, not once a record


def _parsed_paths(monkeypatch):
    from sopengine import lazy

    parsed: list[str] = []
    real = lazy.parse_yaml
    monkeypatch.setattr(lazy, "parse_yaml", lambda text, path: (parsed.append(path), real(text, path))[1])
    return parsed


def test_an_entry_with_kinds_parses_only_the_files_asked_for(cache, core_engine, monkeypatch):
    """A check of orders parses the order process's files and those every process may refer to, never the
    rule tests or another process; whatever asks for them later gets them, the same documents."""
    sopengine.load(RULES)
    [entry] = _entries(cache)
    kinds = json.loads(entry.read_text("utf-8"))["kinds"]
    assert kinds[_path(kinds, "processes/order.yaml")] == ["Process", "order"]
    parsed = _parsed_paths(monkeypatch)
    engine = sopengine.load(RULES)
    orders = read_jsonl(EXAMPLES / "orders.jsonl")
    assert [engine.evaluate(r, NOW).to_dict(trace=True) for r in orders] == [
        core_engine.evaluate(r, NOW).to_dict(trace=True) for r in orders]
    names = {p.rsplit("/", 1)[-1] for p in parsed}
    assert {"order.yaml", "order-1.1.0.yaml", "manual.yaml"} <= names
    assert not names & {"product.yaml", "campaign.yaml"} and not any("/tests/" in p for p in parsed)
    for kind in ("RuleTests", "Process", "Manual"):
        assert [(d.path, d.data) for d in engine.documents(kind)] == [(d.path, d.data) for d in core_engine.documents(kind)]
    assert engine.kinds() == core_engine.kinds()


def _path(kinds, tail):
    [path] = [p for p in kinds if p.endswith("/" + tail)]  # (shown relative to the working directory)
    return path


def _forge_kinds(entry, change):
    data = json.loads(entry.read_text("utf-8"))
    change(data["kinds"])
    entry.write_text(json.dumps(data), "utf-8")
    entry.chmod(0o600)


def test_an_entry_whose_kinds_lie_is_an_error_and_is_forgotten(cache):
    sopengine.load(RULES)
    [entry] = _entries(cache)
    _forge_kinds(entry, lambda k: k.update({_path(k, "processes/product.yaml"): ["Process", "order"]}))
    engine = sopengine.load(RULES)
    with pytest.raises(DefinitionError, match="not the Process the rules cache"):
        engine.versions("order")
    assert not entry.exists()
    sopengine.load(RULES)  # validated in full, remembered again
    [entry] = _entries(cache)
    _forge_kinds(entry, lambda k: k.update({_path(k, "manual.yaml"): ["Vocabulary", "banned_words"]}))
    with pytest.raises(DefinitionError, match="not the Vocabulary"):
        sopengine.load(RULES)  # a kind every process may refer to is parsed at once
    assert not entry.exists()


def test_kinds_that_do_not_name_the_trees_files_are_not_used(cache, monkeypatch):
    sopengine.load(RULES)
    [entry] = _entries(cache)
    _forge_kinds(entry, lambda k: k.pop(_path(k, "manual.yaml")))
    parsed = _parsed_paths(monkeypatch)
    engine = sopengine.load(RULES)
    assert not parsed  # the whole tree read as before this entry had kinds (read_sources)
    assert type(engine._processes).__name__ == "LazyProcesses" and "order" in engine.process_ids
    assert len(engine.documents("RuleTests")) == len(list((RULES / "tests").glob("*.yaml")))
