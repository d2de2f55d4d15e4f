"""Fixtures for the APEX face: a demo server of its own, and a raw frame client.

The APEX tests rest and cross orders on the demo instruments; on the session's shared server
other faces' tests do too, and a stray fill would change what these tests see. So these tests
start their own ``openvenue serve --demo`` with tests/venue_process.py's VenueProcess.

"""

from __future__ import annotations

import contextlib
import json

import pytest

from venue_process import VenueProcess


@pytest.fixture(scope="session")
def apex_venue(tmp_path_factory):
    venue = VenueProcess(tmp_path_factory.mktemp("apex") / "data").start()
    yield venue
    code = venue.stop()
    assert code == 0, venue.log_path.read_text()


@pytest.fixture(scope="session")
def apex(apex_venue) -> dict:
    """The manifest's alphapoint_apex entry, with its users by name."""
    entry = apex_venue.manifest["alphapoint_apex"]
    return {**entry, "by_name": {u["username"]: u for u in entry["users"]}}


class Apex:
    """A raw APEX connection: send frames exactly as given, read replies and events."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.i = 0
        self.events: list[dict] = []  # m: 3 frames seen while waiting for replies

    def send_raw(self, text: str) -> None:
        self.ws.send(text)

    def next_frame(self, timeout: float = 3.0) -> dict:
        return json.loads(self.ws.recv(timeout=timeout))

    def call(self, name: str, payload, *, m: int = 0) -> dict:
        """Send one call (``o`` JSON-encoded unless given as a str or dict) and return its
        reply frame, with ``o`` decoded into ``body``."""
        self.i += 2
        o = payload if isinstance(payload, (str, dict)) else json.dumps(payload)
        self.ws.send(json.dumps({"m": m, "i": self.i, "n": name, "o": o}))
        return self.reply_to(self.i)

    def reply_to(self, i: int) -> dict:
        while True:
            frame = self.next_frame()
            frame["body"] = json.loads(frame["o"]) if frame.get("o") else None
            if frame["m"] == 3:
                self.events.append(frame)
                continue
            assert frame["i"] == i, frame
            return frame

    def body(self, name: str, payload) -> dict:
        frame = self.call(name, payload)
        assert frame["m"] == 1 and frame["n"] == name, frame
        return frame["body"]

    def event(self, predicate, timeout: float = 3.0) -> dict:
        """The first account event (body) matching ``predicate``, waiting for it if needed."""
        for frame in self.events:
            if predicate(frame):
                return frame["body"]
        while True:
            frame = self.next_frame(timeout)
            frame["body"] = json.loads(frame["o"])
            self.events.append(frame)
            if frame["m"] == 3 and predicate(frame):
                return frame["body"]

    def login(self, user: dict) -> dict:
        reply = self.body("AuthenticateUser", {"UserName": user["username"],
                                               "Password": user["password"]})
        assert reply["Authenticated"] is True, reply
        return reply


@pytest.fixture
def connect_apex(apex):
    from websockets.sync.client import connect

    with contextlib.ExitStack() as opened:

        def open_connection(path: str = "/WSGateway/") -> Apex:
            url = apex["ws_url"].rsplit("/WSGateway/", 1)[0] + path
            return Apex(opened.enter_context(connect(url, open_timeout=5)))

        yield open_connection
