"""sopengine.dask on a local Dask cluster of 2 worker processes: results equal to the CLI's (#12).

Marked ``dask`` (``pytest -m dask`` runs them alone); they run in .ci/run.
"""

from __future__ import annotations

import pytest

from .conftest import read_jsonl
from .scalekit import NOW, by_record, cli_results, example_files, need

pytestmark = pytest.mark.dask


@pytest.fixture(scope="module")
def client():
    need("dask.dataframe", "dask")
    distributed = need("distributed", "dask")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _parquet(tmp_path, paths):
    """The records as a Parquet dataset, one file per record (examples mix types on purpose)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 0
    for path in paths:
        for rec in read_jsonl(path):
            pq.write_table(pa.Table.from_struct_array(pa.array([rec])), tmp_path / f"part-{n:04d}.parquet")
            n += 1
    return n


def test_examples_from_parquet_get_the_cli_results_with_one_compile_per_worker(client, tmp_path, capsys):
    import dask.dataframe as dd

    from sopengine.columnar import compile_count, row_to_result_dict
    from sopengine.dask import evaluate

    files = [p for p in example_files() if p.name.startswith("orders")]
    n = _parquet(tmp_path, files)
    parts = [dd.read_parquet(str(tmp_path / f"part-{i:04d}.parquet"), dtype_backend="pyarrow") for i in range(n)]
    ddf = dd.concat(parts)  # nulls where a file lacks a column: the merged schema a warehouse gives
    out = evaluate(ddf, now=NOW)
    assert all(str(t).endswith("[pyarrow]") for t in out.dtypes)
    frame = out.compute()
    got = [row_to_result_dict(r) for r in frame.to_dict("records")]
    assert by_record(got) == by_record(cli_results(capsys, *files))
    compiles = client.run(compile_count)
    assert len(compiles) == 2 and all(c <= 1 for c in compiles.values()) and sum(compiles.values()) >= 1, compiles


def test_an_empty_partition_gives_an_empty_result_frame(client):
    import pandas as pd

    from sopengine.columnar.common import prepare
    from sopengine.dask import evaluate_partition

    _, job = prepare(None, NOW, version=None, lang="en", explain=False, passthrough=(), ignore=(), tables=None,
                     columns=["process"])
    frame = evaluate_partition(pd.DataFrame({"process": pd.Series([], dtype="string[pyarrow]")}), job)
    assert len(frame) == 0 and list(frame.columns)[:2] == ["record", "process"]
