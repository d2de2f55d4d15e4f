"""Fault injection: venue-shaped errors with or without the command applied, counted rules,
delayed cancels that race fills — through the official Clear Street client and the native API."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import clearstreet
from finance_dev import FinanceDev, models
import pytest
from sandbox_helpers import admin, client, coid
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


@pytest.fixture(autouse=True)
def no_rules_left(market):
    yield
    with admin(market) as ops:
        ops.delete("/v1/admin/sandbox/faults")


def _sdk(venue):
    cs = venue.manifest["clear_street"]
    key = next(u["api_key"] for u in cs["users"] if u["name"] == "trader-1")
    return clearstreet.ClearStreet(api_key=key, base_url=cs["base_url"], max_retries=0,
                                   _strict_response_validation=True)


def _resting(http, quantity: str = "100", price: str = "150.00") -> dict:
    response = http.post("/v1/orders", json={
        "account_id": 1, "instrument": "AAPL", "side": "BUY", "type": "LIMIT",
        "quantity": quantity, "price": price, "client_order_id": coid()})
    assert response.status_code == 201, response.text
    return response.json()


def test_an_injected_503_after_applying_is_then_visible_on_get(market):
    with admin(market) as ops:
        rule = ops.post("/v1/admin/sandbox/faults", json={
            "face": "clear_street", "operation": "place", "status": 503, "apply": True,
            "count": 1}).json()
    cid = coid("cs")
    with _sdk(market) as sdk:
        with pytest.raises(clearstreet.APIStatusError) as failed:
            sdk.v1.orders.submit_orders(1, orders=[{
                "symbol": "AAPL", "side": "BUY", "order_type": "LIMIT", "quantity": "3",
                "limit_price": "101.00", "time_in_force": "GOOD_TILL_CANCEL", "id": cid}])
        assert failed.value.status_code == 503
        assert failed.value.body["error"]["code"] == 503  # the venue's own envelope
        order = sdk.v1.orders.get_order_by_id(cid, account_id=1).data  # "timed out but happened"
        assert order.status == "NEW" and order.quantity == "3"
    with admin(market) as ops:
        assert ops.get("/v1/admin/sandbox/faults").json()["rules"][0]["fired"] == 1
        assert rule["id"] == ops.get("/v1/admin/sandbox/faults").json()["rules"][0]["id"]


def test_an_injected_error_without_applying_changes_nothing(market):
    with admin(market) as ops:
        ops.post("/v1/admin/sandbox/faults", json={"face": "native", "operation": "place",
                                                   "status": 500, "count": 1})
    with client(market) as http:
        cid = coid()
        response = http.post("/v1/orders", json={
            "account_id": 1, "instrument": "AAPL", "side": "BUY", "type": "LIMIT",
            "quantity": "1", "price": "100.00", "client_order_id": cid})
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "INTERNAL_ERROR"
        assert http.get(f"/v1/accounts/1/client-orders/{cid}").status_code == 404


def _injected(http, face: str, operation: str, fault: str) -> int:
    prefix = f'openvenue_faults_injected_total{{face="{face}",operation="{operation}",fault="{fault}"}} '
    for line in http.get("/metrics").text.splitlines():
        if line.startswith(prefix):
            return int(line[len(prefix):])
    return 0


def test_a_rule_with_count_n_fires_exactly_n_times(market):
    with client(market) as http:
        before = _injected(http, "native", "place", "error")
    with admin(market) as ops:
        ops.post("/v1/admin/sandbox/faults", json={"face": "native", "operation": "place",
                                                   "status": 429, "count": 3})
    with client(market) as http:
        statuses = [http.post("/v1/orders", json={
            "account_id": 1, "instrument": "AAPL", "side": "BUY", "type": "LIMIT",
            "quantity": "1", "price": "100.00", "client_order_id": coid()}).status_code
            for _ in range(6)]
        assert statuses == [429, 429, 429, 201, 201, 201]
        assert _injected(http, "native", "place", "error") - before == 3
    with admin(market) as ops:
        assert ops.get("/v1/admin/sandbox/faults").json()["rules"][0]["fired"] == 3


@pytest.mark.parametrize("fill", ["40", "100"])
def test_a_delayed_cancel_races_a_fill_and_ends_exactly_once(market, fill):
    with admin(market) as ops, client(market) as http:
        ops.post("/v1/admin/sandbox/faults", json={
            "effect": "delay_cancel", "face": "native", "operation": "cancel", "delay_ms": 600})
        order = _resting(http)
        ack = http.delete(f"/v1/orders/{order['id']}").json()
        assert ack["status"] == "PENDING_CANCEL"
        # the fill arrives while the cancel is in flight
        filled = ops.post(f"/v1/admin/sandbox/orders/{order['id']}/fill", json={"quantity": fill})
        assert filled.status_code == 200, filled.text
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            final = http.get(f"/v1/orders/{order['id']}").json()
            if final["status"] not in ("PENDING_CANCEL",):
                break
            time.sleep(0.05)
        if fill == "100":
            assert final["status"] == "FILLED"  # the cancel was too late
            assert http.delete(f"/v1/orders/{order['id']}").json()["error"]["code"] \
                == "TOO_LATE_TO_CANCEL"
        else:
            assert final["status"] == "CANCELED"
        assert Decimal(final["filled_quantity"]) == Decimal(fill)
        assert Decimal(final["leaves_quantity"]) == 0
        with _sdk(market) as sdk:  # the same order, the same quantities, through another face
            seen = sdk.v1.orders.get_order_by_id(final["uuid"], account_id=1).data
        assert seen.status == final["status"]
        assert Decimal(seen.filled_quantity) == Decimal(fill)
        assert Decimal(seen.leaves_quantity) == 0
        aries = market.manifest["aries"]  # and through a third, with its own ids and statuses
        user = next(u for u in aries["users"] if u["name"] == "trader-1")
        rows = FinanceDev(server_url=aries["base_url"], security=models.Security(
            client_id=user["client_id"], client_secret=user["client_secret"],
            token_url=aries["token_url"])).orders.list_active_orders(
            id=user["account_id"], limit=500).get_orders_v2_response.orders
        row = next(r for r in rows if r.cl_ord_id == f"ORD-{final['ulid']}")  # Aries' clOrdId
        assert (row.ord_status, Decimal(row.cum_qty), Decimal(row.leaves_qty)) == (
            final["status"], Decimal(fill), 0)


def test_a_dropped_native_websocket_resumes_without_losing_the_event(market):
    with admin(market) as ops:
        ops.post("/v1/admin/sandbox/faults", json={
            "face": "native", "operation": "websocket", "effect": "drop", "count": 1})
    ws_url = market.manifest["native"]["ws_url"]
    auth = {"Authorization": "Bearer demo-trader-1-key"}
    with client(market) as http:
        with connect(ws_url, additional_headers=auth) as ws:
            json.loads(ws.recv(timeout=5))
            ws.send(json.dumps({"op": "subscribe", "account_id": 1}))
            subscribed = json.loads(ws.recv(timeout=5))
            order = http.post("/v1/orders", json={
                "account_id": 1, "instrument": "MSFT", "side": "BUY", "type": "LIMIT",
                "quantity": "1", "price": "1.00", "client_order_id": coid("drop")}).json()
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    ws.recv(timeout=5)
            assert closed.value.rcvd.code == 1011
        with connect(ws_url, additional_headers=auth) as ws:
            json.loads(ws.recv(timeout=5))
            ws.send(json.dumps({"op": "subscribe", "account_id": 1,
                                "since_seq": subscribed["seq"]}))
            resumed = json.loads(ws.recv(timeout=5))
            replayed = [json.loads(ws.recv(timeout=5)) for _ in range(resumed["replayed"])]
            assert any(m.get("order_id") == order["id"] and m["event"] == "OrderAccepted"
                       for m in replayed)
    with admin(market) as ops:
        assert ops.get("/v1/admin/sandbox/faults").json()["rules"][0]["fired"] == 1


def test_an_out_of_order_event_arrives_after_the_next_one(market):
    with admin(market) as ops:
        ops.post("/v1/admin/sandbox/faults", json={
            "face": "native", "operation": "websocket", "effect": "reorder_event", "count": 1})
    # account 2: no other test of this module leaves events of it in flight (delayed cancels)
    auth = {"Authorization": "Bearer demo-trader-2-key"}
    with client(market, "demo-trader-2-key") as http, connect(market.manifest["native"]["ws_url"],
                                         additional_headers=auth) as ws:
        json.loads(ws.recv(timeout=5))
        ws.send(json.dumps({"op": "subscribe", "account_id": 2}))
        json.loads(ws.recv(timeout=5))
        ids = [http.post("/v1/orders", json={
            "account_id": 2, "instrument": "MSFT", "side": "BUY", "type": "LIMIT",
            "quantity": "1", "price": "1.00", "client_order_id": coid("late")}).json()["id"]
            for _ in range(2)]
        seqs = []
        while len(seqs) < 2:
            message = json.loads(ws.recv(timeout=5))
            if message.get("event") == "OrderAccepted" and message["order_id"] in ids:
                seqs.append(message["seq"])
        assert seqs[0] > seqs[1]  # the first acceptance was held back behind the second
