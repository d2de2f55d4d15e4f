"""Fixtures of the INTX contract tests: a demo server of their own, signed clients, helpers.

The server is the real ``openvenue serve --demo`` started by the shared ``VenueProcess``
(tests/venue_process.py), with the INTX rate limit switched off through its environment variable so
that a fast test run is never throttled; the rate limit itself is tested on servers started
with a small limit (test_intx_rate_limit.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
import uuid
from pathlib import Path

import httpx
import pytest
from intx_sdk import Credentials, IntxServicesClient
from venue_process import VenueProcess


RATE_ENV = "OPENVENUE_COINBASE_INTX_RATE_LIMIT"


def start_intx_venue(data_dir: Path, rate_limit: str | None) -> VenueProcess:
    """A demo server whose INTX face limits each key to ``rate_limit`` requests per second
    ("0": no limit; None: the face's default)."""
    previous = os.environ.pop(RATE_ENV, None)
    if rate_limit is not None:
        os.environ[RATE_ENV] = rate_limit  # the server process inherits the environment
    try:
        return VenueProcess(data_dir).start()
    finally:
        os.environ.pop(RATE_ENV, None)
        if previous is not None:
            os.environ[RATE_ENV] = previous


class Intx:
    """One INTX face: its manifest entry, SDK clients and signed raw HTTP."""

    def __init__(self, venue: VenueProcess) -> None:
        self.venue = venue
        self.entry = venue.manifest["coinbase_intx"]
        self.base_url = self.entry["base_url"]
        self.root = self.base_url[: -len("/api/v1")]
        self.users = {u["name"]: u for u in self.entry["users"]}
        self.http = httpx.Client(base_url=self.root, timeout=10)

    @staticmethod
    def cid() -> str:
        """A fresh client order id in one of the venue's accepted forms (20 alphanumerics)."""
        return uuid.uuid4().hex[:20]

    def user(self, name: str = "trader-1") -> dict:
        return self.users[name]

    def portfolio(self, name: str = "trader-1") -> str:
        return self.users[name]["portfolio_id"]

    def sdk(self, name: str = "trader-1", *, secret: str | None = None) -> IntxServicesClient:
        u = self.users[name]
        return IntxServicesClient(
            Credentials(u["access_key"], u["passphrase"], secret or u["signing_key"]),
            base_url=self.base_url)

    @staticmethod
    def sign(secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
        message = f"{timestamp}{method}{path}".encode() + body
        return base64.b64encode(
            hmac.new(base64.b64decode(secret), message, hashlib.sha256).digest()).decode()

    def headers(self, method: str, path: str, body: bytes = b"", *, name: str = "trader-1",
                timestamp: int | None = None, signed_body: bytes | None = None,
                passphrase: str | None = None, content_type: str | None = None) -> dict:
        u = self.users[name]
        ts = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "CB-ACCESS-KEY": u["access_key"],
            "CB-ACCESS-PASSPHRASE": u["passphrase"] if passphrase is None else passphrase,
            "CB-ACCESS-TIMESTAMP": ts,
            "CB-ACCESS-SIGN": self.sign(u["signing_key"], ts, method, path.split("?")[0],
                                        body if signed_body is None else signed_body),
        }
        if content_type is not None:
            headers["Content-Type"] = content_type
        return headers

    def request(self, method: str, path: str, body: bytes | dict | None = None, *,
                name: str = "trader-1", content_type: str | None = "application/json",
                **header_options) -> httpx.Response:
        """A signed request; ``path`` starts with /api/v1 and may carry a query string."""
        raw = json.dumps(body).encode() if isinstance(body, dict) else (body or b"")
        headers = self.headers(method, path, raw, name=name,
                               content_type=content_type if raw else None, **header_options)
        return self.http.request(method, path, content=raw, headers=headers)

    def open_order_ids(self, name: str = "trader-1") -> set[str]:
        response = self.request("GET", f"/api/v1/orders?portfolio={self.portfolio(name)}",
                                name=name)
        assert response.status_code == 200, response.text
        return {o["order_id"] for o in response.json()["results"]}


@pytest.fixture
def start_intx(tmp_path):
    """Start (and always stop) INTX servers of a test's own, with a given rate limit."""
    started: list[tuple[VenueProcess, Intx]] = []

    def start(rate_limit: str | None) -> Intx:
        venue = start_intx_venue(tmp_path / f"data{len(started)}", rate_limit)
        started.append((venue, Intx(venue)))
        return started[-1][1]

    yield start
    for venue, face in started:
        face.http.close()
        venue.stop()


@pytest.fixture(scope="session")
def intx_venue(tmp_path_factory):
    venue = start_intx_venue(tmp_path_factory.mktemp("intx") / "data", rate_limit="0")
    yield venue
    code = venue.stop()
    assert code == 0, venue.log_path.read_text()


@pytest.fixture(scope="session")
def intx(intx_venue) -> Intx:
    face = Intx(intx_venue)
    yield face
    face.http.close()
