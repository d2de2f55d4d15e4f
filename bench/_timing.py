"""Measurement helpers shared by both sides of bench/engine.py.

The openvenue runs (Python 3.11+) and the peer runs (a Python 3.12 virtualenv, in a subprocess)
import this same file, so both are timed by construction the same way: the same clock, the same
garbage-collector handling, the same best-of rule and the same percentile definition. It imports
nothing but the standard library for that reason.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from time import perf_counter

RUNS = 3


@contextmanager
def gc_paused() -> Iterator[None]:
    """Collect first, then keep the cyclic collector out of the timed section.

    A collection landing inside one side's run and not the other's would measure the collector,
    not the engine; the collector is re-enabled whatever happens.
    """
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def best_throughput(
    prepare: Callable[[], Callable[[], None]], count: int, runs: int = RUNS
) -> float:
    """Commands per second of the fastest of ``runs`` runs.

    ``prepare`` builds a fresh engine outside the clock and returns the run itself, so every run
    starts from an empty book. The best run is the one least disturbed by the rest of the machine.
    """
    best = float("inf")
    for _ in range(runs):
        run = prepare()
        with gc_paused():
            start = perf_counter()
            run()
            elapsed = perf_counter() - start
        best = min(best, elapsed)
    return count / best


def fastest(runs: list[dict | None], rate: str) -> dict | None:
    """The round with the highest ``rate`` (requests or commands per second); a round that could
    not run (None) never wins."""
    present = [run for run in runs if run is not None]
    return max(present, key=lambda run: run[rate]) if present else None


def percentiles_us(latencies_ns: list[int]) -> dict[str, float]:
    """p50, p99 and p99.9 of per-command latencies, nearest-rank, in microseconds."""
    ordered = sorted(latencies_ns)
    n = len(ordered)

    def rank(per_mille: int) -> float:
        # the smallest value with at least per_mille/1000 of the samples at or below it
        index = max(0, -(-per_mille * n // 1000) - 1)
        return round(ordered[index] / 1000, 3)

    return {"p50_us": rank(500), "p99_us": rank(990), "p999_us": rank(999)}
