"""SQLite with durability fsync: a commit is written at once and acknowledged only after the
journal's own flush of the WAL, made on a thread of its own (``SqliteStore.deferred_sync``)."""

from __future__ import annotations

import os
import random

import pytest
from workload import define_reference_data, random_command

from openvenue.oms.clock import ManualClock
from openvenue.oms.durable import DurableOMS
from openvenue.oms.manager import OrderManager
from openvenue.storage import JournalError, open_journal
from openvenue.storage import sqlite as sqlite_module
from openvenue.storage.sqlite import SqliteStore


def synchronous(store: SqliteStore) -> int:
    return store._write.execute("PRAGMA synchronous").fetchone()[0]


def test_fsync_writes_without_syncing_and_flushes_the_wal_after(tmp_path, monkeypatch):
    flushed: list[str] = []
    real = sqlite_module._fdatasync

    def recording(fd: int) -> None:
        flushed.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(sqlite_module, "_fdatasync", recording)
    with open_journal(tmp_path, "fsync") as journal:
        assert synchronous(journal.store) == 1  # NORMAL: the commit itself does not wait
        oms = OrderManager(ManualClock(1_000_000_000))
        durable = DurableOMS(oms, journal)
        durable.run(define_reference_data, oms).wait(10)
        syncs = journal._writer.syncs
        durable.execute(random_command(oms, random.Random(1), 0)).wait(10)
        assert journal._writer.syncs > syncs and journal.durable_seq == oms.seq
    assert flushed and set(flushed) == {str(tmp_path / "journal.sqlite-wal")}


def test_os_durability_never_flushes(tmp_path):
    with open_journal(tmp_path, "os") as journal:
        assert synchronous(journal.store) == 1 and journal.store.deferred_sync is None
        oms = OrderManager(ManualClock(1_000_000_000))
        DurableOMS(oms, journal).run(define_reference_data, oms).wait(10)
        assert journal._writer.syncs == 0


def test_a_flush_refuses_a_wal_that_is_no_longer_the_one_open(tmp_path):
    store = SqliteStore(tmp_path)
    wal = tmp_path / "journal.sqlite-wal"
    try:
        store.deferred_sync()
        os.rename(wal, tmp_path / "moved-wal")
        wal.write_bytes(b"")
        with pytest.raises(JournalError, match="WAL file was replaced"):
            store.deferred_sync()
    finally:
        store.close()

