"""Records per second through the whole engine, against just parsing the same JSON Lines.

The baseline is measured in the same run on the same file with the fastest JSON
parser available (orjson if installed, else the stdlib), so the ratio says what
the rules cost on top of reading the data, whatever the machine.

    python bench/bench_engine.py [--records 100000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import sopengine  # noqa: E402
from sopengine.inputs.records import read_file  # noqa: E402

NOW = datetime(2023, 6, 3, 12, tzinfo=ZoneInfo("Asia/Shanghai"))


def make_corpus(path: Path, n: int) -> None:
    seeds = [json.loads(l) for l in (ROOT / "examples" / "orders.jsonl").read_text("utf-8").splitlines() if l.strip()]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            rec = dict(seeds[i % len(seeds)])
            rec["id"] = f"B{i:08d}"
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def parse_only(path: Path) -> float:
    try:
        import orjson

        loads, name = orjson.loads, "orjson"
    except ImportError:  # pragma: no cover
        loads, name = json.loads, "json"
    t = time.perf_counter()
    n = 0
    with path.open("rb") as fh:
        for line in fh:
            loads(line)
            n += 1
    return n / (time.perf_counter() - t), name


def engine_rate(engine: sopengine.Engine, path: Path) -> tuple[float, dict[str, int]]:
    t = time.perf_counter()
    counts = {"records": 0, "violations": 0, "errors": 0}
    for r in engine.evaluate_many(read_file(path), NOW):
        counts["records"] += 1
        counts["violations"] += len(r.violations)
        counts["errors"] += r.error is not None
    return counts["records"] / (time.perf_counter() - t), counts


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=100_000)
    args = ap.parse_args(argv)
    tracemalloc.start()
    t = time.perf_counter()
    engine = sopengine.load(ROOT / "rules")
    load_s = time.perf_counter() - t
    engine_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.jsonl"
        make_corpus(path, args.records)
        base, parser = parse_only(path)
        rate, counts = engine_rate(engine, path)
    out = {
        "bench": "engine", "records": counts["records"], "parser": parser,
        "parse_records_per_s": round(base), "engine_records_per_s": round(rate),
        "engine_vs_parse": round(rate / base, 4), "load_seconds": round(load_s, 3),
        "engine_memory_mib": round(engine_bytes / 2**20, 1), **{k: v for k, v in counts.items() if k != "records"},
    }
    print(f"engine  {counts['records']:>7} orders: {rate:>10,.0f} records/s  "
          f"(parse only with {parser}: {base:,.0f}/s; ratio {rate / base:.4f}, i.e. {base / rate:.0f}x the parse cost)")
    print(f"        load+compile all rules: {load_s:.2f} s, {out['engine_memory_mib']} MiB; "
          f"{counts['violations']} violations, {counts['errors']} errors")
    return out


if __name__ == "__main__":
    main()
