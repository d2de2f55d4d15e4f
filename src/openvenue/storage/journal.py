"""The journal: a store (SQLite or PostgreSQL) plus its group-commit writer, behind the OMS port.

``open_journal`` picks the store from the target: a ``postgresql://`` DSN, or else a data
directory for SQLite. Opening for writing repairs a torn tail first: if the newest record fails
its checks it is cut, reported in ``torn_tail``, and the journal continues from the record
before it. Only the newest record may be cut — one in the middle is corruption, refused when it
is read (see ``storage.recovery``). Opening read-only (``verify``) changes nothing: a torn tail is
reported and left in place.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from openvenue.domain.events import Event, OrderFilled
from openvenue.domain.orders import Order
from openvenue.oms.ports import CommitListener, Durability
from openvenue.storage.coid_filter import ArchivedClientOrderIds
from openvenue.storage.codec import JournalCorrupt, JournalError, decode_record
from openvenue.storage.postgres import DEFAULT_SCHEMA, PostgresStore, is_dsn
from openvenue.storage.sqlite import SqliteStore
from openvenue.storage.writer import GroupCommitWriter, Record, Ticket

Store = SqliteStore | PostgresStore


class TornTail(NamedTuple):
    first_seq: int
    last_seq: int
    why: str

    def __str__(self) -> str:
        return f"events {self.first_seq}..{self.last_seq} ({self.why})"


class Journal:
    """Implements ``oms.ports.Journal`` and exposes the store's read side."""

    def __init__(self, store: Store, *, readonly: bool = False) -> None:
        self.store = store
        self.readonly = readonly
        self.torn_tail: TornTail | None = None
        self._end = self._find_end(repair=not readonly)
        self._writer = None if readonly else GroupCommitWriter(store, self._end)
        if self._writer is not None:
            # every command's events pass through append: the writer's own, without a frame here
            self.append = self._writer.append
            self.commit_now = self._writer.commit_now
        # Read-only journals (verify, replay) answer from the store alone.
        self._archived_ids = None if readonly else ArchivedClientOrderIds(
            store.archived_client_order_ids())

    def _find_end(self, repair: bool) -> int:
        """The last good sequence number; cuts (or, read-only, just notes) a torn newest record."""
        last = self.store.last_record()
        if last is None:
            return 0
        try:
            decode_record(*last)
            return last[1]
        except JournalCorrupt as torn:
            self.torn_tail = TornTail(torn.first_seq, torn.last_seq, torn.why)
        if repair:
            self.store.delete_record(last[0])
        return last[0] - 1

    # -- the port ----------------------------------------------------------------------------------

    @property
    def durable_seq(self) -> int:
        return self._end if self._writer is None else self._writer.durable_seq

    @property
    def last_seq(self) -> int:
        return self._end if self._writer is None else self._writer.last_seq

    def _writing(self) -> GroupCommitWriter:
        if self._writer is None:
            raise JournalError("journal is open read-only")
        return self._writer

    def append(self, events: Sequence[Event], *, wake: bool = True) -> None:
        self._writing().append(events, wake=wake)

    def wake(self) -> None:
        self._writing().wake()

    def commit_now(self) -> bool:
        return self._writing().commit_now()

    def wait_durable(self, seq: int, timeout: float | None = None) -> bool:
        return self._writing().wait_durable(seq, timeout)

    def add_commit_listener(self, listener: CommitListener) -> None:
        self._writing().add_commit_listener(listener)

    def publish_on(self, loop) -> None:
        self._writing().publish_on(loop)

    def save_snapshot(self, seq: int, state: bytes) -> None:
        self._writing().save_snapshot(seq, state)

    def archive(self, orders: Sequence[Order], fills: Sequence[OrderFilled]) -> Ticket:
        writer = self._writing()
        # Noted before the write: the orders are still in memory until the ticket completes,
        # so a "maybe" that the store cannot confirm yet is harmless, a miss would not be.
        archived_ids = self._archived_ids
        for order in orders:
            if order.client_order_id:
                archived_ids.add(order.account_id, order.client_order_id)
        return writer.archive(orders, fills)

    @property
    def commits(self) -> int:
        """Groups committed since the journal opened (events per commit shows the batching)."""
        return 0 if self._writer is None else self._writer.groups

    @property
    def failure(self) -> BaseException | None:
        return None if self._writer is None else self._writer.failure

    def close(self) -> None:
        try:
            if self._writer is not None:
                self._writer.close()
        finally:
            self.store.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------------------------

    def records(self, after_seq: int = 0) -> Iterator[Record]:
        """Committed records (a torn tail left in place read-only is not read)."""
        end = self.durable_seq
        for record in self.store.records(after_seq):
            if record[0] > end:
                return
            yield record

    def events(self, after_seq: int = 0) -> Iterator[list[Event]]:
        """Checked events after ``after_seq``, a record at a time. Raises ``JournalCorrupt`` on a
        damaged record or a gap, naming the sequence range — nothing is ever skipped."""
        expected = after_seq + 1
        for record in self.records(after_seq):
            first, last = record[0], record[1]
            if first > expected:
                raise JournalCorrupt(expected, first - 1, "these events are missing")
            events = decode_record(*record)
            if first < expected:
                events = events[expected - first:]
            expected = last + 1
            yield events
        if expected <= self.durable_seq:
            raise JournalCorrupt(expected, self.durable_seq, "these events are missing")

    # -- the archive read side (OrderArchive) ------------------------------------------------------

    def find_order(self, order_id: int) -> Order | None:
        return self.store.find_order(order_id)

    def find_by_client_order_id(self, account_id: int, client_order_id: str) -> Order | None:
        archived_ids = self._archived_ids
        if archived_ids is not None and not archived_ids.may_hold(account_id, client_order_id):
            return None  # a new id: the common case of every place, answered without a query
        return self.store.find_by_client_order_id(account_id, client_order_id)

    def order_history(self, account_ids: Sequence[int], *, before_order_id: int | None = None,
                      limit: int = 100) -> list[Order]:
        return self.store.order_history(account_ids, before_order_id=before_order_id, limit=limit)

    def fills(self, account_ids: Sequence[int], *, order_id: int = 0,
              before_seq: int | None = None, limit: int = 100) -> list[OrderFilled]:
        return self.store.fills(account_ids, order_id=order_id, before_seq=before_seq, limit=limit)


def open_journal(target: str | os.PathLike, durability: Durability | str = Durability.FSYNC, *,
                 readonly: bool = False, schema: str = DEFAULT_SCHEMA,
                 lock_timeout: float | None = None) -> Journal:
    """Open (creating if needed) the journal at ``target``: a data directory or a PostgreSQL DSN."""
    durability = Durability(durability)
    if durability is Durability.MEMORY:
        raise JournalError("durability 'memory' keeps no journal: run the OMS without one")
    extra = {} if lock_timeout is None else {"lock_timeout": lock_timeout}
    if is_dsn(str(target)):
        store: Store = PostgresStore(str(target), durability, schema=schema, readonly=readonly,
                                     **extra)
    else:
        store = SqliteStore(target, durability, readonly=readonly, **extra)
    try:
        return Journal(store, readonly=readonly)
    except BaseException:
        store.close()
        raise
