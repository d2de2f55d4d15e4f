"""Helpers of the sandbox tests: client order ids, clients of a test venue, scenario files.

A plain module rather than conftest.py, so test modules import it by name without colliding
with other folders' conftest modules.
"""

from __future__ import annotations

import itertools
import uuid
from pathlib import Path

import httpx
from venue_process import VenueProcess

ADMIN = {"Authorization": "Bearer demo-admin-key"}
_ids = itertools.count()


def coid(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}-{next(_ids)}"


def client(venue: VenueProcess, key: str = "demo-trader-1-key") -> httpx.Client:
    return httpx.Client(base_url=venue.base_url, timeout=10,
                        headers={"Authorization": f"Bearer {key}"})


def admin(venue: VenueProcess) -> httpx.Client:
    return httpx.Client(base_url=venue.base_url, timeout=10, headers=ADMIN)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
