"""Regenerate docs/records.md, the record contract per process, from the schemas and rules:

    python docs/_gen/records.py
"""
from pathlib import Path

import sopengine
from sopengine.tools.records_doc import render

ROOT = Path(__file__).resolve().parents[2]
(ROOT / "docs" / "records.md").write_text(render(sopengine.load(ROOT / "rules")), "utf-8")
