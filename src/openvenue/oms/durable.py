"""Acknowledge after durable: run a command now, release its reply only once it is journaled.

``DurableOMS`` wraps the single-writer ``OrderManager``. Each command executes at once (the
next one need not wait for the disk), its events go to the journal's writer, and the caller gets
an ``Ack``: ``ack.wait()`` from a thread, ``await ack`` on the event loop, both giving the
``Outcome`` once the journal has committed everything up to the state the reply describes. That
is the manager's sequence after the command, not just the command's own events: a retried place
that finds its order and emits nothing must still wait for the original's events. The server's
request path uses ``execute_async`` instead: a future of the outcome, awaited as it is.

If the journal's writer fails, the state in memory is ahead of what can ever be durable: every
pending and later acknowledgement raises ``JournalError`` and the wrapper refuses new commands
(fail-stop). With durability ``memory`` there is no journal and acks are complete at once.

Snapshots are taken here, on the OMS thread, every ``snapshot_every`` events: the OMS stops for
the encode only; the journal writes the bytes after the events they cover are committed.

On an event loop the commands of a burst of requests share one commit, made once the burst is
over: on the loop itself when that is quick (``Journal.commit_now``), since every reply of the
burst waits on it, and by the writer thread otherwise.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable, Generator
from time import perf_counter
from typing import Any

from openvenue.domain.commands import Command
from openvenue.oms import snapshot
from openvenue.oms.manager import OrderManager
from openvenue.oms.outcome import Outcome
from openvenue.oms.ports import Journal


class NotDurable(RuntimeError):
    """The journal failed; nothing more can be acknowledged."""


class Ack:
    """One command's completion: its outcome, released once durable."""

    __slots__ = ("_owner", "outcome", "seq")

    def __init__(self, owner: DurableOMS, outcome: Outcome, seq: int) -> None:
        self._owner = owner
        self.outcome = outcome
        self.seq = seq  # the manager's sequence when the command finished

    @property
    def done(self) -> bool:
        journal = self._owner.journal
        return journal is None or journal.durable_seq >= self.seq

    def wait(self, timeout: float | None = None) -> Outcome:
        """Block until durable; raises ``TimeoutError`` after ``timeout`` seconds."""
        journal = self._owner.journal
        if journal is not None:
            journal.wake()  # its events may wait for a wake-up deferred to the loop's next turn
            if not journal.wait_durable(self.seq, timeout):
                raise TimeoutError(f"event {self.seq} not durable after {timeout}s")
        return self.outcome

    def __await__(self) -> Generator[Any, None, Outcome]:
        # the future's own iterator: no generator frame of this class to make and resume
        return self._owner._settled(self.seq, self.outcome, 0.0).__await__()


class DurableOMS:
    def __init__(self, oms: OrderManager, journal: Journal | None, *,
                 snapshot_every: int = 0, after_command: Callable[[], None] | None = None) -> None:
        """``journal`` None means durability ``memory``. ``after_command`` runs on the OMS thread
        after each command (retention sweeps hook in here)."""
        self.oms = oms
        self.journal = journal
        self.snapshot_every = snapshot_every
        self._after_command = after_command
        self._last_snapshot = oms.seq
        self._failed: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # (seq, future, outcome, started): futures resolve to their outcome once seq is durable
        self._waiters: deque[tuple[int, asyncio.Future, Outcome, float]] = deque()
        # called with each awaited command's seconds from execution to durable (a metric)
        self.observe_latency: Callable[[float], None] | None = None
        self._followers: list[Callable[[int], None]] = []
        # One commit per burst of commands on the loop (see _commit_burst).
        self._commit_scheduled = False
        self._commit_deferred = False
        self._appended = 0  # commands journaled from the loop
        self._appended_at_schedule = 0
        self._loop_thread = 0
        # The durable watermark as the commit listener last reported it, read by ``await ack``
        # as a plain attribute rather than through the journal's properties on every command.
        self._heard_durable = oms.seq if journal is None else journal.durable_seq
        if journal is not None:
            if journal.last_seq != oms.seq:
                raise ValueError(f"the manager is at {oms.seq} but the journal at "
                                 f"{journal.last_seq}: recover the manager from it first")
            oms.subscribe(self._journal_events)
            journal.add_commit_listener(self._on_commit)

    # -- commands ----------------------------------------------------------------------------------

    def execute(self, command: Command) -> Ack:
        return self.run(self.oms.execute, command)

    def tick(self) -> Ack:
        return self.run(self.oms.tick)

    def run(self, operation: Callable[..., Outcome], *args: Any) -> Ack:
        """Run any manager operation (a command, ``tick``, ``define_*``) under the same rule."""
        outcome = self._run(operation, args)
        return Ack(self, outcome, self.oms.seq)

    def execute_async(self, command: Command) -> asyncio.Future:
        """On the event loop: execute now; the future gives the outcome once it is durable.

        The request path's form of ``await execute(command)``: awaiting the future itself
        saves the coroutine or generator layer an ``Ack`` would add to every request."""
        started = perf_counter()
        outcome = self._run(self.oms.execute, (command,))
        return self._settled(self.oms.seq, outcome, started)

    def _run(self, operation: Callable[..., Outcome], args: tuple) -> Outcome:
        if self._failed is not None:
            raise NotDurable(f"journal failed, commands are refused: {self._failed!r}")
        outcome = operation(*args)
        oms = self.oms
        if self.snapshot_every and oms.seq - self._last_snapshot >= self.snapshot_every:
            self.snapshot()
        if self._after_command is not None:
            self._after_command()
        return outcome

    def snapshot(self) -> None:
        """Snapshot now (also runs every ``snapshot_every`` events)."""
        if self.journal is not None and self.oms.seq > 0:
            self.journal.save_snapshot(self.oms.seq, snapshot.encode(self.oms))
        self._last_snapshot = self.oms.seq

    def _journal_events(self, events: list) -> None:
        try:
            loop = self._loop
            on_loop = (loop is not None and threading.get_ident() == self._loop_thread
                       and loop.is_running())
            if on_loop:
                # On the event loop the commands of one loop iteration (one burst of requests)
                # arrive back to back: commit once, after the burst, so that they share one
                # commit instead of the first waking the writer for a commit of its own.
                self.journal.append(events, wake=False)
                self._appended += 1
                if not self._commit_scheduled:
                    self._commit_scheduled = True
                    self._appended_at_schedule = self._appended
                    self._commit_deferred = False
                    loop.call_soon(self._commit_burst)
            else:
                self.journal.append(events)
        except BaseException as error:
            self._failed = error
            raise

    def _commit_burst(self) -> None:
        # Scheduled by the burst's first command, this runs after the rest of the burst. If
        # commands came after it was scheduled, the loop was busy: give it one more pass, so
        # that requests it read meanwhile share this commit instead of waiting on one of their
        # own. (Committing on the loop, a burst left out would wait for the whole commit.)
        if not self._commit_deferred and self._appended != self._appended_at_schedule:
            self._commit_deferred = True
            self._loop.call_soon(self._commit_burst)
            return
        self._commit_scheduled = False
        self.journal.commit_now()

    # -- async acknowledgement ---------------------------------------------------------------------

    def on_durable(self, loop: asyncio.AbstractEventLoop, follower: Callable[[int], None]) -> None:
        """Call ``follower(durable_seq)`` on ``loop`` after each commit, once its awaited acks are
        released: the same hop from the writer thread serves both, so a commit wakes the loop
        once however many parts of the server follow the journal."""
        self._bind(loop)
        self._followers.append(follower)

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._loop is None:
            self._loop = loop
            self._loop_thread = threading.get_ident()  # binding happens on the loop's thread
            if self.journal is not None:  # commits then reach the loop with no thread between
                self.journal.publish_on(loop)
        elif self._loop is not loop:
            raise RuntimeError("a DurableOMS serves one event loop")

    def _settled(self, seq: int, outcome: Outcome, started: float) -> asyncio.Future:
        """A future on the running loop giving ``outcome`` once ``seq`` is durable."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._bind(loop)
        future = loop.create_future()
        # the watermark the owner last heard of: never ahead of the journal's, so never early
        if self.journal is None or self._heard_durable >= seq:
            future.set_result(outcome)
            return future
        self._waiters.append((seq, future, outcome, started))
        # The writer may have committed between the check above and the append, seen no waiter
        # and scheduled nothing: settle here so this future cannot be forgotten. (The writer
        # notes the watermark before it looks for waiters, this side appends before it looks
        # at the watermark: one of the two sees the other.)
        if self._heard_durable >= seq or self.journal.failure is not None:
            self._release_waiters()
        return future

    def _on_commit(self, durable_seq: int) -> None:
        """After each commit: release on the loop, hopping to it once when the writer thread
        committed, and only if someone awaits or follows."""
        self._heard_durable = durable_seq  # first: see _durable_future
        loop = self._loop
        if loop is not None and (self._waiters or self._followers):
            if threading.get_ident() == self._loop_thread:  # committed on the loop itself
                self._release()
                return
            try:
                loop.call_soon_threadsafe(self._release)
            except RuntimeError:  # the loop has closed; nobody is left to acknowledge
                pass

    def _release(self) -> None:
        """On the loop, after a commit: the acks it made durable, then the followers."""
        durable = self._release_waiters()
        for follower in self._followers:
            follower(durable)

    def _release_waiters(self) -> int:
        journal = self.journal
        durable = journal.durable_seq
        waiters = self._waiters
        if waiters and waiters[0][0] <= durable:
            observe = self.observe_latency
            now = perf_counter()
            while waiters and waiters[0][0] <= durable:
                _, future, outcome, started = waiters.popleft()
                if not future.done():  # (a caller that gave up cancelled it)
                    future.set_result(outcome)
                if started and observe is not None:
                    observe(now - started)
        failure = journal.failure
        if failure is not None:
            self._failed = failure
            while waiters:
                future = waiters.popleft()[1]
                if not future.done():
                    future.set_exception(NotDurable(f"journal failed: {failure!r}"))
        return durable
