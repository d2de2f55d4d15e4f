"""SQLite with durability fsync: a commit is written at once and acknowledged only after the
journal's own flush of the WAL (``SqliteStore.flush_fd``, see storage.flusher)."""

from __future__ import annotations

import os
import random

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
