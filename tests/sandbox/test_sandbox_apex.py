"""The same fault rules reach the APEX WebSocket face: APEX-shaped errors, dropped sockets,
duplicated events."""

from __future__ import annotations

import json

import pytest
from sandbox_helpers import admin
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


class Frames:
    def __init__(self, ws) -> None:
        self.ws, self.i, self.events = ws, 0, []

    def call(self, name: str, payload: dict) -> dict:
        self.i += 2
        self.ws.send(json.dumps({"m": 0, "i": self.i, "n": name, "o": json.dumps(payload)}))
        while True:
            frame = json.loads(self.ws.recv(timeout=3))
            if frame["m"] == 3:
                self.events.append(frame)
                continue
            return json.loads(frame["o"])


@pytest.fixture
def apex(market):
    entry = market.manifest["alphapoint_apex"]
    trader = next(u for u in entry["users"] if u["name"] == "trader-1")
    with connect(entry["ws_url"], open_timeout=5) as ws:
        frames = Frames(ws)
        assert frames.call("AuthenticateUser", {"UserName": trader["username"],
                                                "Password": trader["password"]})["Authenticated"]
        yield frames, trader, entry
    with admin(market) as ops:
        ops.delete("/v1/admin/sandbox/faults")


def _order(trader, entry, coid: int) -> dict:
    return {"OMSId": 1, "AccountId": trader["account_id"], "InstrumentId": entry["instrument_id"],
            "Side": 0, "Quantity": "1", "OrderType": 2, "TimeInForce": 1, "LimitPrice": "100.00",
            "ClientOrderId": coid}


def test_an_injected_error_is_an_apex_error_reply_and_the_order_exists(market, apex):
    frames, trader, entry = apex
    with admin(market) as ops:
        ops.post("/v1/admin/sandbox/faults", json={
            "face": "alphapoint_apex", "operation": "place", "status": 503, "apply": True,
            "count": 1})
    reply = frames.call("SendOrder", _order(trader, entry, 55501))
    assert reply["result"] is False and reply["errorcode"] == 102  # APEX "Server Error"
    again = frames.call("SendOrder", _order(trader, entry, 55501))  # the retry finds it
    assert again["status"] == "Accepted"


def test_a_drop_rule_closes_the_socket(market, apex):
    frames, trader, entry = apex
    with admin(market) as ops:
        ops.post("/v1/admin/sandbox/faults", json={
            "effect": "drop", "face": "alphapoint_apex", "operation": "list", "count": 1})
    with pytest.raises(ConnectionClosed):
        frames.call("GetOpenOrders", {"OMSId": 1, "AccountId": trader["account_id"]})


def test_a_duplicate_event_rule_repeats_an_account_event(market, apex):
    frames, trader, entry = apex
    assert frames.call("SubscribeAccountEvents", {"OMSId": 1,
                                                  "AccountId": trader["account_id"]})
    with admin(market) as ops:
        ops.post("/v1/admin/sandbox/faults", json={
            "effect": "duplicate_event", "face": "alphapoint_apex", "count": 1})
    frames.call("SendOrder", _order(trader, entry, 55502))
    try:
        while len(frames.events) < 3:
            frames.events.append(json.loads(frames.ws.recv(timeout=1)))
    except TimeoutError:
        pass
    bodies = [f["o"] for f in frames.events]
    assert len(bodies) != len(set(bodies))  # one event was delivered twice
