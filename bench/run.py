"""Run every benchmark in this folder (bench_*.py with a main()) and print their ratios.

    python bench/run.py            # full size
    python bench/run.py --quick    # small sizes, for a smoke run
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = {"bench_engine": ["--records", "5000"], "bench_banned_words": ["--titles", "10000"]}


def main() -> None:
    quick = "--quick" in sys.argv
    results = []
    for path in sorted(HERE.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)  # type: ignore[union-attr]
        if not hasattr(mod, "main"):
            continue
        print(f"== {path.stem}")
        results.append(mod.main(QUICK.get(path.stem, []) if quick else []))
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), "utf-8")
    print(f"\nwritten {out / 'results.json'}")


if __name__ == "__main__":
    main()
