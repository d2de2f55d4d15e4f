"""The journal port: what the OMS needs from durable storage, declared here, implemented in storage/.

The OMS stays free of I/O: it hands each command's events to a ``Journal`` and learns through a
durable watermark when they are safely stored. ``OrderArchive`` is the read side for orders that
retention has taken out of memory: they stay answerable from the store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

from openvenue.domain.events import Event, OrderFilled
from openvenue.domain.orders import Order


class Durability(StrEnum):
    """When a command counts as done.

    FSYNC: committed and flushed to stable storage (SQLite: its WAL flushed with fdatasync after
    the commit, as synchronous=FULL does; PostgreSQL synchronous_commit=on): survives a process
    crash, an OS crash and a power cut.
    OS: committed to the operating system / database server without waiting for the flush
    (SQLite synchronous=NORMAL, PostgreSQL synchronous_commit=off): survives a crash of openvenue;
    an OS crash or power cut (or a PostgreSQL server crash) may lose the last moments of commits,
    never part of one, and never corrupts the journal.
    MEMORY: no journal at all (tests, benchmarks): everything is lost when the process ends.
    """

    FSYNC = "fsync"
    OS = "os"
    MEMORY = "memory"


class CommitListener(Protocol):
    def __call__(self, durable_seq: int) -> None:
        """Called each time the durable watermark advances, on the thread that advanced it."""


class ArchiveTicket(Protocol):
    @property
    def done(self) -> bool:
        """True once the archived orders and fills are committed."""


class Journal(Protocol):
    @property
    def durable_seq(self) -> int:
        """Every event up to this sequence number is committed."""

    @property
    def last_seq(self) -> int:
        """The last sequence number handed to ``append`` (or found on open)."""

    def append(self, events: Sequence[Event], *, wake: bool = True) -> None:
        """Queue one command's events, which must continue the sequence without a gap.

        Never blocks on I/O; the events are committed by the journal's writer, together with
        whatever else is waiting by then (group commit). With ``wake`` False an idle writer is
        left asleep until ``wake()``: the caller has more commands coming and wants them in the
        same commit.
        """

    def wake(self) -> None:
        """Start committing what is queued, if the writer is idle."""

    def commit_now(self) -> bool:
        """Commit what is queued on the calling thread if that is quick, else ``wake()``.

        True when it committed here. For a caller whose replies all wait on that commit anyway
        (the event loop after a burst of requests): it need not hand the commit to the writer
        and wait to be woken again.
        """

    def wait_durable(self, seq: int, timeout: float | None = None) -> bool:
        """Block until ``seq`` is committed (True) or ``timeout`` passes (False).

        Raises ``JournalError`` if the writer has failed: what was not committed never will be.
        """

    @property
    def failure(self) -> BaseException | None:
        """Why the writer stopped, if it has: nothing after ``durable_seq`` will be committed."""

    def add_commit_listener(self, listener: CommitListener) -> None:
        """``listener`` runs after each commit, on the thread that made it durable (the one that
        committed, or the one that flushed it), and once if the journal fails."""

    def publish_on(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Advance the watermark from ``loop`` where the journal can (call it on the loop's
        thread); None gives it back to the journal's threads. Commit listeners then run there."""

    def save_snapshot(self, seq: int, state: bytes) -> None:
        """Store ``state`` (taken at ``seq``) once every event up to ``seq`` is committed."""

    def archive(self, orders: Sequence[Order], fills: Sequence[OrderFilled]) -> ArchiveTicket:
        """Store closed orders (final state) and fills so they can leave memory."""

    def close(self) -> None:
        """Commit what is queued, then stop the writer."""


class OrderArchive(Protocol):
    """Closed orders and fills that retention moved out of memory, newest first."""

    def find_order(self, order_id: int) -> Order | None: ...

    def find_by_client_order_id(self, account_id: int, client_order_id: str) -> Order | None: ...

    def order_history(self, account_ids: Sequence[int], *, before_order_id: int | None = None,
                      limit: int = 100) -> list[Order]: ...

    def fills(self, account_ids: Sequence[int], *, order_id: int = 0,
              before_seq: int | None = None, limit: int = 100) -> list[OrderFilled]: ...

