"""Run every benchmark in this folder (bench_*.py with a main()) and print every figure of issue #18
next to its target and the baseline measured in the same run.

    python bench/run.py            # full size (100,000 orders end to end, a 1,000,000-record stream)
    python bench/run.py --quick    # small sizes, for a smoke run
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
QUICK = {"bench_engine": ["--repeat", "3"], "bench_cli": ["--records", "2000", "--stream", "20000", "--repeat", "1"],
         "bench_banned_words": ["--titles", "10000"], "bench_scale": ["--records", "20000", "--repeat", "1"],
         "bench_report": ["--records", "5000", "--repeat", "1"]}


def table(figs: list[dict[str, Any]]) -> str:
    rows = [("figure", "value", "target", "same-run baseline", "met")]
    for f in figs:
        v = f["value"]
        shown = "—" if v is None else (f"{v:,}" if isinstance(v, int) else f"{v:,.2f}".rstrip("0").rstrip("."))
        met = {True: "yes", False: "NO", None: "n/a"}[f["ok"]]
        rows.append((f["name"], f"{shown} {f['unit']}", f["target"], f["baseline"] + (f"; {f['note']}" if f["note"] else ""), met))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths + [3])) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths + [3]) + "|")
    return "\n".join(lines)


def main() -> None:
    quick = "--quick" in sys.argv
    only = [a for a in sys.argv[1:] if not a.startswith("-")]
    results, figs = [], []
    for path in sorted(HERE.glob("bench_*.py")):
        if only and path.stem not in only and path.stem.removeprefix("bench_") not in only:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(mod)  # type: ignore[union-attr]
        if not hasattr(mod, "main"):
            continue
        print(f"== {path.stem}", flush=True)
        res = mod.main(QUICK.get(path.stem, []) if quick else [])
        results.append(res)
        figs += res.get("figures") or []
    print("\n" + table(figs))
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), "utf-8")
    print(f"\nwritten {out / 'results.json'}")


if __name__ == "__main__":
    main()
