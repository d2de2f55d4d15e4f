"""Simulated liquidity: marketable orders fill from the market makers' quotes, by depth."""

from __future__ import annotations

import time
from decimal import Decimal

import clearstreet
from sandbox_helpers import admin, client, coid, write


def _order(instrument: str, side: str, quantity: str, price: str, cid: str = "") -> dict:
    return {"account_id": 1, "instrument": instrument, "side": side, "type": "LIMIT",
            "quantity": quantity, "price": price, "time_in_force": "IOC",
            "client_order_id": cid or coid()}


def test_marketable_limit_fills_through_the_official_clear_street_client(market):
    cs = market.manifest["clear_street"]
    key = next(u["api_key"] for u in cs["users"] if u["name"] == "trader-1")
    with clearstreet.ClearStreet(api_key=key, base_url=cs["base_url"], max_retries=0,
                                 _strict_response_validation=True) as sdk:
        cid = coid("cs")
        placed = sdk.v1.orders.submit_orders(1, orders=[{
            "symbol": "MSFT", "side": "BUY", "order_type": "LIMIT", "quantity": "10",
            "limit_price": "425.00", "time_in_force": "GOOD_TILL_CANCEL", "id": cid}]).data[0]
        order = sdk.v1.orders.get_order_by_id(placed.id, account_id=1).data
        assert order.status == "FILLED"
        assert Decimal(order.filled_quantity) == 10
        assert Decimal(order.average_fill_price) < Decimal("425.00")  # the market maker's ask


def test_a_large_order_fills_by_depth_and_the_rest_is_left(market):
    with client(market) as http, admin(market) as ops:
        book = ops.get("/v1/admin/sandbox").json()["liquidity"]["markets"]["AAPL"]
        best_ask = Decimal(book["best_ask"])
        # five levels of 100 on the ask side: an IOC for 800 through all of them takes 500
        order = http.post("/v1/orders", json=_order("AAPL", "BUY", "800",
                                                      str(best_ask + 10))).json()
        assert order["status"] == "CANCELED"
        assert Decimal(order["filled_quantity"]) == 500
        fills = http.get("/v1/fills", params={"order_id": order["id"]}).json()["fills"]
        prices = sorted(Decimal(f["price"]) for f in fills)
        assert prices[0] == best_ask and len(set(prices)) == 5  # level by level, best first


def test_the_client_order_id_convention_fills_partially_fills_rejects_and_rests(market):
    with client(market) as http:
        def place(cid: str, price: str = "150.00") -> dict:
            body = {**_order("AAPL", "BUY", "100", price, cid), "time_in_force": "GTC"}
            return http.post("/v1/orders", json=body)

        full = place(coid("sbx-fill")).json()
        partial = place(coid("sbx-partial-30")).json()
        rejected = place(coid("sbx-reject"))
        resting = place(coid("sbx-nofill")).json()
        assert rejected.status_code == 422
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            f = http.get(f"/v1/orders/{full['id']}").json()
            p = http.get(f"/v1/orders/{partial['id']}").json()
            if f["status"] == "FILLED" and p["filled_quantity"] == "30":
                break
            time.sleep(0.05)
        assert f["status"] == "FILLED" and f["average_fill_price"].startswith("150.00")
        assert p["status"] == "PARTIALLY_FILLED" and p["leaves_quantity"] == "70"
        assert http.get(f"/v1/orders/{resting['id']}").json()["status"] == "NEW"


def test_the_same_seed_gives_the_same_fills(start, tmp_path):
    def fills_with(seed: int) -> list[tuple[str, str]]:
        scenario = write(tmp_path / f"seed{seed}.toml", f"""
seed = {seed}
[liquidity]
update_ms = 3600000
warmup_steps = 50
[liquidity.instruments.BTC-PERP]
reference_price = "65000.0"
volatility = 0.002
order_size = "0.2"
spread_ticks = 10
level_ticks = 7
""")
        venue = start("--liquidity", "on", "--scenario", str(scenario))
        with client(venue) as http:
            order = http.post("/v1/orders", json=_order("BTC-PERP", "BUY", "0.7", "99999.0")).json()
            fills = http.get("/v1/fills", params={"order_id": order["id"]}).json()["fills"]
        venue.stop()
        return sorted((f["price"], f["quantity"]) for f in fills)

    first, again, other = fills_with(11), fills_with(11), fills_with(12)
    assert first == again
    assert sum(Decimal(q) for _, q in first) == Decimal("0.7")
    assert first != other


def test_an_admin_fill_at_a_chosen_price(market):
    with client(market) as http, admin(market) as ops:
        order = http.post("/v1/orders", json={**_order("MSFT", "BUY", "10", "2.00"),
                                               "time_in_force": "GTC"}).json()
        worse = ops.post(f"/v1/admin/sandbox/orders/{order['id']}/fill",
                         json={"price": "2.01"})
        assert worse.status_code == 422
        filled = ops.post(f"/v1/admin/sandbox/orders/{order['id']}/fill",
                          json={"quantity": "4", "price": "1.95"}).json()
        assert (filled["status"], filled["filled_quantity"]) == ("PARTIALLY_FILLED", "4")
        assert filled["average_fill_price"].startswith("1.95")
        fills = http.get("/v1/fills", params={"order_id": order["id"]}).json()["fills"]
        assert [(f["price"], f["quantity"]) for f in fills] == [("1.95", "4")]
