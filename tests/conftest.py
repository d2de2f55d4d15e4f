"""Real-server fixtures: an ``openvenue serve --demo`` subprocess on free loopback ports.

End-to-end and contract tests talk to the venue the way users do: over HTTP and WebSocket on
127.0.0.1, to a separate process started with the real command line. One demo server is shared
by a whole test session (tests use their own client order ids and accounts' open orders only
through filters they own); tests that stop or restart a server start their own with
``start_venue``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from venue_process import VenueProcess


@pytest.fixture(scope="session")
def live_venue(tmp_path_factory):
    venue = VenueProcess(tmp_path_factory.mktemp("venue") / "data").start()
    yield venue
    code = venue.stop()
    assert code == 0, venue.log_path.read_text()


@pytest.fixture
def start_venue(tmp_path):
    """Start (and always stop) servers of a test's own."""
    started: list[VenueProcess] = []

    def start(data_dir: Path | None = None, *extra: str) -> VenueProcess:
        venue = VenueProcess(data_dir or tmp_path / f"data{len(started)}", extra=extra)
        started.append(venue)
        return venue.start()

    yield start
    for venue in started:
        venue.stop()


@pytest.fixture
def http(live_venue):
    import httpx

    with httpx.Client(base_url=live_venue.base_url, timeout=10) as client:
        yield client


