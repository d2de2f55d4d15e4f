"""The clock port: the only way time enters the core, so replays and tests are deterministic."""

from __future__ import annotations

from time import time_ns
from typing import Protocol

try:
    import cython
except ImportError:  # uncompiled, without Cython installed: its decorators do nothing
    from openvenue.domain import _cython_shim as cython


class Clock(Protocol):
    def now_ns(self) -> int: ...


def wall_ns() -> int:
    """``time.time_ns()``; compiled, clock_gettime called directly (clock.pxd cimports it),
    without the call of a Python builtin that is most of the cost of reading the time."""
    if cython.compiled:
        clock_gettime(CLOCK_REALTIME, cython.address(now))
        return now.tv_sec * 1_000_000_000 + now.tv_nsec
    return time_ns()


class VenueClock:
    """The base of the clocks below. Compiled (clock.pxd), the order manager reads one of them as
    a C method before every command; any other ``Clock`` is called as a Python method."""

    __slots__ = ()

    def now_ns(self) -> int:
        raise NotImplementedError


class WallClock(VenueClock):
    """Real time, never going backwards even if the system clock is stepped back."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last = 0

    def now_ns(self) -> int:
        now = wall_ns()
        if now <= self._last:
            now = self._last + 1
        self._last = now
        return now


class ManualClock(VenueClock):
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


class SandboxClock(VenueClock):
    """The server's clock: wall time plus an offset that the sandbox's admin API can move.

    Running, it reads wall time plus ``offset_ns``; frozen, it keeps returning the instant it was
    frozen at (or moved to). ``advance`` moves it forwards by a duration (frozen or not); ``set``
    moves it to an instant, and is the only way to go backwards — an explicit operator action, for
    replaying a scenario; ``resume`` lets it run again from where it stands. Like ``WallClock`` it
    never repeats or goes back on its own (a stepped-back system clock is absorbed), so timers and
    order timestamps stay monotonic unless someone deliberately sets it back. Expiries, delayed
    cancels and the fund desk's cut-offs all read this clock, so moving it is how tests and
    scenarios make hours or banking days pass at once.
    """

    __slots__ = ("_frozen_at", "_last", "offset_ns")

    def __init__(self) -> None:
        self.offset_ns = 0
        self._frozen_at: int | None = None
        self._last = 0

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def now_ns(self) -> int:
        if self._frozen_at is not None:
            return self._frozen_at
        now = wall_ns() + self.offset_ns
        if now <= self._last:
            now = self._last + 1
        self._last = now
        return now

    def freeze(self) -> int:
        """Stop time where it stands; returns that instant."""
        if self._frozen_at is None:
            self._frozen_at = self.now_ns()
        return self._frozen_at

    def resume(self) -> int:
        """Let time run again from the instant it stands at (the offset absorbs the pause)."""
        if self._frozen_at is not None:
            self.offset_ns = self._frozen_at - wall_ns()
            self._last = self._frozen_at
            self._frozen_at = None
        return self.now_ns()

    def advance(self, nanoseconds: int) -> int:
        """Move forwards by a duration, frozen or running; returns the new instant."""
        if nanoseconds < 0:
            raise ValueError("a clock advances forwards; use set() to go back")
        if self._frozen_at is not None:
            self._frozen_at += nanoseconds
            return self._frozen_at
        self.offset_ns += nanoseconds
        return self.now_ns()

    def set(self, now_ns: int) -> int:
        """Move to ``now_ns`` (backwards too: explicit), keeping the frozen/running state."""
        if self._frozen_at is not None:
            self._frozen_at = now_ns
            return now_ns
        self.offset_ns = now_ns - wall_ns()
        self._last = now_ns - 1
        return self.now_ns()
