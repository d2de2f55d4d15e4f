"""The venue clock (``/v1/admin/clock``) drives DAY expiry; market hours follow it too."""

from __future__ import annotations

from sandbox_helpers import admin, client, coid


def _place(http, tif: str = "DAY"):
    return http.post("/v1/orders", json={
        "account_id": 1, "instrument": "AAPL", "side": "BUY", "type": "LIMIT", "quantity": "1",
        "price": "100.00", "time_in_force": tif, "client_order_id": coid()})


def test_advancing_the_clock_expires_a_day_order(market):
    with admin(market) as ops, client(market) as http:
        # Tuesday 15:59:58 in New York: two seconds before the close
        ops.post("/v1/admin/clock", json={"action": "set", "time": "2026-01-06T20:59:58Z"})
        ops.post("/v1/admin/clock", json={"action": "freeze"})
        order = _place(http).json()
        assert order["status"] == "NEW"
        ops.post("/v1/admin/clock", json={"action": "advance", "seconds": "5"})
        assert http.get(f"/v1/orders/{order['id']}").json()["status"] == "EXPIRED"


def test_outside_market_hours_equities_are_refused(start):
    venue = start("--liquidity", "off", "--market-hours", "regular")
    with admin(venue) as ops, client(venue) as http:
        ops.post("/v1/admin/clock", json={"action": "set", "time": "2026-01-06T23:00:00Z"})
        refused = _place(http, "GTC")
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "INSTRUMENT_NOT_TRADING"
        ops.post("/v1/admin/clock", json={"action": "set", "time": "2026-01-07T15:00:00Z"})
        assert _place(http, "GTC").status_code == 201
        btc = http.post("/v1/orders", json={
            "account_id": 1, "instrument": "BTC-PERP", "side": "BUY", "type": "LIMIT",
            "quantity": "0.001", "price": "1000.0", "client_order_id": coid()})
        assert btc.status_code == 201  # crypto trades around the clock
