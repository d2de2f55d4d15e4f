"""The clock port: the only way time enters the core, so replays and tests are deterministic."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now_ns(self) -> int: ...


class WallClock:
    """Real time, never going backwards even if the system clock is stepped back."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last = 0

    def now_ns(self) -> int:
        now = time.time_ns()
        if now <= self._last:
            now = self._last + 1
        self._last = now
        return now


class ManualClock:
    """A clock that moves only when told: frozen, advanced or set (tests and the sandbox)."""

    __slots__ = ("_now",)

    def __init__(self, start_ns: int = 1_767_225_600_000_000_000) -> None:  # 2026-01-01T00:00Z
        self._now = start_ns

    def now_ns(self) -> int:
        return self._now

    def advance(self, nanoseconds: int) -> int:
        if nanoseconds < 0:
            raise ValueError("a clock advances forwards")
        self._now += nanoseconds
        return self._now

    def set(self, now_ns: int) -> None:
        self._now = now_ns
