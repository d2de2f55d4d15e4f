"""The SQLite store: the embedded default, one file under the data directory, in WAL mode.

Layout of DATA_DIR: ``journal.sqlite`` (with SQLite's ``-wal`` and ``-shm`` beside it while open)
and ``journal.lock``, an advisory lock held by the one process that writes.

Durability: ``os`` runs synchronous=NORMAL, so a commit reaches the OS but the WAL is only fsynced
at checkpoints: a crash of openvenue loses nothing, a power cut may lose the last commits (never
part of one, never the file). ``fsync`` adds an fdatasync of the WAL after the commits, which is
what synchronous=FULL does inside each commit, but made by the journal's flusher (``flush_fd``,
see storage.flusher): a commit is acknowledged only once a flush that began after it has
returned, the writer never waits for the disk, and one flush carries every commit written
meanwhile. This relies on the WAL staying one file for the life of the write connection (SQLite
removes it only when the last connection closes); each flush checks that it still has a name.

Writes come only from the journal's writer (``write_group``/``write_snapshot``); reads use their
own connection per thread, which WAL lets run beside the writer without blocking it.

Checkpoints (copying the WAL back into the database file, then syncing it) are made by a thread
of the store's own, not by the committing connection: SQLite's automatic checkpoint runs inside
whichever commit crosses its threshold, and that commit is often made on the event loop, which
would stall every connection for the few milliseconds it takes. The cadence is SQLite's default
(about every 1000 pages written); a passive checkpoint never blocks the writer, and the WAL
starts over from its beginning once one has caught up with it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from openvenue.domain.events import OrderFilled
from openvenue.domain.orders import Order
from openvenue.oms.ports import Durability
from openvenue.storage import flusher, rows
from openvenue.storage.codec import JournalError
from openvenue.storage.writer import Record

log = logging.getLogger("openvenue.journal")

DB_NAME = "journal.sqlite"
LOCK_NAME = "journal.lock"
READ_CHUNK = 256  # records per fetch while replaying
CHECKPOINT_PAGES = 1000  # WAL pages written between checkpoints (SQLite's own default)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, crc INTEGER NOT NULL,
    payload BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS snapshots (
    seq INTEGER PRIMARY KEY, crc INTEGER NOT NULL, payload BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS archived_orders (
    order_id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, payload BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS archived_orders_by_account ON archived_orders (account_id, order_id);
CREATE TABLE IF NOT EXISTS archived_client_order_ids (
    account_id INTEGER NOT NULL, client_order_id TEXT NOT NULL, order_id INTEGER NOT NULL,
    PRIMARY KEY (account_id, client_order_id));
CREATE TABLE IF NOT EXISTS archived_fills (
    seq INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, order_id INTEGER NOT NULL,
    payload BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS archived_fills_by_account ON archived_fills (account_id, seq);
CREATE INDEX IF NOT EXISTS archived_fills_by_order ON archived_fills (order_id, seq);
"""

class SqliteStore:
    def __init__(self, data_dir: str | os.PathLike, durability: Durability = Durability.FSYNC,
                 *, readonly: bool = False, lock_timeout: float = 5.0,
                 checkpoint_pages: int = CHECKPOINT_PAGES) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / DB_NAME
        self.readonly = readonly
        self.durability = durability
        self.describe = str(self.path)
        self._local = threading.local()
        self._lock_file = None
        self._write: sqlite3.Connection | None = None
        self._checkpointer: Checkpointer | None = None
        self.flush_fd: int | None = None  # the WAL, with durability fsync (module docstring)
        if readonly:
            if not self.path.exists():
                raise JournalError(f"no journal at {self.path}")
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._take_lock(lock_timeout)
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer's thread does it
        conn.executescript(_SCHEMA)
        self._write = conn
        self._page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        if durability is Durability.FSYNC:
            self._open_wal()
        self._checkpointer = Checkpointer(self.path, checkpoint_pages, conn)

    def _open_wal(self) -> None:
        """Offer the WAL for the journal's own flush, its directory entry flushed once."""
        wal = Path(f"{self.path}-wal")
        if not flusher.AVAILABLE or not wal.exists():  # then SQLite syncs every commit itself
            self._write.execute("PRAGMA synchronous=FULL")
            return
        self.flush_fd = os.open(wal, os.O_RDWR)  # (never written through: only flushed)
        directory = os.open(self.data_dir, os.O_RDONLY)
        try:
            os.fsync(directory)  # a new WAL file must itself survive a power cut
        finally:
            os.close(directory)

    def _take_lock(self, timeout: float) -> None:
        """One writing process per store: a second one would fork the sequence."""
        handle = open(self.data_dir / LOCK_NAME, "a+b")  # noqa: SIM115 - held until close
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    raise JournalError(f"{self.data_dir} is being written by another process")
                time.sleep(0.05)
        self._lock_file = handle

    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            uri = f"file:{self.path}?mode=ro" if self.readonly else f"file:{self.path}"
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            self._local.conn = conn
        return conn

    # -- writer thread -----------------------------------------------------------------------------

    def write_group(self, records: list[Record], orders: list[Order],
                    fills: list[OrderFilled]) -> None:
        conn = self._write
        if len(records) == 1 and not orders and not fills:
            # The usual group: one record. A lone statement in autocommit is its own atomic
            # transaction, committed with the same synchronous setting, and it saves the two
            # extra round trips (each giving up and taking back the GIL) of BEGIN and COMMIT.
            conn.execute("INSERT INTO journal VALUES (?, ?, ?, ?)", records[0])
            self._wrote(records)
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            if records:
                conn.executemany("INSERT INTO journal VALUES (?, ?, ?, ?)", records)
            if orders:
                conn.executemany("INSERT OR REPLACE INTO archived_orders VALUES (?, ?, ?)",
                                 [(o.id, o.account_id, rows.encode_order(o)) for o in orders])
                conn.executemany(
                    "INSERT OR REPLACE INTO archived_client_order_ids VALUES (?, ?, ?)",
                    [(o.account_id, o.client_order_id, o.id) for o in orders if o.client_order_id])
            if fills:
                conn.executemany("INSERT OR REPLACE INTO archived_fills VALUES (?, ?, ?, ?)",
                                 [(f.seq, f.account_id, f.order_id, rows.encode_fill(f))
                                  for f in fills])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self._wrote(records, len(orders) + len(fills))

    def _wrote(self, records: list[Record], archived_rows: int = 0) -> None:
        """Tell the checkpointer about the pages a commit added to the WAL, roughly: a leaf page,
        the records' payloads, and a page per few archived rows (they have indexes too)."""
        payload = sum(len(r[3]) for r in records)
        self._checkpointer.wrote(1 + payload // self._page_size + archived_rows // 8)

    def write_snapshot(self, seq: int, crc: int, payload: bytes) -> None:
        conn = self._write
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?)", (seq, crc, payload))
            # keep the newest two: if the newest turns out unreadable, recovery still has one
            conn.execute("DELETE FROM snapshots WHERE seq < (SELECT seq FROM snapshots "
                         "ORDER BY seq DESC LIMIT 1 OFFSET 1)")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self._checkpointer.wrote(1 + len(payload) // self._page_size)

    # -- opening and recovery ----------------------------------------------------------------------

    def last_record(self) -> Record | None:
        return self._reader().execute(
            "SELECT first_seq, last_seq, crc, payload FROM journal ORDER BY first_seq DESC LIMIT 1"
        ).fetchone()

    def delete_record(self, first_seq: int) -> None:
        self._write.execute("DELETE FROM journal WHERE first_seq = ?", (first_seq,))

    def records(self, after_seq: int = 0) -> Iterator[Record]:
        """Records holding any event after ``after_seq``, in sequence order."""
        yield from _streamed(self._reader().execute(
            "SELECT first_seq, last_seq, crc, payload FROM journal WHERE last_seq > ? "
            "ORDER BY first_seq", (after_seq,)), READ_CHUNK)

    def snapshot_seqs(self) -> list[int]:
        """Sequence numbers of stored snapshots, newest first."""
        return [r[0] for r in self._reader().execute("SELECT seq FROM snapshots ORDER BY seq DESC")]

    def snapshot(self, seq: int) -> tuple[int, bytes]:
        return self._reader().execute("SELECT crc, payload FROM snapshots WHERE seq = ?",
                                      (seq,)).fetchone()

    # -- archive (read side) -----------------------------------------------------------------------

    def find_order(self, order_id: int) -> Order | None:
        row = self._reader().execute("SELECT payload FROM archived_orders WHERE order_id = ?",
                                     (order_id,)).fetchone()
        return None if row is None else rows.decode_order(row[0])

    def find_by_client_order_id(self, account_id: int, client_order_id: str) -> Order | None:
        row = self._reader().execute(
            "SELECT o.payload FROM archived_client_order_ids c JOIN archived_orders o "
            "ON o.order_id = c.order_id WHERE c.account_id = ? AND c.client_order_id = ?",
            (account_id, client_order_id)).fetchone()
        return None if row is None else rows.decode_order(row[0])

    def archived_client_order_ids(self) -> Iterator[tuple[int, str]]:
        """Every (account, client order id) the archive holds, for the journal's filter."""
        yield from _streamed(self._reader().execute(
            "SELECT account_id, client_order_id FROM archived_client_order_ids"), 4096)

    def order_history(self, account_ids: Sequence[int], *, before_order_id: int | None = None,
                      limit: int = 100) -> list[Order]:
        if not account_ids:
            return []
        marks = ",".join("?" * len(account_ids))
        result = self._reader().execute(
            f"SELECT payload FROM archived_orders WHERE account_id IN ({marks}) AND order_id < ? "
            "ORDER BY order_id DESC LIMIT ?",
            (*account_ids, _below(before_order_id), limit))
        return [rows.decode_order(r[0]) for r in result]

    def fills(self, account_ids: Sequence[int], *, order_id: int = 0,
              before_seq: int | None = None, limit: int = 100) -> list[OrderFilled]:
        if not account_ids:
            return []
        marks = ",".join("?" * len(account_ids))
        where = f"account_id IN ({marks}) AND seq < ?"
        params: list = [*account_ids, _below(before_seq)]
        if order_id:
            where += " AND order_id = ?"
            params.append(order_id)
        result = self._reader().execute(
            f"SELECT payload FROM archived_fills WHERE {where} ORDER BY seq DESC LIMIT ?",
            (*params, limit))
        return [rows.decode_fill(r[0]) for r in result]

    def close(self) -> None:
        if self._checkpointer is not None:  # first: the write connection must close last
            self._checkpointer.close()
            self._checkpointer = None
        if self.flush_fd is not None:
            os.close(self.flush_fd)
            self.flush_fd = None
        if self._write is not None:
            self._write.close()
            self._write = None
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        if self._lock_file is not None:
            self._lock_file.close()  # releases the flock
            self._lock_file = None


class Checkpointer:
    """Passive checkpoints of one database on a thread of their own, once enough is written.

    A passive checkpoint copies the WAL as it was when the checkpoint began and never blocks
    the writer; the WAL starts over from its beginning only if a commit begins after a
    checkpoint that copied all of it. Should commits keep overtaking the checkpoints, the WAL
    would only grow: once it is ``LAG_LIMIT`` thresholds long, the writer checkpoints itself,
    between two commits, as SQLite would have (a stall, but a bounded WAL).
    """

    LAG_LIMIT = 4

    def __init__(self, path: Path, pages: int, writer: sqlite3.Connection) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._writer = writer
        self._pages = pages
        self._written = 0  # pages since the last request; counted by the committing thread only
        self._wal_frames = 0  # the WAL's length when the last checkpoint began
        self._checkpointing = threading.Lock()  # one checkpoint at a time, whichever thread
        self._due = threading.Event()
        self._closing = False
        self.checkpoints = 0  # completed, by either thread (for tests)
        self._thread = threading.Thread(target=self._run, name="journal-checkpoint", daemon=True)
        self._thread.start()

    def wrote(self, pages: int) -> None:
        """After each commit, on the committing thread: ``pages`` roughly added to the WAL."""
        self._written += pages
        if self._written < self._pages:
            return
        self._written = 0
        if self._wal_frames > self.LAG_LIMIT * self._pages:
            self._due.clear()  # (a checkpoint of the other thread would delay the start over)
            self._checkpoint(self._writer)
        else:
            self._due.set()

    def close(self) -> None:
        self._closing = True
        self._due.set()
        self._thread.join()
        self._conn.close()

    def _run(self) -> None:
        while True:
            self._due.wait()
            self._due.clear()
            if self._closing:
                return
            self._checkpoint(self._conn)

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        with self._checkpointing:  # (the writer waits out a checkpoint of the other thread)
            try:
                # (fetchall: the statement runs to its end and keeps no read of the WAL open,
                # which would stop it from starting over)
                busy, frames, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()[0]
            except sqlite3.Error as error:
                # The WAL only grows meanwhile, and the next request tries again; commits are
                # not affected, they are durable in the WAL.
                log.warning("journal checkpoint failed: %s", error)
                return
            if not busy:
                self._wal_frames = frames
                self.checkpoints += 1


def _below(bound: int | None) -> int:
    return (1 << 63) - 1 if bound is None else bound


def _streamed(cursor: sqlite3.Cursor, chunk: int) -> Iterator[tuple]:
    """A query's rows, fetched ``chunk`` at a time rather than all at once."""
    while True:
        fetched = cursor.fetchmany(chunk)
        if not fetched:
            return
        yield from fetched
