"""Fixtures for the Fondo face: a demo server of this folder's own (its sandbox clock is moved by
these tests, so no other folder's tests share it), plain httpx clients as a partner would use,
and the native admin API for the clock and NAVs.

The clock is frozen at the start, at Monday 2027-03-08 10:00 Europe/Stockholm: nothing is sent
to a fund until a test moves the clock past a cut-off on purpose.
"""

from __future__ import annotations

import httpx
import pytest
from venue_process import VenueProcess

START = "2027-03-08T09:00:00Z"  # Monday 10:00 Stockholm (CET)


@pytest.fixture(scope="session")
def fondo_venue(tmp_path_factory):
    venue = VenueProcess(tmp_path_factory.mktemp("fondo") / "data").start()
    with httpx.Client(base_url=venue.base_url, timeout=10,
                      headers={"Authorization": f"Bearer {venue.manifest['native']['admin_key']}"}) as admin:
        assert admin.post("/v1/admin/clock", json={"action": "freeze"}).status_code == 200
        assert admin.post("/v1/admin/clock", json={"action": "set", "time": START}).status_code == 200
    yield venue
    code = venue.stop()
    assert code == 0, venue.log_path.read_text()


@pytest.fixture(scope="session")
def fondo(fondo_venue) -> dict:
    return fondo_venue.manifest["fondo"]


@pytest.fixture(scope="session")
def admin(fondo_venue):
    with httpx.Client(base_url=fondo_venue.base_url, timeout=10, headers={
            "Authorization": f"Bearer {fondo_venue.manifest['native']['admin_key']}"}) as client:
        yield client


@pytest.fixture(scope="session")
def raw(fondo):
    with httpx.Client(base_url=fondo["base_url"], timeout=10) as client:
        yield client


@pytest.fixture(scope="session")
def token(raw, fondo):
    """``token(0)``: an access token of the manifest's first partner (optionally with scope)."""

    def get(partner: int = 0, scope: str | None = None) -> str:
        p = fondo["partners"][partner]
        form = {"grant_type": "client_credentials", "client_id": p["client_id"],
                "client_secret": p["client_secret"]}
        if scope is not None:
            form["scope"] = scope
        reply = raw.post("/v2/partner/auth/token", data=form)
        assert reply.status_code == 200, reply.text
        return reply.json()["access_token"]

    return get


class Partner:
    """A partner's session: its token, its first client and that client's first account."""

    def __init__(self, raw: httpx.Client, manifest: dict, index: int, token: str) -> None:
        self.raw = raw
        entry = manifest["partners"][index]
        self.client = entry["clients"][0]["id"]
        self.account = entry["clients"][0]["accounts"][0]
        self.headers = {"Authorization": f"Bearer {token}"}

    def orders_path(self, client: str | None = None) -> str:
        return f"/v2/partner/client/{client or self.client}/order"

    def create(self, body: dict, *, query: str = "", client: str | None = None) -> httpx.Response:
        return self.raw.post(self.orders_path(client) + query, json=body, headers=self.headers)

    def subscription(self, amount=1000, **extra) -> dict:
        return {"orderType": "subscription", "account": self.account,
                "instrument": "SE0012193019SEK", "amount": amount,
                "executorRef": "197001010003", **extra}

    def redemption(self, units="10.5", **extra) -> dict:
        return {"orderType": "redemption", "account": self.account,
                "instrument": "SE0012193019SEK", "units": units,
                "executorRef": "197001010003", **extra}

    def get(self, path: str, **params) -> httpx.Response:
        return self.raw.get(path, params=params, headers=self.headers)

    def delete(self, order_id: str, client: str | None = None) -> httpx.Response:
        return self.raw.delete(f"{self.orders_path(client)}/{order_id}", headers=self.headers)

    def orders(self, **params) -> list[dict]:
        reply = self.get(self.orders_path(), **params)
        assert reply.status_code == 200, reply.text
        return reply.json()


@pytest.fixture(scope="session")
def partner1(raw, fondo, token) -> Partner:
    return Partner(raw, fondo, 0, token(0))


@pytest.fixture(scope="session")
def partner2(raw, fondo, token) -> Partner:
    return Partner(raw, fondo, 1, token(1))
