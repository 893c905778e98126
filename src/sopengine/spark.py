"""Evaluate a Spark DataFrame of records: ``from sopengine.spark import evaluate``
(``pip install 'sopengine[spark]'``). See docs/scale.md and ``sopengine.columnar``."""

from .columnar.on_spark import compile_stats, evaluate, result_type

__all__ = ["compile_stats", "evaluate", "result_type"]
