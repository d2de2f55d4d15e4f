"""Group commit: whatever has queued up since the last commit goes into the next one.

The OMS thread only appends to a list and, if the writer sleeps, wakes it. The writer thread
takes everything queued, frames it into records of whole commands, commits it in one
transaction and then advances the durable watermark. While that commit (and its fsync) runs,
the next group gathers, so groups grow with load and no timer is needed: at low load a command
is committed alone at once, at high load one fsync carries thousands of events.

The OMS thread may also commit its queue itself (``commit_now``) while the writer thread is not
committing and commits are quick. The event loop does so once a burst of requests has been
handled and every reply of it waits on that commit anyway: it saves two thread hand-offs per
commit (waking the writer, then being woken with the result), which on a fast disk cost about
as much as the fsync. When commits turn slow (a slow disk, a remote database) the loop must not
stall on them, and the writer thread takes them over until they are quick again. One lock
orders the commits, so groups reach the store in the order they were queued.

A store may split a commit in two (``RecordSink.flush_fd``): the write reaches the operating
system, and an fdatasync of one file makes it durable. SQLite with durability ``fsync`` does, so
that the event loop committing inline never waits for the disk. The writer then only writes and
leaves the flush to a ``Flusher``, which flushes whatever has been written by the time it starts
and only then advances the watermark: while one flush runs the next groups are written, and one
flush carries them all. Nothing is acknowledged before the flush that covers it.

A failed commit or flush is fatal: the watermark stops, every waiter is woken with the error and
further appends are refused, because the OMS state is now ahead of what can be made durable and
must not be acknowledged.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from time import perf_counter
from typing import Protocol

from openvenue.domain.events import Event, OrderFilled
from openvenue.domain.orders import Order
from openvenue.oms.ports import CommitListener
from openvenue.storage.codec import JournalError, checksum, encode_events
from openvenue.storage.flusher import Flusher

MAX_RECORD_EVENTS = 4096  # a record holds whole commands; past this a new record starts
# ``commit_now`` commits on the calling thread while a group's write averages at most this long:
# about what the loop spends on the burst of requests that the group acknowledges.
INLINE_COMMIT_BUDGET_S = 0.001
_SMOOTHING = 0.2  # weight of the newest group in the running average of write times

Record = tuple[int, int, int, bytes]  # first_seq, last_seq, crc, payload


class RecordSink(Protocol):
    """The backend side: one transaction per call, committed with the configured durability."""

    def write_group(self, records: list[Record], orders: list[Order],
                    fills: list[OrderFilled]) -> None: ...

    def write_snapshot(self, seq: int, crc: int, payload: bytes) -> None: ...

    # None when what ``write_group`` and ``write_snapshot`` wrote is durable once they return.
    # Otherwise they only reach the operating system, and an fdatasync of this descriptor makes
    # everything written before it durable (see storage.flusher).
    flush_fd: int | None


class Ticket:
    """Completion of an archive request, read by the OMS thread without locking."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = False


class GroupCommitWriter:
    def __init__(self, sink: RecordSink, last_seq: int, *, name: str = "journal-writer") -> None:
        self._sink = sink
        self._next_seq = last_seq + 1
        self._durable_seq = last_seq
        self._batches: list[Sequence[Event]] = []
        self._archives: list[tuple[Sequence[Order], Sequence[OrderFilled], Ticket]] = []
        self._snapshots: list[tuple[int, bytes]] = []
        # The OMS side takes the condition's lock itself where it only appends or notifies:
        # a plain lock in a with statement, without the condition's Python-level wrappers.
        self._work_lock = threading.Lock()
        self._work = threading.Condition(self._work_lock)
        self._durable = threading.Condition(threading.Lock())
        # Held by whichever thread commits, from taking a group off the queue until it is
        # committed: groups reach the store in queue order.
        self._committing = threading.Lock()
        self._write_s = 0.0  # running average of a group's write, in seconds
        self._listeners: list[CommitListener] = []
        self._idle = False
        self._closing = False
        self._closed = False
        self.failure: BaseException | None = None
        self.groups = 0  # committed groups, for tests and benchmarks
        flush_fd = getattr(sink, "flush_fd", None)
        self._flusher = None if flush_fd is None else Flusher(
            flush_fd, self._publish, self._fail, name=f"{name}-flush")
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    # -- the OMS side ------------------------------------------------------------------------------

    @property
    def durable_seq(self) -> int:
        return self._durable_seq

    @property
    def last_seq(self) -> int:
        return self._next_seq - 1

    def append(self, events: Sequence[Event], *, wake: bool = True) -> None:
        if not events:
            return
        if events[0].seq != self._next_seq:
            raise JournalError(f"events must continue the journal at {self._next_seq}, "
                               f"got {events[0].seq}")
        self._next_seq = events[-1].seq + 1
        with self._work_lock:
            if self.failure is not None or self._closing:
                self._check_usable()
            self._batches.append(events)
            if wake and self._idle:
                self._work.notify()

    def wake(self) -> None:
        with self._work_lock:
            if self._idle and self._batches:
                self._work.notify()

    def commit_now(self) -> bool:
        """Commit the queued events on this thread if that is quick; else wake the writer.

        Quick: the writer thread is not committing, only events are queued (archives and
        snapshots stay the writer's), and recent groups were written within
        ``INLINE_COMMIT_BUDGET_S`` on average. True when this call committed. A failure is
        reported as the writer thread reports its own (``failure``, waiters, listeners).
        """
        if self._write_s > INLINE_COMMIT_BUDGET_S or not self._committing.acquire(False):
            self.wake()
            return False
        try:
            with self._work_lock:
                if self._archives or self._snapshots:
                    if self._idle:
                        self._work.notify()
                    return False
                if not self._batches or self.failure is not None:
                    return False
                batches, self._batches = self._batches, []
            try:
                self._commit(batches, [])
            except BaseException as error:  # noqa: BLE001 - any failure stops acknowledgements
                self._fail(error)
                return False
            return True
        finally:
            self._committing.release()

    def archive(self, orders: Sequence[Order], fills: Sequence[OrderFilled]) -> Ticket:
        ticket = Ticket()
        with self._work:
            self._check_usable()
            self._archives.append((orders, fills, ticket))
            if self._idle:
                self._work.notify()
        return ticket

    def save_snapshot(self, seq: int, state: bytes) -> None:
        if seq > self.last_seq:
            raise JournalError(f"snapshot at {seq} is ahead of the journal ({self.last_seq})")
        with self._work:
            self._check_usable()
            self._snapshots.append((seq, state))
            if self._idle:
                self._work.notify()

    def add_commit_listener(self, listener: CommitListener) -> None:
        self._listeners.append(listener)

    def publish_on(self, loop) -> None:
        """Advance the watermark from ``loop`` (call it on its thread; None: from a thread).

        With a flusher, the loop is then woken by a finished flush directly, with no thread
        in between that would need the GIL; otherwise this changes nothing."""
        if self._flusher is not None:
            self._flusher.publish_on(loop)

    def wait_durable(self, seq: int, timeout: float | None = None) -> bool:
        if self._durable_seq >= seq:
            return True
        flusher = self._flusher
        if flusher is not None and flusher.publishes_here():
            # This thread runs the loop that publishes flushes, and it is blocked in here: it
            # must publish them itself, or nobody would.
            ok = flusher.publish_until(lambda: self._durable_seq >= seq or self.failure is not None,
                                       timeout)
        else:
            with self._durable:
                ok = self._durable.wait_for(
                    lambda: self._durable_seq >= seq or self.failure is not None, timeout)
        if self._durable_seq >= seq:
            return True
        if self.failure is not None:
            raise JournalError(f"journal writer failed: {self.failure!r}") from self.failure
        return ok

    def close(self) -> None:
        """Commit everything queued, then stop the thread. Reports a failure once; idempotent."""
        if self._closed:
            return
        self._closed = True
        with self._work:
            self._closing = True
            self._work.notify()
        self._thread.join()
        if self._flusher is not None:  # after the writer: it flushes the last groups written
            self._flusher.close()
        if self.failure is not None:
            raise JournalError(f"journal writer failed: {self.failure!r}") from self.failure

    def _check_usable(self) -> None:
        if self.failure is not None:
            raise JournalError(f"journal writer failed: {self.failure!r}") from self.failure
        if self._closing:
            raise JournalError("journal is closed")

    # -- the writer thread -------------------------------------------------------------------------

    def _run(self) -> None:
        work = self._work
        try:
            while True:
                with work:
                    while not (self._batches or self._archives or self._snapshots):
                        if self._closing:
                            return
                        self._idle = True
                        work.wait()
                        self._idle = False
                with self._committing:
                    with work:  # taken again: an inline commit may have emptied the queue
                        if self.failure is not None:
                            return
                        batches, self._batches = self._batches, []
                        archives, self._archives = self._archives, []
                        snapshots, self._snapshots = self._snapshots, []
                    if batches or archives:
                        self._commit(batches, archives)
                    for seq, state in snapshots:
                        self._sink.write_snapshot(seq, checksum(seq, seq, state), state)
        except BaseException as error:  # noqa: BLE001 - any failure stops acknowledgements
            self._fail(error)

    def _fail(self, error: BaseException) -> None:
        """A write failed: the watermark stops for good, and every waiter hears of it."""
        self.failure = error
        with self._durable:
            self._durable.notify_all()
        with self._work:
            self._closing = True
            self._work.notify()  # a writer thread waiting for work ends
        for listener in self._listeners:  # so asynchronous waiters learn of it too
            listener(self._durable_seq)

    def _commit(self, batches: list[Sequence[Event]], archives: list) -> None:
        records: list[Record] = []
        run: list[Event] = []
        for batch in batches:
            run += batch
            if len(run) >= MAX_RECORD_EVENTS:
                records.append(_frame(run))
                run = []
        if run:
            records.append(_frame(run))
        orders = [o for a in archives for o in a[0]]
        fills = [f for a in archives for f in a[1]]
        started = perf_counter()
        self._sink.write_group(records, orders, fills)
        if not archives:  # an archive batch is slow by its size; it says nothing of the store
            self._write_s += (perf_counter() - started - self._write_s) * _SMOOTHING
        self.groups += 1
        for archive in archives:
            archive[2].done = True
        if records:
            written = records[-1][1]
            if self._flusher is None:
                self._publish(written)
            else:  # durable once a flush has covered it
                self._flusher.request(written)

    def _publish(self, durable: int) -> None:
        """Advance the watermark: wake blocked waiters, then tell the listeners."""
        with self._durable:
            self._durable_seq = durable
            self._durable.notify_all()
        for listener in self._listeners:
            listener(durable)


def _frame(events: list[Event]) -> Record:
    first, last = events[0].seq, events[-1].seq
    payload = encode_events(events)
    return first, last, checksum(first, last, payload), payload
