"""Bundles rules/, schemas/ and examples/ into the wheel, so `sopengine check` works
after a plain `pip install` with no checkout beside it (sopengine/paths.py looks there
first and falls back to the repository root for editable installs)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        dest = Path(self.build_lib) / "sopengine" / "bundled"
        for name in ("rules", "schemas", "examples"):
            shutil.copytree(ROOT / name, dest / name, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithData})
