"""Cut-off, NAV and settlement driven by the sandbox clock (native admin API), and the client
subscription WebSocket. One test walks the calendar forwards; it runs after the order tests
(file order), which never move the clock."""

from __future__ import annotations

import json
from decimal import ROUND_DOWN, Decimal

import pytest
from fondo_shapes import check_error, check_order, exact
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

CUTOFF_DESCRIPTION = "Order already sent to fund; cannot be canceled"


def _clock(admin, **body) -> dict:
    reply = admin.post("/v1/admin/clock", json=body)
    assert reply.status_code == 200, reply.text
    return reply.json()


def _order(partner, order_id: str):
    reply = partner.get(f"{partner.orders_path()}/{order_id}")
    assert reply.status_code == 200
    check_order(reply.json())
    return reply


def test_admin_clock_freezes_advances_and_refuses_bad_input(admin):
    frozen = _clock(admin, action="freeze")
    assert frozen["frozen"] is True
    assert admin.get("/v1/admin/clock").json()["time_ns"] == frozen["time_ns"]
    moved = _clock(admin, action="advance", seconds="1.5")
    assert moved["time_ns"] == frozen["time_ns"] + 1_500_000_000
    assert admin.post("/v1/admin/clock", json={"action": "advance"}).status_code == 400
    assert admin.post("/v1/admin/clock", json={"action": "rewind"}).status_code == 400
    assert admin.post("/v1/admin/clock", json={"action": "freeze"},
                      headers={"Authorization": "Bearer nope"}).status_code == 401


def test_cutoff_nav_and_settlement_follow_the_clock_and_stream(admin, partner1, fondo, token):
    # Monday 2027-03-15 14:00 Stockholm, one hour before the cut-off
    _clock(admin, action="set", time="2027-03-15T13:00:00Z")
    url = fondo["ws_url"].replace("{client_id}", partner1.client)
    with connect(url, additional_headers={"Authorization": f"Bearer {token(0)}"},
                 open_timeout=5) as ws:
        sub = partner1.create(partner1.subscription(1000, clientRef="life-sub")).json()
        red = partner1.create(partner1.redemption("10.5", clientRef="life-red")).json()
        kept = partner1.create(partner1.subscription(400, clientRef="life-cancel")).json()
        assert partner1.delete(kept["id"]).json()["status"] == "canceled"

        _clock(admin, action="advance", seconds="3601")  # 15:00:01: past the cut-off
        for order in (sub, red):
            assert _order(partner1, order["id"]).json()["status"] == "sent"
        refused = check_error(partner1.delete(sub["id"]), 400, "invalid_request")
        assert refused["error_description"] == CUTOFF_DESCRIPTION
        assert _order(partner1, sub["id"]).json()["status"] == "sent"  # unchanged
        assert _order(partner1, kept["id"]).json()["status"] == "canceled"

        nav = Decimal("111.1111")
        reply = admin.post("/v1/admin/funds/SE0012193019SEK/nav", json={"nav": str(nav)})
        assert reply.status_code == 200 and reply.json()["executed"] >= 2
        sub_now = exact(_order(partner1, sub["id"]))
        red_now = exact(_order(partner1, red["id"]))
        assert sub_now["units"] == (Decimal(1000) / nav).quantize(Decimal("1e-7"), ROUND_DOWN)
        assert sub_now["amount"] == 1000
        assert red_now["amount"] == (Decimal("10.5") * nav).quantize(Decimal("0.01"), ROUND_DOWN)
        assert red_now["units"] == Decimal("10.5")
        assert sub_now["status"] == red_now["status"] == "sent"  # executed, not yet settled

        # T+2 banking days: settles at Wednesday 2027-03-17 00:00 Stockholm (23:00Z Tuesday)
        _clock(admin, action="set", time="2027-03-16T22:59:59Z")
        assert _order(partner1, sub["id"]).json()["status"] == "sent"
        _clock(admin, action="advance", seconds="1")
        assert _order(partner1, sub["id"]).json()["status"] == "settled"
        assert _order(partner1, red["id"]).json()["status"] == "settled"

        messages = []
        while len([m for m in messages if m["current"]["id"] == sub["id"]]) < 4:
            message = json.loads(ws.recv(timeout=5))
            if message["event"] != "heartbeat":
                messages.append(message)
    trail = [m for m in messages if m["current"]["id"] == sub["id"]]
    assert [m["event"] for m in trail] == ["order.create"] + ["order.update"] * 3
    assert [m["current"]["status"] for m in trail] == ["pending", "sent", "sent", "settled"]
    assert [m["previous"]["status"] for m in trail[1:]] == ["pending", "sent", "sent"]
    assert trail[2]["previous"]["units"] == 0 and trail[2]["current"]["units"] > 0
    for message in trail:
        check_order(message["current"])
    canceled = [m for m in messages if m["current"]["id"] == kept["id"]]
    assert [m["current"]["status"] for m in canceled] == ["pending", "canceled"]
    assert canceled[1]["previous"]["status"] == "pending" and canceled[1]["current"]["canceledDate"]


def test_subscription_refuses_another_partners_client(fondo, partner2, token):
    url = fondo["ws_url"].replace("{client_id}", partner2.client)
    with pytest.raises(InvalidStatus) as refused, connect(
            url, additional_headers={"Authorization": f"Bearer {token(0)}"}, open_timeout=5):
        pass
    assert refused.value.response.status_code == 403
