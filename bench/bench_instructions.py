"""Per record, in machine instructions: ``Engine.evaluate`` of every process against orjson parsing
the same record, counted by valgrind. The deterministic twin of bench_engine's CPU figures.

This machine's speed moves with its host (the same code, timed back to back, swings by up to
2x), so a change of a few per cent cannot be seen in seconds. Instructions can: valgrind's
count for the same interpreter, records and code repeats to about 1 %, whatever else the
machine is doing. Each figure is the difference between two runs of one child process, one
that evaluates N records after the warm-up and one that evaluates none, divided by N: what
loading, compiling and warming cost cancels out. The baseline is orjson parsing the same
record, counted the same way in the same run. A ratio of instructions is not a ratio of CPU
time (a C parser and the interpreter's loop retire instructions at different rates): compare
each figure with its own earlier runs.

    python bench/bench_instructions.py [--records 300] [--processes order,product]

Needs valgrind on PATH (Debian: apt-get install valgrind); without it the figures say so.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from figures import figure

WARM = 50  # records evaluated before counting starts, in both runs: the bounded tables and caches fill
DISTINCT = ("order", "product")  # as bench_engine: the processes it also measures on all-different records
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def child(process: str, mode: str, n: int, total: int) -> None:
    """What valgrind runs: ``n`` records of ``process`` after the warm-up (``mode``: examples, the bundled
    examples again and again; distinct, bench_engine's all-different records; orjson, the baseline). The
    records of a run of ``total`` are made in every run, so that making them cancels out too."""
    import bench_engine as b
    import orjson

    lines = b.example_records()[process]
    if mode == "orjson":
        chosen = [lines[i % len(lines)] for i in range(WARM + total)]
        for line in chosen[:WARM + n]:
            orjson.loads(line)
        return
    import sopengine

    engine = sopengine.load(b.ROOT / "rules")
    if mode == "distinct":
        pairs = b.distinct_records(lines, WARM + total)
    else:
        records = [orjson.loads(x) for x in lines]
        pairs = [(records[i % len(records)], b.NOW) for i in range(WARM + total)]
    for record, now in pairs[:WARM + n]:
        engine.evaluate(record, now)


def counted(process: str, mode: str, n: int, total: int, valgrind: str) -> int:
    """Instructions of one child run under valgrind (cachegrind without its cache model: a count only)."""
    cmd = [valgrind, "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
           sys.executable, str(Path(__file__).resolve()), "--child", process, mode, str(n), str(total)]
    if shutil.which("setarch"):  # the same addresses every run: hash tables and allocations repeat exactly
        cmd = ["setarch", os.uname().machine, "-R", *cmd]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env)
    m = _REFS.search(done.stderr)
    if done.returncode != 0 or m is None:
        raise RuntimeError(f"valgrind run of {process} {mode} {n} failed (exit {done.returncode}): {done.stderr[-800:]}")
    return int(m.group(1).replace(",", ""))


def per_record(process: str, mode: str, n: int, valgrind: str) -> int:
    """Instructions per record: a run of ``n`` records minus a run of none, over ``n``."""
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", process, mode, "0", "0"], check=True)
    # (once outside valgrind first: the rules cache and the bytecode are written, so both counted runs read them)
    return round((counted(process, mode, n, n, valgrind) - counted(process, mode, 0, n, valgrind)) / n)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=300)
    ap.add_argument("--processes", default="", help="comma-separated; default: every process with examples")
    ap.add_argument("--child", nargs=4, metavar=("PROCESS", "MODE", "N", "TOTAL"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]), int(args.child[3]))
        return {}
    import bench_engine as b

    known = sorted(b.example_records())
    processes = [p for p in args.processes.split(",") if p] or known
    if unknown := sorted(set(processes) - set(known)):
        ap.error(f"no examples for process(es) {', '.join(unknown)}; known: {', '.join(known)}")
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("not measured: valgrind is not on PATH")
        return {"bench": "instructions", "figures": [figure("instructions per record", None, "instructions", "—",
                                                            "not measured", None, "valgrind is not on PATH")]}
    jobs = [(p, "examples") for p in processes] + [(p, "distinct") for p in processes if p in DISTINCT]
    jobs += [(p, "orjson") for p in processes]
    print(f"valgrind instruction counts, {args.records} records per run after {WARM} warm-up records; "
          f"{len(jobs) * 2} counted runs on {os.cpu_count()} cores")
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:  # (counts do not depend on the load)
        counts = dict(zip(jobs, pool.map(lambda j: per_record(j[0], j[1], args.records, valgrind), jobs), strict=True))
    figures, rows = [], {}
    for p in processes:
        ours, base = counts[(p, "examples")], counts[(p, "orjson")]
        rows[p] = {"examples": ours, "orjson": base}
        print(f"{p:<20} Engine.evaluate {ours:>10,} instructions/record   orjson parse {base:>8,}   {ours / base:6.0f}x")
        figures.append(figure(f"instructions, Engine.evaluate {p}", ours, "instr/record", "—",
                              f"orjson parse {base:,} ({ours / base:.0f}x)", None, "valgrind; deterministic to ~1 %"))
        if (p, "distinct") in counts:
            fresh = rows[p]["distinct"] = counts[(p, "distinct")]
            print(f"{p:<20} all-different records: {fresh:>10,} instructions/record")
            figures.append(figure(f"instructions, Engine.evaluate {p}, all-different", fresh, "instr/record", "—",
                                  f"{fresh / ours:.2f}x the examples' figure", None, "valgrind; deterministic to ~1 %"))
    return {"bench": "instructions", "records": args.records, "per_record": rows, "figures": figures}


if __name__ == "__main__":
    main()
