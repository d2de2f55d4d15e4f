"""Sandbox venues of this folder's own: the demo with its simulated market makers switched on.

The shared demo server of the other suites runs without liquidity (their books are their own),
so these tests start servers with ``--liquidity on`` or a scenario, and talk to them as users do:
the native API and the official clients, over loopback.
"""

from __future__ import annotations

import itertools
import uuid
from pathlib import Path

import httpx
import pytest

from venue_process import VenueProcess

ADMIN = {"Authorization": "Bearer demo-admin-key"}
_ids = itertools.count()


def coid(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}-{next(_ids)}"


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    """A demo venue with liquidity on, its market frozen (no updates during a test module)."""
    scenario = tmp_path_factory.mktemp("scenario") / "frozen.toml"
    scenario.write_text('seed = 7\n[liquidity]\nupdate_ms = 3600000\n')
    venue = VenueProcess(tmp_path_factory.mktemp("sandbox") / "data",
                         extra=("--durability", "memory", "--liquidity", "on",
                                "--scenario", str(scenario))).start()
    yield venue
    assert venue.stop() == 0, venue.log_path.read_text()


@pytest.fixture
def start(tmp_path):
    started: list[VenueProcess] = []

    def start_one(*extra: str) -> VenueProcess:
        venue = VenueProcess(tmp_path / f"data{len(started)}",
                             extra=("--durability", "memory", *extra))
        started.append(venue)
        return venue.start()

    yield start_one
    for venue in started:
        venue.stop()


def client(venue: VenueProcess, key: str = "demo-trader-1-key") -> httpx.Client:
    return httpx.Client(base_url=venue.base_url, timeout=10,
                        headers={"Authorization": f"Bearer {key}"})


def admin(venue: VenueProcess) -> httpx.Client:
    return httpx.Client(base_url=venue.base_url, timeout=10, headers=ADMIN)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
