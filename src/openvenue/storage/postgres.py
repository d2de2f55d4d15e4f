"""The PostgreSQL store (psycopg 3): the server backend, selected by a ``postgresql://`` DSN.

Each journal lives in its own schema (default ``openvenue``), so several venues or test runs can
share a database. Durability: ``fsync`` sets synchronous_commit=on, so a commit returns once the
server has flushed its WAL; ``os`` sets synchronous_commit=off: a crash of openvenue loses nothing
the server acknowledged, a crash of the server may lose its last few hundred milliseconds of
commits (never part of one). One writing process per schema is enforced by a session advisory
lock, which the server drops by itself when that process dies.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator, Sequence

import psycopg
from psycopg import sql

from openvenue.domain.events import OrderFilled
from openvenue.domain.orders import Order
from openvenue.oms.ports import Durability
from openvenue.storage import rows
from openvenue.storage.codec import JournalError
from openvenue.storage.writer import Record

DEFAULT_SCHEMA = "openvenue"
READ_CHUNK = 256

_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.journal (
    first_seq bigint PRIMARY KEY, last_seq bigint NOT NULL, crc bigint NOT NULL,
    payload bytea NOT NULL);
CREATE TABLE IF NOT EXISTS {s}.snapshots (
    seq bigint PRIMARY KEY, crc bigint NOT NULL, payload bytea NOT NULL);
CREATE TABLE IF NOT EXISTS {s}.archived_orders (
    order_id bigint PRIMARY KEY, account_id bigint NOT NULL, payload bytea NOT NULL);
CREATE INDEX IF NOT EXISTS archived_orders_by_account ON {s}.archived_orders (account_id, order_id);
CREATE TABLE IF NOT EXISTS {s}.archived_client_order_ids (
    account_id bigint NOT NULL, client_order_id text NOT NULL, order_id bigint NOT NULL,
    PRIMARY KEY (account_id, client_order_id));
CREATE TABLE IF NOT EXISTS {s}.archived_fills (
    seq bigint PRIMARY KEY, account_id bigint NOT NULL, order_id bigint NOT NULL,
    payload bytea NOT NULL);
CREATE INDEX IF NOT EXISTS archived_fills_by_account ON {s}.archived_fills (account_id, seq);
CREATE INDEX IF NOT EXISTS archived_fills_by_order ON {s}.archived_fills (order_id, seq);
"""

_SYNCHRONOUS_COMMIT = {Durability.FSYNC: "on", Durability.OS: "off"}


def is_dsn(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def _lock_key(schema: str) -> int:
    digest = hashlib.blake2b(schema.encode(), digest_size=8, person=b"openvenue-lock").digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresStore:
    def __init__(self, dsn: str, durability: Durability = Durability.FSYNC, *,
                 schema: str = DEFAULT_SCHEMA, readonly: bool = False,
                 lock_timeout: float = 10.0) -> None:
        self.dsn = dsn
        self.schema = schema
        self.readonly = readonly
        self.durability = durability
        self.flush_fd = None  # the server flushes its WAL within each commit
        self.describe = f"{_redact(dsn)} schema {schema}"
        s = sql.Identifier(schema)
        self._q = {name: sql.SQL(text).format(s=s) for name, text in _QUERIES.items()}
        self._read_lock = threading.Lock()
        self._write: psycopg.Connection | None = None
        options = "-c default_transaction_read_only=on" if readonly else ""
        self._read = psycopg.connect(dsn, autocommit=True, options=options)
        if readonly:
            exists = self._read.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
                "AND table_name = 'journal'", (schema,)).fetchone()
            if not exists:
                self._read.close()
                raise JournalError(f"no journal in schema {schema} at {_redact(dsn)}")
            return
        conn = psycopg.connect(dsn, autocommit=True)
        conn.execute(sql.SQL(_SCHEMA).format(s=s))
        self._take_lock(conn, lock_timeout)
        conn.execute(sql.SQL("SET synchronous_commit TO {}").format(
            sql.Literal(_SYNCHRONOUS_COMMIT[durability])))
        conn.autocommit = False
        self._write = conn

    def _take_lock(self, conn: psycopg.Connection, timeout: float) -> None:
        """One writing process per schema. A killed predecessor's lock lingers until the server
        notices the dead connection, hence the short wait."""
        deadline = time.monotonic() + timeout
        while not conn.execute("SELECT pg_try_advisory_lock(%s)",
                               (_lock_key(self.schema),)).fetchone()[0]:
            if time.monotonic() >= deadline:
                conn.close()
                raise JournalError(f"schema {self.schema} is being written by another process")
            time.sleep(0.05)

    # -- writer thread -----------------------------------------------------------------------------

    def write_group(self, records: list[Record], orders: list[Order],
                    fills: list[OrderFilled]) -> None:
        conn = self._write
        q = self._q
        try:
            with conn.cursor() as cur:
                if records:
                    cur.executemany(q["insert_record"], records)
                if orders:
                    cur.executemany(q["archive_order"],
                                    [(o.id, o.account_id, rows.encode_order(o)) for o in orders])
                    cur.executemany(q["archive_client_order_id"],
                                    [(o.account_id, o.client_order_id, o.id)
                                     for o in orders if o.client_order_id])
                if fills:
                    cur.executemany(q["archive_fill"],
                                    [(f.seq, f.account_id, f.order_id, rows.encode_fill(f))
                                     for f in fills])
            conn.commit()
        except BaseException:
            conn.rollback()
            raise

    def write_snapshot(self, seq: int, crc: int, payload: bytes) -> None:
        conn = self._write
        try:
            conn.execute(self._q["insert_snapshot"], (seq, crc, payload))
            conn.execute(self._q["prune_snapshots"])
            conn.commit()
        except BaseException:
            conn.rollback()
            raise

    # -- opening and recovery ----------------------------------------------------------------------

    def _fetchone(self, name: str, params: tuple = ()):
        with self._read_lock, self._read.cursor(binary=True) as cur:
            return cur.execute(self._q[name], params).fetchone()

    def last_record(self) -> Record | None:
        row = self._fetchone("last_record")
        return None if row is None else (row[0], row[1], row[2], bytes(row[3]))

    def delete_record(self, first_seq: int) -> None:
        self._write.execute(self._q["delete_record"], (first_seq,))
        self._write.commit()

    def records(self, after_seq: int = 0) -> Iterator[Record]:
        """Records holding any event after ``after_seq``, in sequence order (server-side cursor,
        so a long journal streams instead of loading whole)."""
        conn = psycopg.connect(self.dsn, autocommit=False)
        try:
            with conn.cursor(name="openvenue_records", binary=True) as cur:
                cur.itersize = READ_CHUNK
                cur.execute(self._q["records"], (after_seq,))
                for first, last, crc, payload in cur:
                    yield first, last, crc, bytes(payload)
        finally:
            conn.close()

    def snapshot_seqs(self) -> list[int]:
        with self._read_lock, self._read.cursor() as cur:
            return [r[0] for r in cur.execute(self._q["snapshot_seqs"])]

    def snapshot(self, seq: int) -> tuple[int, bytes]:
        crc, payload = self._fetchone("snapshot", (seq,))
        return crc, bytes(payload)

    # -- archive (read side) -----------------------------------------------------------------------

    def find_order(self, order_id: int) -> Order | None:
        row = self._fetchone("find_order", (order_id,))
        return None if row is None else rows.decode_order(bytes(row[0]))

    def find_by_client_order_id(self, account_id: int, client_order_id: str) -> Order | None:
        row = self._fetchone("find_by_client_order_id", (account_id, client_order_id))
        return None if row is None else rows.decode_order(bytes(row[0]))

    def archived_client_order_ids(self) -> Iterator[tuple[int, str]]:
        """Every (account, client order id) the archive holds, for the journal's filter
        (streamed through a server-side cursor of its own, like ``records``)."""
        conn = psycopg.connect(self.dsn, autocommit=False)
        try:
            with conn.cursor(name="openvenue_client_order_ids") as cur:
                cur.itersize = 4096
                cur.execute(self._q["archived_client_order_ids"])
                yield from cur
        finally:
            conn.close()

    def order_history(self, account_ids: Sequence[int], *, before_order_id: int | None = None,
                      limit: int = 100) -> list[Order]:
        with self._read_lock, self._read.cursor(binary=True) as cur:
            cur.execute(self._q["order_history"],
                        (list(account_ids), _below(before_order_id), limit))
            return [rows.decode_order(bytes(r[0])) for r in cur]

    def fills(self, account_ids: Sequence[int], *, order_id: int = 0,
              before_seq: int | None = None, limit: int = 100) -> list[OrderFilled]:
        with self._read_lock, self._read.cursor(binary=True) as cur:
            cur.execute(self._q["fills"],
                        (list(account_ids), _below(before_seq), order_id, order_id, limit))
            return [rows.decode_fill(bytes(r[0])) for r in cur]

    def close(self) -> None:
        if self._write is not None:
            self._write.close()  # also releases the advisory lock
            self._write = None
        self._read.close()


def drop_schema(dsn: str, schema: str) -> None:
    """Remove a journal entirely (tests and benchmarks clean up with this)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def _below(bound: int | None) -> int:
    return (1 << 63) - 1 if bound is None else bound


def _redact(dsn: str) -> str:
    """The DSN without its password, for messages."""
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    info.pop("password", None)
    return " ".join(f"{k}={v}" for k, v in info.items())


_QUERIES = {
    "insert_record": "INSERT INTO {s}.journal VALUES (%s, %s, %s, %b)",
    "archive_order": "INSERT INTO {s}.archived_orders VALUES (%s, %s, %b) "
                     "ON CONFLICT (order_id) DO UPDATE SET payload = EXCLUDED.payload",
    "archive_client_order_id": "INSERT INTO {s}.archived_client_order_ids VALUES (%s, %s, %s) "
                               "ON CONFLICT (account_id, client_order_id) "
                               "DO UPDATE SET order_id = EXCLUDED.order_id",
    "archive_fill": "INSERT INTO {s}.archived_fills VALUES (%s, %s, %s, %b) "
                    "ON CONFLICT (seq) DO NOTHING",
    "insert_snapshot": "INSERT INTO {s}.snapshots VALUES (%s, %s, %b) "
                       "ON CONFLICT (seq) DO UPDATE SET crc = EXCLUDED.crc, "
                       "payload = EXCLUDED.payload",
    # keep the newest two: if the newest turns out unreadable, recovery still has one
    "prune_snapshots": "DELETE FROM {s}.snapshots WHERE seq < (SELECT seq FROM {s}.snapshots "
                       "ORDER BY seq DESC LIMIT 1 OFFSET 1)",
    "last_record": "SELECT first_seq, last_seq, crc, payload FROM {s}.journal "
                   "ORDER BY first_seq DESC LIMIT 1",
    "delete_record": "DELETE FROM {s}.journal WHERE first_seq = %s",
    "records": "SELECT first_seq, last_seq, crc, payload FROM {s}.journal WHERE last_seq > %s "
               "ORDER BY first_seq",
    "snapshot_seqs": "SELECT seq FROM {s}.snapshots ORDER BY seq DESC",
    "snapshot": "SELECT crc, payload FROM {s}.snapshots WHERE seq = %s",
    "archived_client_order_ids": "SELECT account_id, client_order_id "
                                 "FROM {s}.archived_client_order_ids",
    "find_order": "SELECT payload FROM {s}.archived_orders WHERE order_id = %s",
    "find_by_client_order_id": "SELECT o.payload FROM {s}.archived_client_order_ids c "
                               "JOIN {s}.archived_orders o ON o.order_id = c.order_id "
                               "WHERE c.account_id = %s AND c.client_order_id = %s",
    "order_history": "SELECT payload FROM {s}.archived_orders WHERE account_id = ANY(%s) "
                     "AND order_id < %s ORDER BY order_id DESC LIMIT %s",
    "fills": "SELECT payload FROM {s}.archived_fills WHERE account_id = ANY(%s) AND seq < %s "
             "AND (%s = 0 OR order_id = %s) ORDER BY seq DESC LIMIT %s",
}
