"""SQLite with durability fsync: a commit is written at once and acknowledged only after the
journal's own flush of the WAL (``SqliteStore.flush_fd``, see storage.flusher)."""

from __future__ import annotations

import os
import random
import time

from workload import define_reference_data, random_command

from openvenue.oms.clock import ManualClock
from openvenue.oms.durable import DurableOMS
from openvenue.oms.manager import OrderManager
from openvenue.storage import flusher, open_journal
from openvenue.storage.sqlite import SqliteStore


def synchronous(store: SqliteStore) -> int:
    return store._write.execute("PRAGMA synchronous").fetchone()[0]


def test_fsync_writes_without_syncing_and_offers_the_wal_to_flush(tmp_path):
    with open_journal(tmp_path, "fsync") as journal:
        store = journal.store
        assert synchronous(store) == 1  # NORMAL: the commit itself does not wait
        wal = os.readlink(f"/proc/self/fd/{store.flush_fd}")
        assert wal == str(tmp_path / "journal.sqlite-wal")
        oms = OrderManager(ManualClock(1_000_000_000))
        durable = DurableOMS(oms, journal)
        durable.run(define_reference_data, oms).wait(10)
        durable.execute(random_command(oms, random.Random(1), 0)).wait(10)
        assert journal.durable_seq == oms.seq
    assert store.flush_fd is None  # closed with the store


def test_os_durability_offers_nothing_to_flush(tmp_path):
    with open_journal(tmp_path, "os") as journal:
        assert synchronous(journal.store) == 1 and journal.store.flush_fd is None
        assert journal._writer._flusher is None


def test_without_eventfd_sqlite_syncs_each_commit_itself(tmp_path, monkeypatch):
    monkeypatch.setattr(flusher, "AVAILABLE", False)
    store = SqliteStore(tmp_path)
    try:
        assert synchronous(store) == 2 and store.flush_fd is None  # FULL
    finally:
        store.close()


def wal_size(tmp_path) -> int:
    return os.path.getsize(tmp_path / "journal.sqlite-wal")


def record(n: int) -> tuple[int, int, int, bytes]:
    return n * 10 + 1, n * 10 + 10, 0, os.urandom(3000)


def test_checkpoints_leave_the_committing_thread_and_the_wal_starts_over(tmp_path):
    store = SqliteStore(tmp_path, checkpoint_pages=40)
    try:
        # SQLite's own checkpoint would run inside a commit, on whichever thread commits
        assert store._write.execute("PRAGMA wal_autocheckpoint").fetchall() == [(0,)]
        for n in range(1000):  # a leaf page each, and a page of the tree above: 8.2 MB of WAL
            store.write_group([record(n)], [], [])
            if n % 10 == 9:
                time.sleep(0.005)  # the gaps between bursts that a server has
        deadline = time.monotonic() + 10
        while store._checkpointer.checkpoints < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert store._checkpointer.checkpoints >= 5
        # the WAL was reused from its start rather than grown by every commit
        assert wal_size(tmp_path) < 2_500_000
        assert [r[0] for r in store.records()] == [n * 10 + 1 for n in range(1000)]
    finally:
        store.close()
    reopened = SqliteStore(tmp_path)
    try:
        assert sum(1 for _ in reopened.records()) == 1000
    finally:
        reopened.close()


def test_a_writer_that_never_pauses_still_keeps_the_wal_bounded(tmp_path):
    # Commits back to back overtake every checkpoint of the other thread; the writer then
    # checkpoints itself, between two commits.
    store = SqliteStore(tmp_path, checkpoint_pages=40)
    try:
        for n in range(4000):  # 33 MB of WAL if nothing were ever checkpointed
            store.write_group([record(n)], [], [])
        assert wal_size(tmp_path) < 6_000_000
    finally:
        store.close()
