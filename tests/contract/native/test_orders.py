"""Every native order endpoint against a real server: success cases and their errors."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC

import pytest

T1, T2, OPERATOR, VIEWER = ("demo-trader-1-key", "demo-trader-2-key", "demo-operator-key",
                            "demo-viewer-1-key")
_ids = itertools.count()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def coid(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}-{next(_ids)}"


def place(http, key=T1, **fields):
    body = {"account_id": 1, "instrument": "MSFT", "side": "BUY", "type": "LIMIT",
            "quantity": "5", "price": "10.00", "client_order_id": coid()}
    body.update(fields)
    return http.post("/v1/orders", json=body, headers=bearer(key))


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    assert body["error"]["request_id"] == response.headers["x-request-id"]
    return body["error"]


def test_place_returns_the_order_with_exact_decimals(http):
    response = place(http, price="10.50", quantity="7")
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "NEW"
    assert (order["price"], order["quantity"], order["leaves_quantity"]) == ("10.50", "7", "7")
    assert order["filled_quantity"] == "0" and order["average_fill_price"] is None
    for field in ("id", "uuid", "ulid", "client_order_id", "account_id", "instrument", "side",
                  "type", "time_in_force", "created_at", "updated_at"):
        assert order[field] is not None
    assert order["created_at"].endswith("Z")


def test_place_retry_with_same_client_order_id_returns_the_original(http):
    cid = coid()
    first = place(http, client_order_id=cid)
    again = place(http, client_order_id=cid)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    different = place(http, client_order_id=cid, price="11.00")
    assert_error(different, 409, "DUPLICATE_CLIENT_ORDER_ID")


def test_get_order_by_id_uuid_ulid_and_client_order_id(http):
    order = place(http).json()
    for ref in (order["id"], order["uuid"], order["ulid"]):
        got = http.get(f"/v1/orders/{ref}", headers=bearer(T1))
        assert got.status_code == 200 and got.json()["id"] == order["id"]
    by_coid = http.get(f"/v1/accounts/1/client-orders/{order['client_order_id']}", headers=bearer(T1))
    assert by_coid.json()["id"] == order["id"]
    assert_error(http.get("/v1/orders/999999999", headers=bearer(T1)), 404, "UNKNOWN_ORDER")
    assert_error(http.get(f"/v1/orders/{uuid.uuid4()}", headers=bearer(T1)), 404, "UNKNOWN_ORDER")
    assert_error(http.get("/v1/orders/not-an-id", headers=bearer(T1)), 404, "UNKNOWN_ORDER")
    assert_error(http.get("/v1/accounts/1/client-orders/nope", headers=bearer(T1)), 404,
                 "UNKNOWN_ORDER")


def test_cancel_by_id_keeps_fills_and_second_cancel_is_too_late(http):
    resting = place(http, instrument="AAPL", side="SELL", quantity="10", price="300.00").json()
    taker = place(http, key=T2, account_id=2, instrument="AAPL", side="BUY", quantity="4",
                  price="300.00", time_in_force="IOC")
    assert taker.json()["status"] == "FILLED"
    canceled = http.delete(f"/v1/orders/{resting['id']}", headers=bearer(T1))
    assert canceled.status_code == 200
    body = canceled.json()
    assert body["status"] == "CANCELED"
    assert (body["filled_quantity"], body["leaves_quantity"], body["average_fill_price"]) == (
        "4", "0", "300.00000000")
    again = http.delete(f"/v1/orders/{resting['id']}", headers=bearer(T1))
    assert_error(again, 409, "TOO_LATE_TO_CANCEL")
    fills = http.get("/v1/fills", params={"order_id": resting["id"]}, headers=bearer(T1)).json()
    assert [(f["price"], f["quantity"], f["liquidity"]) for f in fills["fills"]] == [
        ("300.00", "4", "MAKER")]


def test_cancel_by_client_order_id(http):
    order = place(http).json()
    response = http.delete(f"/v1/accounts/1/client-orders/{order['client_order_id']}",
                           headers=bearer(T1))
    assert response.status_code == 200 and response.json()["status"] == "CANCELED"
    assert_error(http.delete("/v1/accounts/1/client-orders/never-placed", headers=bearer(T1)),
                 404, "UNKNOWN_ORDER")


def test_list_open_closed_all_with_filters_and_cursor(http):
    mine = [place(http, instrument="BTC-USDC", price="100.00", quantity="0.5").json()
            for _ in range(5)]
    http.delete(f"/v1/orders/{mine[0]['id']}", headers=bearer(T1))
    params = {"account_id": 1, "instrument": "BTC-USDC"}
    open_ids = [o["id"] for o in http.get("/v1/orders", params=params, headers=bearer(T1)).json()["orders"]]
    assert set(o["id"] for o in mine[1:]) <= set(open_ids) and mine[0]["id"] not in open_ids
    closed = http.get("/v1/orders", params={**params, "status": "closed"}, headers=bearer(T1)).json()
    assert mine[0]["id"] in [o["id"] for o in closed["orders"]]
    # two at a time, newest first, until the cursor runs out
    seen, cursor = [], None
    while True:
        page = http.get("/v1/orders", params={**params, "status": "all", "limit": 2,
                                              **({"cursor": cursor} if cursor else {})},
                        headers=bearer(T1)).json()
        seen += [o["id"] for o in page["orders"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen))
    assert set(o["id"] for o in mine) <= set(seen)
    assert_error(http.get("/v1/orders", params={"status": "weird"}, headers=bearer(T1)), 400,
                 "INVALID_REQUEST")
    assert_error(http.get("/v1/orders", params={"limit": 0}, headers=bearer(T1)), 400,
                 "INVALID_REQUEST")
    assert_error(http.get("/v1/orders", params={"account_id": 2}, headers=bearer(T1)), 403,
                 "NOT_AUTHORIZED")


def test_replace_changes_price_and_quantity(http):
    order = place(http, price="20.00", quantity="10").json()
    smaller = http.patch(f"/v1/orders/{order['id']}", json={"quantity": "6"}, headers=bearer(T1))
    assert smaller.status_code == 200 and smaller.json()["quantity"] == "6"
    repriced = http.patch(f"/v1/orders/{order['uuid']}", json={"price": "21.00"}, headers=bearer(T1))
    assert repriced.json()["price"] == "21.00"
    new = http.patch(f"/v1/orders/{order['id']}", json={"price": "22.00", "as_new_order": True},
                     headers=bearer(T1)).json()
    assert new["id"] != order["id"] and new["replaces"] == order["id"]
    old = http.get(f"/v1/orders/{order['id']}", headers=bearer(T1)).json()
    assert old["status"] == "REPLACED" and old["replaced_by"] == new["id"]
    assert_error(http.patch(f"/v1/orders/{new['id']}", json={}, headers=bearer(T1)), 422,
                 "NOTHING_TO_CHANGE")
    assert_error(http.patch(f"/v1/orders/{new['id']}", json={"price": "22.005"},
                            headers=bearer(T1)), 422, "INVALID_PRICE_INCREMENT")
    assert_error(http.patch("/v1/orders/99999999", json={"price": "1.00"}, headers=bearer(T1)),
                 404, "UNKNOWN_ORDER")


def test_cancel_all_reports_each_order(http):
    placed = {place(http, instrument="ETH-PERP", price=price, quantity="0.1",
                    side=side).json()["id"]
              for side, price in (("BUY", "2000.00"), ("BUY", "2000.00"), ("SELL", "2100.00"))}
    response = http.delete("/v1/orders", params={"account_id": 1, "instrument": "ETH-PERP",
                                                 "side": "BUY"}, headers=bearer(T1))
    assert response.status_code == 200
    results = response.json()["results"]
    assert all(r["canceled"] and r["error"] is None and r["order"]["status"] == "CANCELED"
               for r in results)
    canceled = {r["order"]["id"] for r in results}
    assert len(canceled & placed) == 2
    still_open = http.get("/v1/orders", params={"account_id": 1, "instrument": "ETH-PERP"},
                          headers=bearer(T1)).json()["orders"]
    assert [o["side"] for o in still_open if o["id"] in placed] == ["SELL"]
    assert_error(http.delete("/v1/orders", params={"account_id": 2}, headers=bearer(T1)), 403,
                 "NOT_AUTHORIZED")


def test_business_rejections_have_their_status(http):
    assert_error(place(http, price="10.001"), 422, "INVALID_PRICE_INCREMENT")
    assert_error(place(http, quantity="-5"), 422, "INVALID_QUANTITY")
    assert_error(place(http, quantity="0.5"), 422, "INVALID_QUANTITY_INCREMENT")
    assert_error(place(http, quantity="1e30"), 422, "INVALID_QUANTITY")
    assert_error(place(http, price="99999999999999999999999"), 422, "INVALID_PRICE")
    assert_error(place(http, price="NaN"), 400, "INVALID_REQUEST")
    assert_error(place(http, instrument="NOPE"), 422, "UNKNOWN_INSTRUMENT")
    assert_error(place(http, type="MARKET", price=None, time_in_force="GTC"), 422,
                 "INVALID_TIME_IN_FORCE")
    assert_error(place(http, time_in_force="GTD", expire_time="2001-01-01T00:00:00Z"), 422,
                 "INVALID_EXPIRE_TIME")
    assert_error(place(http, time_in_force="GTD", expire_time="tomorrow"), 400, "INVALID_REQUEST")


def test_gtd_order_expires_without_any_traffic(http):
    import time
    from datetime import datetime, timedelta

    expire = (datetime.now(UTC) + timedelta(milliseconds=300)).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")
    order = place(http, time_in_force="GTD", expire_time=expire).json()
    assert order["status"] == "NEW" and order["expire_time"].startswith(expire[:19])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        status = http.get(f"/v1/orders/{order['id']}", headers=bearer(T1)).json()["status"]
        if status == "EXPIRED":
            return
        time.sleep(0.1)
    pytest.fail("the GTD order did not expire")


def test_fund_subscription_by_amount(http):
    response = place(http, key="demo-fund-trader-key", account_id=3,
                     instrument="SE0012193019SEK", type="MARKET", quantity=None, price=None,
                     cash_amount="1000.00")
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["cash_amount"] == "1000.00" and order["status"] == "NEW"


def test_reference_data(http):
    instruments = http.get("/v1/instruments", headers=bearer(T1)).json()["instruments"]
    by_symbol = {i["symbol"]: i for i in instruments}
    assert {"AAPL", "MSFT", "AAPL  270115C00200000", "BTC-PERP", "ETH-PERP", "BTC-USDC",
            "SE0012193019SEK", "SE0007091236SEK"} <= set(by_symbol)
    assert by_symbol["BTC-PERP"]["lot_size"] == "0.0001"
    option = http.get("/v1/instruments/AAPL%20%20270115C00200000", headers=bearer(T1)).json()
    assert (option["put_call"], option["strike"], option["expiry"]) == ("CALL", "200", "2027-01-15")
    assert_error(http.get("/v1/instruments/NOPE", headers=bearer(T1)), 404, "UNKNOWN_INSTRUMENT")
    accounts = http.get("/v1/accounts", headers=bearer(T1)).json()["accounts"]
    assert [a["id"] for a in accounts] == [1]
    everyone = http.get("/v1/accounts", headers=bearer(OPERATOR)).json()["accounts"]
    assert {1, 2, 3} <= {a["id"] for a in everyone}
