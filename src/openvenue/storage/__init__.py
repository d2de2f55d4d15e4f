"""Durable storage behind the OMS's ports: the event journal (SQLite or PostgreSQL) with its
snapshots and archive of closed orders, and recovery from them."""

from openvenue.storage.codec import JournalCorrupt, JournalError
from openvenue.storage.journal import Journal, TornTail, open_journal
from openvenue.storage.recovery import Recovery, recover, scan

__all__ = [
    "Journal", "JournalCorrupt", "JournalError", "Recovery", "TornTail", "open_journal",
    "recover", "scan",
]
