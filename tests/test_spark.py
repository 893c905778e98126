"""sopengine.spark on a real Spark in local[2] mode: results equal to the CLI's, record for record (#12).

Marked ``spark`` (``pytest -m spark`` runs them alone); they run in .ci/run, which
installs Java and the extra. A session costs ~10 s to start, so it is shared.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from datetime import datetime
from decimal import Decimal

import pytest

from .conftest import EXAMPLES, read_jsonl
from .optional import missing
from .scalekit import NOW, by_record, cli_results, example_files, need

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark():
    need("pyarrow", "spark")
    need("pyspark", "spark")
    if shutil.which("java") is None:
        missing("Java 17+, which Spark needs", "apt-get install default-jre-headless")
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable  # workers import this very sopengine
    session = (SparkSession.builder.master("local[2]").appName("sopengine-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.shuffle.partitions", "2").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def results_of(df, **kw):
    from sopengine.columnar import row_to_result_dict
    from sopengine.spark import evaluate

    return [row_to_result_dict(r.asDict(recursive=True)) for r in evaluate(df, now=NOW, **kw).collect()]


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.name)
def test_every_example_file_gets_the_cli_results(spark, capsys, path):
    """Numbers compare as values: Spark's JSON reader widens a column of 2 and 0.5 to doubles."""
    assert by_record(results_of(spark.read.json(str(path)))) == by_record(cli_results(capsys, path))


def test_a_merged_schema_with_nulls_everywhere_judges_like_the_cli(spark, capsys):
    files = [EXAMPLES / "orders.jsonl", EXAMPLES / "orders_fulfilment.jsonl", EXAMPLES / "orders_versions.jsonl"]
    frames = [spark.read.json(str(f)) for f in files]
    merged = frames[0]
    for f in frames[1:]:
        merged = merged.unionByName(f, allowMissingColumns=True)
    got = results_of(merged)
    assert any(r["error"] for r in got)  # an order before the first version's period: an error row, not a failed job
    assert by_record(got) == by_record(cli_results(capsys, *files))


def _typed_orders(spark, aware: bool):
    import pyarrow as pa

    rows = read_jsonl(EXAMPLES / "orders.jsonl")

    def t(text):
        dt = datetime.fromisoformat(text)
        return dt if aware else dt.replace(tzinfo=None)

    for r in rows:
        r["placed_at"] = t(r["placed_at"])
        r["amount"] = Decimal(str(r["amount"]))
        for e in r.get("events", []):
            e["at"] = t(e["at"])
    table = pa.Table.from_struct_array(pa.array(rows))
    assert pa.types.is_timestamp(table.schema.field("placed_at").type)
    assert pa.types.is_decimal(table.schema.field("amount").type)
    # Spark reads a naive Arrow timestamp as local time unless told it is wall time (NTZ)
    spark.conf.set("spark.sql.timestampType", "TIMESTAMP_LTZ" if aware else "TIMESTAMP_NTZ")
    try:
        return spark.createDataFrame(table).cache()
    finally:
        spark.conf.unset("spark.sql.timestampType")


@pytest.mark.parametrize("aware", [True, False], ids=["timestamp", "timestamp_ntz"])
def test_spark_timestamps_and_decimals_judge_like_the_strings_they_came_from(spark, capsys, aware):
    df = _typed_orders(spark, aware)
    kind = dict(df.dtypes)["placed_at"]
    assert kind == ("timestamp" if aware else "timestamp_ntz") and dict(df.dtypes)["amount"].startswith("decimal")
    assert by_record(results_of(df)) == by_record(cli_results(capsys, EXAMPLES / "orders.jsonl"))


def test_a_row_that_cannot_be_converted_is_an_error_row_never_a_failed_job(spark):
    from pyspark.sql import functions as F

    df = spark.read.json(str(EXAMPLES / "orders.jsonl"))
    df = df.withColumn("blob", F.when(F.col("id") == "DD20230601001", F.lit(b"\x00")).otherwise(F.lit(None)))
    got = {r["record"]: r for r in results_of(df)}
    bad = [r for r in got.values() if r["error"]]
    assert len(bad) == 1 and "/blob: binary data" in bad[0]["error"]
    assert len(got) == len(read_jsonl(EXAMPLES / "orders.jsonl")) - 1 + 1


def test_passthrough_and_ignored_columns(spark, capsys):
    from pyspark.sql import functions as F

    df = spark.read.json(str(EXAMPLES / "kpi_daily.jsonl")).withColumn("dt", F.lit("2023-06-03"))
    df = df.withColumn("ingest_id", F.monotonically_increasing_id())
    from sopengine.spark import evaluate

    out = evaluate(df, now=NOW, passthrough=["dt"], ignore=["ingest_id"])
    assert out.columns[-1] == "dt" and "ingest_id" not in out.columns
    assert {r["dt"] for r in out.select("dt").collect()} == {"2023-06-03"}
    with pytest.raises(ValueError, match="no such column"):
        evaluate(df, now=NOW, passthrough=["nope"])


def test_one_compile_per_worker_process_however_many_tasks(spark):
    from sopengine.spark import compile_stats, evaluate

    df = spark.read.json([str(p) for p in example_files() if p.name.startswith("orders")]).repartition(8)
    stats = compile_stats(spark)
    assert evaluate(df, now=NOW, stats=stats).count() == df.count()
    per_worker = stats.value
    assert per_worker and all(n == 1 for n in per_worker.values()), per_worker  # 8 tasks, 1 compile per process


def test_sql_users_explode_violations(spark, capsys):
    from sopengine.spark import evaluate

    df = spark.read.json(str(EXAMPLES / "orders.jsonl"))
    evaluate(df, now=NOW).createOrReplaceTempView("results")
    by_clause = spark.sql("select c as clause, count(*) as n from results "
                          "lateral view explode(violations) v as vi lateral view explode(vi.clauses) cl as c group by c")
    got = {r["clause"]: r["n"] for r in by_clause.collect()}
    want: dict[str, int] = {}
    for r in cli_results(capsys, EXAMPLES / "orders.jsonl"):
        for v in r["violations"]:
            for c in v["clauses"]:
                want[c] = want.get(c, 0) + 1
    assert got == want and got
    evidence = spark.sql("select get_json_object(vi.evidence, '$') as e from results lateral view explode(violations) v as vi")
    assert all(json.loads(r["e"]) is not None for r in evidence.collect())
