"""One figure of issue #18: its value, its target, the baseline measured in the same run.

Every bench returns its figures in ``{"figures": [...]}``; ``run.py`` prints them
all in one table at the end, so one command answers "are we there?".
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from typing import Any, Callable


def figure(name: str, value: float | None, unit: str, target: str, baseline: str, ok: bool | None,
           note: str = "") -> dict[str, Any]:
    """``ok`` is None when there is nothing to judge (e.g. the feature or the dependency is missing)."""
    return {"name": name, "value": value, "unit": unit, "target": target, "baseline": baseline, "ok": ok, "note": note}


def median_of(repeats: int, fn: Callable[[], float]) -> float:
    return statistics.median(fn() for _ in range(repeats))


def timed_loop(fn: Callable[[], Any], items: int, min_seconds: float = 0.2,
               clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds per item: ``fn`` handles ``items`` items; run it until at least ``min_seconds`` passed
    on ``clock`` (wall time by default; ``time.process_time`` counts this process's CPU alone, all its
    threads included, so other jobs on a shared machine do not inflate the figure)."""
    rounds, t0 = 0, clock()
    while True:
        fn()
        rounds += 1
        elapsed = clock() - t0
        if elapsed >= min_seconds:
            return elapsed / (rounds * items)


def run_measured(cmd: list[str], cwd: str | None = None, env: dict[str, str] | None = None,
                 sample_rss: bool = False) -> dict[str, float]:
    """Run ``cmd``; its CPU seconds (user + sys, children included), wall seconds, exit code and,
    with ``sample_rss``, the peak of the summed RSS of the whole process tree (MiB), sampled every
    20 ms from /proc (ru_maxrss would give only the largest single process, not a pool's sum)."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        peak = 0
        while True:
            done, status, usage = os.wait4(proc.pid, os.WNOHANG if sample_rss else 0)
            if done:
                break
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": wall, "rc": proc.returncode, "peak_mib": peak / 1024,
            "maxrss_mib": usage.ru_maxrss / 1024, "stderr": text[-2000:]}


def _tree_rss(pid: int) -> int:
    """KiB of RSS of ``pid`` and all its descendants."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
    return total
