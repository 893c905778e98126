"""One compiled Engine per worker process, however many tasks it runs.

An Engine pickles as its sources and recompiles when unpickled (seconds), so the
obvious ``df.mapInArrow(lambda b: ... engine ...)`` compiles once per *task*. What
travels to the workers here is an ``EngineSpec``: the sources and a digest of them.
A worker keeps the Engines it compiled by that digest for as long as the process
lives (Spark and Dask reuse worker processes), so a job compiles once per worker.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from dataclasses import dataclass, field

from ..engine import Engine

__all__ = ["EngineSpec", "compile_count", "engine_for", "remember"]

_CACHE: dict[str, Engine] = {}
_LOCK = threading.Lock()
_COMPILES = [0]


@dataclass(frozen=True)
class EngineSpec:
    """What rebuilds an Engine anywhere (its pickled sources) and the digest that names it."""

    payload: bytes = field(repr=False)
    digest: str

    @classmethod
    def of(cls, engine: Engine) -> EngineSpec:
        payload = pickle.dumps(engine, protocol=pickle.HIGHEST_PROTOCOL)  # an Engine pickles as its sources
        return cls(payload, "sha256:" + hashlib.sha256(payload).hexdigest())


def engine_for(spec: EngineSpec) -> Engine:
    """The Engine ``spec`` names, compiled at most once in this process (thread-safe)."""
    engine = _CACHE.get(spec.digest)
    if engine is not None:
        return engine
    with _LOCK:
        engine = _CACHE.get(spec.digest)
        if engine is None:
            engine = pickle.loads(spec.payload)  # our own bytes, made by EngineSpec.of; this compiles
            _COMPILES[0] += 1
            _CACHE[spec.digest] = engine
    return engine


def remember(spec: EngineSpec, engine: Engine) -> None:
    """Seed this process's cache with the Engine ``spec`` was made from, so work that runs in the
    driver's own process (Dask's threaded scheduler) compiles nothing."""
    with _LOCK:
        _CACHE.setdefault(spec.digest, engine)


def compile_count() -> int:
    """How many Engines this process has compiled from specs (one per rules digest, if all is well)."""
    return _COMPILES[0]
