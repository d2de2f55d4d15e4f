"""Fixtures for storage tests: a journal target on either backend, the same tests for both.

``postgres_dsn`` is the one place that decides what happens without PostgreSQL: under CI=true an
unreachable server fails the test (CI promises one); elsewhere the test is skipped with the
reason. Each PostgreSQL journal gets a schema of its own, dropped afterwards, so tests can run in
parallel against one database.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    dsn = os.environ.get("OPENVENUE_TEST_PG", DEFAULT_DSN)
    try:
        import psycopg

        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any reason it is unusable counts
        message = f"PostgreSQL unreachable at {dsn}: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message + " (set OPENVENUE_TEST_PG to a reachable server)")
    return dsn


@dataclass
class Target:
    """Where a journal lives: a data directory, or a DSN and schema."""

    backend: str
    location: str
    schema: str = "openvenue"

    def open(self, durability="fsync", **options):
        from openvenue.storage import open_journal

        return open_journal(self.location, durability, schema=self.schema, **options)

    def execute(self, statement: str, params: tuple = ()) -> None:
        """Raw SQL on the store's journal tables (tests use it to damage records)."""
        if self.backend == "sqlite":
            import sqlite3

            conn = sqlite3.connect(os.path.join(self.location, "journal.sqlite"))
            with conn:
                conn.execute(statement.replace("%s", "?").replace("{s}.", ""), params)
            conn.close()
        else:
            import psycopg

            with psycopg.connect(self.location, autocommit=True) as conn:
                conn.execute(statement.replace("{s}", f'"{self.schema}"'), params)


@pytest.fixture(params=["sqlite", "postgres"])
def target(request, tmp_path) -> Target:
    if request.param == "sqlite":
        yield Target("sqlite", str(tmp_path / "data"))
        return
    dsn = request.getfixturevalue("postgres_dsn")
    from openvenue.storage.postgres import drop_schema

    schema = f"ov_test_{uuid.uuid4().hex[:12]}"
    yield Target("postgres", dsn, schema)
    drop_schema(dsn, schema)
