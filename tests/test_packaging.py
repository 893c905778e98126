"""The sdist and the wheel, built as a packager builds them (``python -m build``), inspected.

A distribution packager (conda-forge, Debian, ``pip install --no-binary``) builds the wheel
from the sdist, not from a checkout: both wheels must hold the same files, byte for byte,
and those must be the tree's rules, schemas and examples as they are now, so that a rule
file removed from the tree can never ship and judge records. Builds run without build
isolation (hatchling and build are in the ``test`` extra), so no network is needed.
"""

from __future__ import annotations

import email.parser
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT

BUNDLED = ("rules", "schemas", "examples")
SDIST_ROOTS = ("src", "rules", "schemas", "examples", "tests", "docs", "bench", ".ci", ".github")


def build(src: Path, out: Path, *what: str) -> list[Path]:
    """``python -m build --no-isolation`` of ``src`` into ``out``; the artefacts it made."""
    before = set(out.glob("*")) if out.exists() else set()
    proc = subprocess.run([sys.executable, "-m", "build", "--no-isolation", *what, "-o", str(out), str(src)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return sorted(set(out.glob("*")) - before)


def tree_files(root: Path, top: str) -> set[str]:
    """The files of the tree under ``top`` that a build takes: in a git checkout those git does not
    ignore (bench/out/, caches), elsewhere (an unpacked sdist) every file but bytecode."""
    if (root / ".git").exists() and shutil.which("git"):
        listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z", "--", top], cwd=root,
                                capture_output=True, text=True, check=True).stdout.split("\0")
        return {name for name in listed if name and (root / name).is_file()}
    return {p.relative_to(root).as_posix() for p in (root / top).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


def wheel_contents(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory) -> dict[str, Path]:
    """An sdist and a wheel built from the tree, and a wheel built from that sdist."""
    tmp = tmp_path_factory.mktemp("dist")
    made = build(ROOT, tmp / "tree", "--sdist", "--wheel")
    sdist = next(p for p in made if p.name.endswith(".tar.gz"))
    wheel = next(p for p in made if p.suffix == ".whl")
    with tarfile.open(sdist) as t:
        t.extractall(tmp / "unpacked", filter="data")
    (unpacked,) = (tmp / "unpacked").iterdir()
    (from_sdist,) = build(unpacked, tmp / "from-sdist", "--wheel")
    return {"sdist": sdist, "wheel": wheel, "from_sdist": from_sdist, "unpacked": unpacked}


def test_the_sdist_carries_what_building_and_testing_need(artefacts):
    unpacked = artefacts["unpacked"]
    for top in SDIST_ROOTS:
        assert tree_files(unpacked, top) == tree_files(ROOT, top), top
    for name in ("pyproject.toml", "LICENSE", "README.md", "CHANGELOG.md", "PKG-INFO", ".pre-commit-hooks.yaml"):
        assert (unpacked / name).is_file(), name
    assert not (unpacked / "setup.py").exists()


def test_the_wheel_built_from_the_sdist_equals_the_wheel_built_from_the_tree(artefacts):
    a, b = wheel_contents(artefacts["wheel"]), wheel_contents(artefacts["from_sdist"])
    assert sorted(a) == sorted(b)
    assert [n for n in a if a[n] != b[n]] == []
    assert artefacts["wheel"].name == artefacts["from_sdist"].name


def test_the_wheel_bundles_the_tree_where_paths_py_looks(artefacts):
    names = set(wheel_contents(artefacts["wheel"]))
    for top in BUNDLED:
        bundled = {n.removeprefix("sopengine/bundled/") for n in names if n.startswith(f"sopengine/bundled/{top}/")}
        assert bundled == tree_files(ROOT, top), top
    package = {n.removeprefix("sopengine/") for n in names if n.startswith("sopengine/") and not n.startswith("sopengine/bundled/")}
    assert package == {p.removeprefix("src/sopengine/") for p in tree_files(ROOT, "src/sopengine")}
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n or n.endswith(".pyc")]


def test_the_metadata_is_complete(artefacts):
    with zipfile.ZipFile(artefacts["wheel"]) as z:
        meta_name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(z.read(meta_name).decode("utf-8"))
        assert z.read(meta_name.replace("METADATA", "licenses/LICENSE")) == (ROOT / "LICENSE").read_bytes()
        entry_points = z.read(meta_name.replace("METADATA", "entry_points.txt")).decode()
    import sopengine

    assert meta["Name"] == "sopengine" and meta["Version"] == sopengine.__version__
    assert meta["License-Expression"] == "Apache-2.0" and meta.get_all("License-File") == ["LICENSE"]
    assert "Apache License" in (ROOT / "LICENSE").read_text("utf-8")
    assert meta["Requires-Python"] == ">=3.11" and meta["Author"]
    classifiers = meta.get_all("Classifier")
    assert "Programming Language :: Python :: 3.11" in classifiers and "Typing :: Typed" in classifiers
    assert "sopengine = sopengine.cli:main" in entry_points


def test_a_removed_rule_file_never_ships(tmp_path):
    """What the old setup.py did: copy into a reused build/lib and never delete. Here a stale
    build/ left in the tree with the removed file in it changes nothing."""
    src = tmp_path / "src-tree"
    for top in ("src", *BUNDLED):
        shutil.copytree(ROOT / top, src / top, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "LICENSE", "README.md"):
        shutil.copy(ROOT / name, src / name)
    removed = "rules/processes/kpi_daily.yaml"
    stale = src / "build/lib/sopengine/bundled" / removed
    stale.parent.mkdir(parents=True)
    shutil.move(src / removed, stale)
    (wheel,) = build(src, tmp_path / "dist", "--wheel")
    names = set(wheel_contents(wheel))
    assert f"sopengine/bundled/{removed}" not in names
    assert "sopengine/bundled/rules/processes/order.yaml" in names
    assert not [n for n in names if n.startswith("build/")]


def test_the_installed_wheel_works_outside_a_checkout(artefacts, tmp_path):
    """The wheel's own files, not the checkout: the README's Python example (`load()` with no
    argument) and `sopengine check` on the bundled examples, from a directory with no rules/."""
    site = tmp_path / "site"
    with zipfile.ZipFile(artefacts["wheel"]) as z:
        z.extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1"}
    readme = (ROOT / "README.md").read_text("utf-8")
    block = readme.split("## From Python\n\n```python\n", 1)[1].split("```\n", 1)[0]
    said = readme.split("## From Python", 1)[1].split("\nprints `", 1)[1].split("`", 1)[0]
    script = f"import sopengine\nassert sopengine.__file__.startswith({str(site)!r}), sopengine.__file__\n" + block
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=elsewhere, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == said  # the README's Python example, run from the wheel, prints what it says
    examples = site / "sopengine/bundled/examples/orders.jsonl"
    proc = subprocess.run([sys.executable, "-m", "sopengine", "check", str(examples), "--now", "2023-06-03T12:00:00+08:00",
                           "--format", "json"], capture_output=True, text=True, cwd=elsewhere, env=env, check=False)
    assert proc.returncode == 1, proc.stderr
    assert any(v["rule"] == "ship.wrong_role" for r in __import__("json").loads(proc.stdout) for v in r["violations"])
