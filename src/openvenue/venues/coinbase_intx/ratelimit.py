"""Per-API-key token buckets: the venue's "N requests per second" limit, answered with 429.

INTX documents a limit per API key (40 requests per second). Each key gets a bucket that holds
one second's worth of requests and refills continuously, so a client may burst up to the limit
and then sustain exactly the documented rate. Buckets live in memory only: a limit is about
the last second, and a restart forgets nothing a client could rely on. A rate of 0 turns the
limiter off (benchmarks).
"""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimiter:
    __slots__ = ("_buckets", "_clock", "burst", "rate")

    def __init__(self, rate: float, burst: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive; use no limiter to turn limiting off")
        self.rate = rate
        self.burst = rate if burst is None else burst
        self._clock = clock
        self._buckets: dict[str, list[float]] = {}  # key -> [tokens, last refill time]

    def allow(self, key: str) -> bool:
        """Take one token from ``key``'s bucket; False when it is empty (the request is refused)."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = [self.burst, now]
        tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
        bucket[1] = now
        if tokens < 1:
            bucket[0] = tokens
            return False
        bucket[0] = tokens - 1
        return True
