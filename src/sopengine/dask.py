"""Evaluate a Dask DataFrame of records: ``from sopengine.dask import evaluate``
(``pip install 'sopengine[dask]'``). See docs/scale.md and ``sopengine.columnar``."""

from .columnar.on_dask import evaluate, evaluate_partition

__all__ = ["evaluate", "evaluate_partition"]
