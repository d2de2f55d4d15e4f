"""Fixtures for the Aries face: the official SDK and a raw HTTP client, both pointed at the
shared demo server exactly as README says (server_url + an explicit token_url from the manifest).

The SDK caches tokens process-wide by client id and secret, so every test here talks to the one
session server (``live_venue``). Tests that match orders trade a symbol of their own, created
through the native admin API, so no other test's resting orders can take part.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from finance_dev import FinanceDev, models


@pytest.fixture(scope="session")
def aries(live_venue) -> dict:
    return live_venue.manifest["aries"]


@pytest.fixture(scope="session")
def aries_users(aries) -> dict[str, dict]:
    return {user["name"]: user for user in aries["users"]}


@pytest.fixture(scope="session")
def sdk(aries, aries_users):
    """``sdk("trader-1")``: the unchanged SDK acting as that demo user's OAuth client."""

    def make(name: str, secret: str | None = None) -> FinanceDev:
        user = aries_users[name]
        return FinanceDev(server_url=aries["base_url"], security=models.Security(
            client_id=user["client_id"], client_secret=secret or user["client_secret"],
            token_url=aries["token_url"]))

    return make


@pytest.fixture
def raw(aries):
    with httpx.Client(base_url=aries["base_url"], timeout=10) as client:
        yield client


@pytest.fixture(scope="session")
def token(aries, aries_users):
    """``token("trader-1", scope=...)``: an access token from the token endpoint."""

    def fetch(name: str, scope: str | None = None) -> str:
        user = aries_users[name]
        form = {"grant_type": "client_credentials", "client_id": user["client_id"],
                "client_secret": user["client_secret"]}
        if scope is not None:
            form["scope"] = scope
        response = httpx.post(aries["token_url"], data=form, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    return fetch


@pytest.fixture
def fresh_symbol(live_venue) -> str:
    """A new equity with an empty book, defined by the operator through the native API."""
    symbol = "AR" + uuid.uuid4().hex[:8].upper()
    admin = {"Authorization": f"Bearer {live_venue.manifest['native']['admin_key']}"}
    created = httpx.post(live_venue.base_url + "/v1/admin/instruments", headers=admin, timeout=10,
                         json={"symbol": symbol, "kind": "EQUITY", "tick_size": "0.01",
                               "lot_size": "1"})
    assert created.status_code == 201, created.text
    return symbol
