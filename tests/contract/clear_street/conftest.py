"""A Clear Street venue of this folder's own, and SDK clients for its two demo users.

The folder starts its own ``openvenue serve --demo`` (rather than the session's shared one) so
that assertions about "exactly these open orders" and about which orders a price level crosses
cannot be disturbed by other folders' resting orders. Clients are the official SDK, unchanged,
in strict mode: every field it requires and every enum value it knows is checked by its models.
"""

from __future__ import annotations

import itertools
import uuid

import clearstreet
import pytest

from venue_process import VenueProcess

_ids = itertools.count()


@pytest.fixture
def coid():
    """A fresh client order id (the venue's order ``id``) per call."""
    return lambda prefix="cs": f"{prefix}-{uuid.uuid4().hex[:10]}-{next(_ids)}"


@pytest.fixture(scope="session")
def cs_venue(tmp_path_factory):
    venue = VenueProcess(tmp_path_factory.mktemp("clear-street") / "data").start()
    yield venue
    code = venue.stop()
    assert code == 0, venue.log_path.read_text()


@pytest.fixture(scope="session")
def cs_manifest(cs_venue) -> dict:
    return cs_venue.manifest["clear_street"]


@pytest.fixture(scope="session")
def users(cs_manifest) -> dict[str, dict]:
    return {u["name"]: u for u in cs_manifest["users"]}


def make_client(manifest: dict, api_key: str, **options):
    options.setdefault("max_retries", 0)
    return clearstreet.ClearStreet(
        api_key=api_key, base_url=manifest["base_url"], _strict_response_validation=True, **options
    )


@pytest.fixture(scope="session")
def cs1(cs_manifest, users):
    """trader-1 on account 1."""
    with make_client(cs_manifest, users["trader-1"]["api_key"]) as client:
        yield client


@pytest.fixture(scope="session")
def cs2(cs_manifest, users):
    """trader-2 on account 2."""
    with make_client(cs_manifest, users["trader-2"]["api_key"]) as client:
        yield client


@pytest.fixture(scope="session")
def acct1(users) -> int:
    return users["trader-1"]["account_id"]


@pytest.fixture(scope="session")
def acct2(users) -> int:
    return users["trader-2"]["account_id"]


@pytest.fixture
def raw(cs_manifest, users):
    """Plain HTTP to the face, as trader-1, for what the SDK would never send."""
    import httpx

    with httpx.Client(
        base_url=cs_manifest["base_url"],
        timeout=10,
        headers={"Authorization": f"Bearer {users['trader-1']['api_key']}"},
    ) as client:
        yield client
