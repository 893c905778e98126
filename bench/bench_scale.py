"""Scale-out (#12): 1,000,000 orders from Parquet, records/s for the CLI (--jobs 1, --jobs 2),
Spark local[2] and Dask with 2 worker processes, and the compiles per worker (must be one).

Baseline measured in the same run: pyarrow reading the same Parquet file into Python rows
(what any Python consumer pays before judging anything). Each engine's rate is the median
of --repeat runs of wall time over the whole file, results written to a throwaway sink.

    python bench/bench_scale.py [--records 1000000] [--repeat 3] [--only cli,spark,dask]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from figures import figure, run_measured

NOW = "2023-06-03T12:00:00+08:00"


def make_parquet(path: Path, n: int) -> None:
    """``n`` orders cycled from the bundled examples, each with its own id, in row groups of 64k."""
    import orjson
    import pyarrow as pa
    import pyarrow.parquet as pq

    seeds = [orjson.loads(x) for x in (ROOT / "examples" / "orders.jsonl").read_bytes().splitlines() if x.strip()]
    schema = pa.Table.from_struct_array(pa.array(seeds)).schema
    with pq.ParquetWriter(path, schema) as w:
        for start in range(0, n, 65536):
            rows = []
            for i in range(start, min(n, start + 65536)):
                rec = dict(seeds[i % len(seeds)])
                rec["id"] = f"B{i:08d}"
                rows.append(rec)
            w.write_table(pa.Table.from_pylist(rows, schema=schema))


def baseline_rows_per_s(path: Path) -> float:
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    n = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=4096):
        n += len(batch.to_pylist())
    return n / (time.perf_counter() - t0)


def cli_rate(path: Path, n: int, jobs: str | None, repeat: int, tmp: Path) -> float | None:
    e = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    cmd = [sys.executable, "-m", "sopengine", "check", str(path), "--now", NOW, "--format", "parquet",
           "-o", str(tmp / "out.parquet"), "--fail-on", "never"]
    if jobs is not None:
        cmd += ["--jobs", jobs]
    walls = []
    for _ in range(repeat):
        r = run_measured(cmd, env=e)
        if r["rc"] not in (0, 1):
            print(f"cli failed: {r['stderr']}")
            return None
        walls.append(r["wall"])
    return n / statistics.median(walls)


def has_jobs() -> bool:
    import subprocess

    out = subprocess.run([sys.executable, "-m", "sopengine", "check", "--help"], check=False, capture_output=True,
                         text=True, env=dict(os.environ, PYTHONPATH=str(ROOT / "src")))
    return "--jobs" in out.stdout


def spark_rate(path: Path, n: int, repeat: int) -> tuple[float | None, dict[int, int]]:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return None, {}
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")
    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
             .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    from sopengine.spark import compile_stats, evaluate

    walls, stats = [], compile_stats(spark)
    try:
        # one small file is one input split: spread it so both cores (and both workers) get tasks
        df = spark.read.parquet(str(path)).repartition(8)
        for _ in range(repeat):
            t0 = time.perf_counter()
            evaluate(df, now=NOW, stats=stats).write.format("noop").mode("overwrite").save()
            walls.append(time.perf_counter() - t0)
        return n / statistics.median(walls), dict(stats.value)
    finally:
        spark.stop()


def dask_rate(path: Path, n: int, repeat: int) -> tuple[float | None, dict[str, int]]:
    try:
        import dask.dataframe as dd
        from distributed import Client, LocalCluster
    except ImportError:
        return None, {}
    from sopengine.columnar import compile_count
    from sopengine.dask import evaluate

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        walls = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            ddf = dd.read_parquet(str(path), dtype_backend="pyarrow", split_row_groups=True)
            ddf = ddf.repartition(npartitions=max(ddf.npartitions, 8))  # work for both workers
            rows = evaluate(ddf, now=NOW).map_partitions(len).compute().sum()
            assert rows == n, rows
            walls.append(time.perf_counter() - t0)
        return n / statistics.median(walls), client.run(compile_count)


def once_each(per_worker: dict[Any, int]) -> bool | None:
    """At most one compile in every worker, and some worker compiled (a worker given no task compiles nothing)."""
    if not per_worker:
        return None
    return max(per_worker.values()) == 1


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default="cli,spark,dask")
    args = ap.parse_args(argv)
    only = set(args.only.split(","))
    figs: list[dict[str, Any]] = []
    out: dict[str, Any] = {"bench": "scale", "records": args.records}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        path = tmp / "orders.parquet"
        make_parquet(path, args.records)
        base = baseline_rows_per_s(path)
        shown = f"pyarrow rows {base:,.0f}/s"
        print(f"{args.records:,} orders in Parquet; baseline: pyarrow to Python rows {base:,.0f}/s", flush=True)
        if "cli" in only:
            for jobs in ("1", "2") if has_jobs() else (None,):
                rate = cli_rate(path, args.records, jobs, args.repeat, tmp)
                label = f"CLI Parquet --jobs {jobs}" if jobs else "CLI Parquet (no --jobs in this checkout)"
                print(f"{label}: {rate or 0:,.0f} records/s", flush=True)
                figs.append(figure(label, round(rate) if rate else None, "records/s", "—", shown, None))
                out[f"cli_jobs{jobs or 1}"] = rate
        for key, label, run, missing in (("spark", "Spark local[2]", spark_rate, "pyspark not installed"),
                                         ("dask", "Dask, 2 workers", dask_rate, "dask not installed")):
            if key not in only:
                continue
            rate, per_worker = run(path, args.records, args.repeat)
            print(f"{label}: {rate or 0:,.0f} records/s; compiles per worker {per_worker}", flush=True)
            figs.append(figure(label, round(rate) if rate else None, "records/s", "—", shown, None,
                               "" if rate else missing))
            figs.append(figure(f"{label}: compiles per worker", max(per_worker.values()) if per_worker else None, "",
                               "1", f"{len(per_worker)} worker processes", once_each(per_worker)))
            out.update({key: rate, f"{key}_compiles": per_worker})
    out["figures"] = figs
    return out


if __name__ == "__main__":
    main()
