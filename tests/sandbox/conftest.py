"""Sandbox venues of this folder's own: the demo with its simulated market makers switched on.

The shared demo server of the other suites runs without liquidity (their books are their own),
so these tests start servers with ``--liquidity on`` or a scenario, and talk to them as users do:
the native API and the official clients, over loopback.
"""

from __future__ import annotations

import pytest
from venue_process import VenueProcess


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







@pytest.fixture(autouse=True)
def fresh_aries_tokens():
    """The finance-dev SDK caches OAuth tokens per client id and secret for its whole process,
    whatever the token URL; the demo clients are the same on every test server, so a token
    another server issued would be offered here. Each test starts as a fresh client would."""
    from finance_dev._hooks.clientcredentials import ClientCredentialsHook

    ClientCredentialsHook._sessions.clear()
    yield
