"""Group commit on the caller's thread: quick commits happen where they are asked for, slow or
contended ones go to the writer thread, and either way groups reach the store in order."""

from __future__ import annotations

import asyncio
import errno
import os
import threading

import pytest

from openvenue.domain.accounts import Client
from openvenue.domain.events import ClientDefined
from openvenue.storage import flusher
from openvenue.storage import writer as writer_module
from openvenue.storage.codec import JournalError
from openvenue.storage.writer import GroupCommitWriter


def events(first: int, count: int) -> list[ClientDefined]:
    return [ClientDefined(seq, seq * 1_000, Client(id=seq, name=f"c{seq}"))
            for seq in range(first, first + count)]


class RecordingSink:
    """Remembers each group's records and the thread that wrote it; ``gate`` can hold a write."""

    def __init__(self) -> None:
        self.groups: list[tuple[int, list[tuple[int, int]]]] = []
        self.gate: threading.Event | None = None
        self.writing = threading.Event()
        self.fail_with: BaseException | None = None

    def write_group(self, records, orders, fills) -> None:
        self.writing.set()
        if self.gate is not None:
            self.gate.wait(10)
        if self.fail_with is not None:
            raise self.fail_with
        self.groups.append((threading.get_ident(), [(r[0], r[1]) for r in records]))

    def write_snapshot(self, seq, crc, payload) -> None:
        pass


@pytest.fixture
def sink():
    return RecordingSink()


@pytest.fixture
def writer(sink):
    w = GroupCommitWriter(sink, 0)
    yield w
    try:
        w.close()
    except JournalError:
        pass


def test_a_quick_commit_happens_on_the_calling_thread(writer, sink):
    heard: list[tuple[int, int]] = []
    writer.add_commit_listener(lambda seq: heard.append((threading.get_ident(), seq)))
    writer.append(events(1, 3), wake=False)
    writer.append(events(4, 2), wake=False)
    assert writer.commit_now()
    me = threading.get_ident()
    assert sink.groups == [(me, [(1, 5)])]  # both appends in one group, one record
    assert writer.durable_seq == 5
    assert heard == [(me, 5)]


def test_with_nothing_queued_there_is_nothing_to_commit(writer, sink):
    assert not writer.commit_now()
    assert sink.groups == []


def test_while_the_writer_thread_commits_the_caller_leaves_it_the_queue(writer, sink):
    sink.gate = threading.Event()
    writer.append(events(1, 2))  # woken: the writer thread takes it and blocks in the write
    assert sink.writing.wait(10)
    writer.append(events(3, 2), wake=False)
    assert not writer.commit_now()  # it must not overtake the group being written
    sink.gate.set()
    assert writer.wait_durable(4, 10)
    writer_thread = writer._thread.ident
    assert [ranges for _, ranges in sink.groups] == [[(1, 2)], [(3, 4)]]  # in queue order
    assert {thread for thread, _ in sink.groups} == {writer_thread}


def test_slow_commits_move_to_the_writer_thread(writer, sink, monkeypatch):
    monkeypatch.setattr(writer_module, "INLINE_COMMIT_BUDGET_S", 0.0)
    writer.append(events(1, 1), wake=False)
    assert writer.commit_now()  # no write measured yet: committed here, and timed
    writer.append(events(2, 1), wake=False)
    assert not writer.commit_now()  # any real write takes longer than a zero budget
    assert writer.wait_durable(2, 10)
    assert [thread for thread, _ in sink.groups] == [threading.get_ident(), writer._thread.ident]


def test_a_failed_commit_on_the_calling_thread_stops_the_journal(writer, sink):
    heard: list[int] = []
    writer.add_commit_listener(heard.append)
    sink.fail_with = OSError("disk full")
    writer.append(events(1, 2), wake=False)
    assert not writer.commit_now()  # reported, not raised
    assert isinstance(writer.failure, OSError)
    assert heard == [0]  # asynchronous waiters hear of it, with the watermark that stands
    with pytest.raises(JournalError, match="disk full"):
        writer.wait_durable(2, 1)
    with pytest.raises(JournalError, match="disk full"):
        writer.append(events(3, 1))


def test_with_a_snapshot_queued_the_whole_queue_stays_the_writer_threads(writer, sink):
    wakeups = []
    notify = writer._work.notify
    writer._work.notify = lambda: wakeups.append(1)  # the writer thread sleeps through these
    writer.append(events(1, 2), wake=False)
    writer.save_snapshot(2, b"state")
    writer.append(events(3, 1), wake=False)
    assert not writer.commit_now()  # the snapshot must follow its events: all of it is the writer's
    assert wakeups and sink.groups == []
    writer._work.notify = notify
    writer.wake()
    assert writer.wait_durable(3, 10)
    assert [thread for thread, _ in sink.groups] == [writer._thread.ident]



# -- a store whose commit is written first and flushed after (SQLite with durability fsync) ------


class FlushedSink(RecordingSink):
    """Writes at once; its ``flush_fd`` is a real file, whose flushes ``flush_gate`` can hold."""

    def __init__(self, path) -> None:
        super().__init__()
        self.flush_fd = os.open(path, os.O_RDWR | os.O_CREAT)
        self.flush_gate: threading.Event | None = None
        self.flushing = threading.Event()
        self.flush_fails_with: OSError | None = None
        self.flushed: list[int] = []  # groups written when each flush began

    def fdatasync(self, fd: int) -> None:  # stands in for os.fdatasync in the flush loop
        assert fd == self.flush_fd
        written = len(self.groups)
        self.flushing.set()
        if self.flush_gate is not None:
            self.flush_gate.wait(10)
        if self.flush_fails_with is not None:
            raise self.flush_fails_with
        self.flushed.append(written)


@pytest.fixture
def flushed(tmp_path, monkeypatch):
    # the plain-Python flush loop, whose fdatasync the sink stands in for: the compiled one
    # calls the C function (tests/unit/storage/test_flusher.py runs both against real files)
    sink = FlushedSink(tmp_path / "wal")
    monkeypatch.setattr(flusher, "flush_loop", flusher.python_flush_loop)
    monkeypatch.setattr(os, "fdatasync", sink.fdatasync)
    w = GroupCommitWriter(sink, 0)
    yield w, sink
    try:
        w.close()
    except JournalError:
        pass
    os.close(sink.flush_fd)


def test_a_written_group_is_durable_only_once_a_flush_covers_it(flushed):
    writer, sink = flushed
    sink.flush_gate = threading.Event()
    heard: list[int] = []
    writer.add_commit_listener(heard.append)
    writer.append(events(1, 3), wake=False)
    assert writer.commit_now()  # written here, without waiting for the flush
    assert sink.groups == [(threading.get_ident(), [(1, 3)])]
    assert sink.flushing.wait(10)
    assert writer.durable_seq == 0 and not writer.wait_durable(3, 0.05) and heard == []
    sink.flush_gate.set()
    assert writer.wait_durable(3, 10)
    assert heard == [3]


def test_groups_written_during_a_flush_share_the_next_one(flushed):
    writer, sink = flushed
    sink.flush_gate = threading.Event()
    writer.append(events(1, 1), wake=False)
    writer.commit_now()
    assert sink.flushing.wait(10)  # the first flush is under way, covering group 1 only
    for first in (2, 3, 4):
        writer.append(events(first, 1), wake=False)
        assert writer.commit_now()  # the loop keeps writing while the disk flushes
    assert writer.durable_seq == 0
    sink.flush_gate.set()
    assert writer.wait_durable(4, 10)
    assert sink.flushed == [1, 4]


def test_a_failed_flush_stops_the_journal(flushed):
    writer, sink = flushed
    heard: list[int] = []
    writer.add_commit_listener(heard.append)
    sink.flush_fails_with = OSError(errno.EIO, os.strerror(errno.EIO))
    writer.append(events(1, 2), wake=False)
    assert writer.commit_now()
    with pytest.raises(JournalError, match=os.strerror(errno.EIO)):
        writer.wait_durable(2, 10)
    assert writer.durable_seq == 0 and heard == [0]
    with pytest.raises(JournalError, match=os.strerror(errno.EIO)):
        writer.append(events(3, 1))


def test_closing_flushes_what_was_written(flushed):
    writer, sink = flushed
    sink.flush_gate = threading.Event()
    writer.append(events(1, 2))  # to the writer thread
    assert sink.flushing.wait(10)
    writer.append(events(3, 2))
    sink.flush_gate.set()
    writer.close()
    assert writer.durable_seq == 4 and sink.flushed[-1] == len(sink.groups)


def test_on_an_event_loop_a_flush_is_published_by_the_loop_itself(flushed):
    writer, _ = flushed
    heard: list[int] = []
    writer.add_commit_listener(lambda seq: heard.append(threading.get_ident()))

    async def main():
        writer.publish_on(asyncio.get_running_loop())
        writer.append(events(1, 2), wake=False)
        writer.commit_now()
        while writer.durable_seq < 2:
            await asyncio.sleep(0.001)

    asyncio.run(main())
    assert heard == [threading.get_ident()]  # the loop's thread: no thread in between


def test_a_blocking_wait_on_the_publishing_loop_publishes_itself(flushed):
    writer, _ = flushed

    async def main():
        writer.publish_on(asyncio.get_running_loop())
        writer.append(events(1, 2))  # to the writer thread, flushed, reported to this loop...
        return writer.wait_durable(2, 10)  # ...which is blocked right here

    assert asyncio.run(main()) and writer.durable_seq == 2
