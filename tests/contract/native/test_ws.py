"""WebSocket /ws: authentication, per-account events with sequence numbers, resume after a
reconnect, and cancel-on-disconnect."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from websockets.sync.client import connect

T1, T2 = "demo-trader-1-key", "demo-trader-2-key"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def receive(ws, timeout: float = 5.0) -> dict:
    return json.loads(ws.recv(timeout=timeout))


def events_until(ws, predicate, timeout: float = 5.0) -> list[dict]:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = receive(ws, deadline - time.monotonic())
        seen.append(message)
        if predicate(message):
            return seen
    raise AssertionError(f"not seen; got {seen}")


def place(http, key=T1, account_id=1, **extra) -> dict:
    body = {"account_id": account_id, "instrument": "MSFT", "side": "BUY", "type": "LIMIT",
            "quantity": "3", "price": "5.00", "client_order_id": uuid.uuid4().hex, **extra}
    response = http.post("/v1/orders", json=body, headers=bearer(key))
    assert response.status_code == 201, response.text
    return response.json()


def test_authentication_by_header_or_message(live_venue):
    with connect(live_venue.ws_url, additional_headers=bearer(T1)) as ws:
        hello = receive(ws)
        assert hello["type"] == "hello" and hello["user_id"] == 1 and hello["session_id"] > 0
    with connect(live_venue.ws_url) as ws:
        ws.send(json.dumps({"op": "subscribe", "account_id": 1}))
        assert receive(ws)["error"]["code"] == "UNAUTHENTICATED"
    with connect(live_venue.ws_url) as ws:
        ws.send(json.dumps({"op": "auth", "api_key": T1, "id": 7}))
        hello = receive(ws)
        assert hello["type"] == "hello" and hello["id"] == 7
        ws.send("not json")
        assert receive(ws)["error"]["code"] == "INVALID_REQUEST"
        ws.send(json.dumps({"op": "subscribe", "account_id": 2}))
        assert receive(ws)["error"]["code"] == "NOT_AUTHORIZED"
    with connect(live_venue.ws_url) as ws:
        ws.send(json.dumps({"op": "auth", "api_key": "wrong"}))
        assert receive(ws)["error"]["code"] == "UNAUTHENTICATED"


def test_live_events_carry_sequence_numbers_and_decimals(http, live_venue):
    with connect(live_venue.ws_url, additional_headers=bearer(T1)) as ws:
        receive(ws)
        ws.send(json.dumps({"op": "subscribe", "account_id": 1}))
        assert receive(ws)["type"] == "subscribed"
        order = place(http, price="5.25")
        http.delete(f"/v1/orders/{order['id']}", headers=bearer(T1))
        seen = events_until(ws, lambda m: m.get("event") == "OrderCanceled"
                            and m["order_id"] == order["id"])
        mine = [m for m in seen if m.get("order_id") == order["id"]]
        assert [m["event"] for m in mine] == ["OrderAccepted", "OrderCanceled"]
        accepted, canceled = mine
        assert accepted["price"] == "5.25" and accepted["quantity"] == "3"
        assert canceled["canceled_quantity"] == "3" and canceled["reason"] == "REQUESTED"
        assert accepted["seq"] < canceled["seq"]
        assert all(m["account_id"] == 1 for m in seen if m["type"] == "event")


def test_resume_from_sequence_after_reconnect_misses_nothing(http, live_venue):
    with connect(live_venue.ws_url, additional_headers=bearer(T1)) as ws:
        receive(ws)
        ws.send(json.dumps({"op": "subscribe", "account_id": 1}))
        receive(ws)
        first = place(http)
        last_seen = events_until(ws, lambda m: m.get("order_id") == first["id"])[-1]["seq"]
    # while disconnected: two more orders, one canceled, and another account's order
    missed = [place(http), place(http)]
    http.delete(f"/v1/orders/{missed[0]['id']}", headers=bearer(T1))
    place(http, key=T2, account_id=2)
    with connect(live_venue.ws_url, additional_headers=bearer(T1)) as ws:
        receive(ws)
        ws.send(json.dumps({"op": "subscribe", "account_id": 1, "since_seq": last_seen}))
        subscribed = receive(ws)
        assert subscribed["type"] == "subscribed" and subscribed["replayed"] >= 3
        replayed = [receive(ws) for _ in range(subscribed["replayed"])]
        seqs = [m["seq"] for m in replayed]
        assert seqs == sorted(seqs) and seqs[0] > last_seen
        assert all(m["account_id"] == 1 for m in replayed)
        got = [(m["event"], m["order_id"]) for m in replayed]
        assert ("OrderAccepted", missed[0]["id"]) in got
        assert ("OrderCanceled", missed[0]["id"]) in got
        assert ("OrderAccepted", missed[1]["id"]) in got
        # and the live stream continues after the replay
        live = place(http)
        events_until(ws, lambda m: m.get("order_id") == live["id"])
        ws.send(json.dumps({"op": "subscribe", "account_id": 1, "since_seq": 10**12}))
        # (already subscribed is reported before the resume point is looked at)
        assert receive(ws)["type"] == "error"
    with connect(live_venue.ws_url, additional_headers=bearer(T1)) as ws:
        receive(ws)
        ws.send(json.dumps({"op": "subscribe", "account_id": 1, "since_seq": 10**12}))
        assert receive(ws)["error"]["code"] == "RESUME_UNAVAILABLE"


def _status(http, order_id: int) -> str:
    return http.get(f"/v1/orders/{order_id}", headers=bearer(T1)).json()["status"]


def test_cancel_on_disconnect_cancels_only_that_sessions_orders(http, live_venue):
    with connect(live_venue.ws_url + "?cancel_on_disconnect=true",
                 additional_headers=bearer(T1)) as ws:
        hello = receive(ws)
        assert hello["cancel_on_disconnect"] is True
        session = hello["session_id"]
        in_session = place(http, session_id=session)
        # an instrument no other test rests orders on, so only this taker can fill it
        filled_part = place(http, session_id=session, instrument="BTC-PERP", side="SELL",
                            price="90000.0", quantity="4")
        place(http, key=T2, account_id=2, instrument="BTC-PERP", side="BUY", price="90000.0",
              quantity="1", time_in_force="IOC")
        outside = place(http)
    # leaving the block dropped the connection
    deadline = time.monotonic() + 5
    while _status(http, in_session["id"]) != "CANCELED" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _status(http, in_session["id"]) == "CANCELED"
    partly = http.get(f"/v1/orders/{filled_part['id']}", headers=bearer(T1)).json()
    assert (partly["status"], partly["filled_quantity"], partly["done_reason"]) == (
        "CANCELED", "1.0000", "DISCONNECT")
    assert _status(http, outside["id"]) == "NEW"
    # the closed session can no longer tag orders
    body = {"account_id": 1, "instrument": "MSFT", "side": "BUY", "type": "LIMIT",
            "quantity": "1", "price": "5.00", "session_id": session}
    refused = http.post("/v1/orders", json=body, headers=bearer(T1))
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "UNKNOWN_SESSION"


def test_without_cancel_on_disconnect_orders_survive_the_drop(http, live_venue):
    with connect(live_venue.ws_url, additional_headers=bearer(T1)) as ws:
        hello = receive(ws)
        order = place(http, session_id=hello["session_id"])
    time.sleep(0.3)
    assert _status(http, order["id"]) == "NEW"


def test_another_users_session_cannot_be_used(http, live_venue):
    with connect(live_venue.ws_url, additional_headers=bearer(T2)) as ws:
        session = receive(ws)["session_id"]
        body = {"account_id": 1, "instrument": "MSFT", "side": "BUY", "type": "LIMIT",
                "quantity": "1", "price": "5.00", "session_id": session}
        response = http.post("/v1/orders", json=body, headers=bearer(T1))
        assert response.status_code == 400


@pytest.mark.parametrize("enabled", [True, False])
def test_cancel_on_disconnect_can_be_switched_per_connection(http, live_venue, enabled):
    with connect(live_venue.ws_url, additional_headers=bearer(T1)) as ws:
        session = receive(ws)["session_id"]
        ws.send(json.dumps({"op": "cancel_on_disconnect", "enabled": enabled}))
        assert receive(ws)["enabled"] is enabled
        order = place(http, session_id=session)
    expected = "CANCELED" if enabled else "NEW"
    deadline = time.monotonic() + 3
    while _status(http, order["id"]) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    assert _status(http, order["id"]) == expected
