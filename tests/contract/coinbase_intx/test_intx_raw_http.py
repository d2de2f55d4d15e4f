"""What the SDK cannot send, over raw HTTP: signed bodies on DELETE, content types, JSON
numbers, unknown keys, and every way a signature can be wrong — all in the venue's shapes."""

from __future__ import annotations

import json
import time

import pytest

UNAUTHORIZED = {"title": "Unauthorized", "status": 401}
BRR = "io.javalin.http.BadRequestResponse: "  # the venue's prefix of 400 titles


def place(intx, *, name: str = "trader-1", **fields) -> dict:
    body = {"client_order_id": intx.cid(), "side": "BUY", "size": "0.001", "tif": "GTC",
            "instrument": "BTC-PERP", "type": "LIMIT", "price": "600",
            "portfolio": intx.portfolio(name), **fields}
    response = intx.request("POST", "/api/v1/orders", body, name=name)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("content_type", [None, "application/json", "application/octet-stream"])
def test_delete_with_a_signed_json_body(intx, content_type):
    order = place(intx)
    body = json.dumps({"portfolio": intx.portfolio()}, separators=(",", ":")).encode()
    response = intx.request("DELETE", f"/api/v1/orders/{order['order_id']}", body,
                            content_type=content_type)
    assert response.status_code == 200, response.text
    assert (response.json()["order_status"], response.json()["event_type"]) == ("DONE", "CANCELED")


def test_delete_without_a_portfolio_is_a_bad_request(intx):
    order = place(intx)
    response = intx.request("DELETE", f"/api/v1/orders/{order['order_id']}")
    assert response.status_code == 400
    assert response.json() == {"title": BRR + "portfolio is a required field", "status": 400}
    assert order["order_id"] in intx.open_order_ids()
    response = intx.request("DELETE", f"/api/v1/orders?portfolio={intx.portfolio()}",
                            {"instrument": "BTC-PERP"})  # query and body together
    assert order["order_id"] in {o["order_id"] for o in response.json()}


def test_numbers_for_prices_and_unknown_keys(intx):
    order = place(intx, price=650.5, size=0.002, post_only=True, close_only="false",
                  instrument="BTC/USDC:USDC", some_future_field={"nested": [1, 2]},
                  user="ignored")
    assert (order["price"], order["size"], order["post_only"]) == ("650.5", "0.002", True)
    assert order["symbol"] == "BTC-PERP"  # BASE/QUOTE:SETTLE names the perpetual
    # a decimal no float can hold exactly is refused as off the tick grid, never rounded
    body = {"client_order_id": intx.cid(), "side": "BUY", "size": 0.001, "tif": "GTC",
            "instrument": "BTC-PERP", "type": "LIMIT", "price": 650.10000000000000001,
            "portfolio": intx.portfolio()}
    raw = json.dumps(body).replace("650.1", "650.10000000000000001").encode()
    response = intx.request("POST", "/api/v1/orders", raw)
    assert response.status_code == 400
    assert "Order rejected (INVALID_PRICE" in response.json()["title"]
    modified = intx.request("PUT", f"/api/v1/orders/{order['order_id']}",
                            {"client_order_id": order["client_order_id"],
                             "portfolio": intx.portfolio(), "price": 651, "extra": True})
    assert modified.status_code == 200, modified.text
    assert modified.json()["price"] == "651"
    intx.request("DELETE", f"/api/v1/orders/{order['order_id']}?portfolio={intx.portfolio()}")


def test_the_order_object_has_exactly_the_sdk_keys(intx):
    order = place(intx)
    assert len(order) == 30 and "title" not in order
    assert order["order_status"] == "WORKING" and order["stp_mode"] == "BOTH"
    assert order["expire_time"] is None and order["algo_strategy"] is None
    got = intx.request("GET", f"/api/v1/orders/{order['order_uuid']}?portfolio="
                              f"{intx.user()['portfolio_uuid']}")
    assert got.status_code == 200 and got.json()["order_id"] == order["order_id"]
    intx.request("DELETE", f"/api/v1/orders/{order['order_id']}?portfolio={intx.portfolio()}")


def test_compact_and_spaced_json_both_verify(intx):
    for separators in ((",", ":"), (", ", ": ")):
        body = {"client_order_id": intx.cid(), "side": "BUY", "size": "0.001", "tif": "GTC",
                "instrument": "BTC-PERP", "type": "LIMIT", "price": "601"}
        raw = json.dumps(body, separators=separators).encode()
        response = intx.request("POST", "/api/v1/orders", raw)
        assert response.status_code == 200, response.text
        assert response.json()["portfolio_id"] == intx.portfolio()  # the default portfolio
        intx.request("DELETE", f"/api/v1/orders/{response.json()['order_id']}"
                               f"?portfolio={intx.portfolio()}")


def _refused_and_unchanged(intx, response, coid: str) -> None:
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    listed = intx.request("GET", f"/api/v1/orders?portfolio={intx.portfolio()}"
                                 f"&client_order_id={coid}")
    assert listed.json()["results"] == []


def _order_body(intx) -> dict:
    return {"client_order_id": intx.cid(), "side": "BUY", "size": "0.001", "tif": "GTC",
            "instrument": "BTC-PERP", "type": "LIMIT", "price": "602",
            "portfolio": intx.portfolio()}


def test_stale_and_future_timestamps_are_unauthorized(intx):
    for skew in (-120, 120):
        body = _order_body(intx)
        response = intx.request("POST", "/api/v1/orders", body,
                                timestamp=int(time.time()) + skew)
        _refused_and_unchanged(intx, response, body["client_order_id"])


def test_signature_over_a_different_body_is_unauthorized(intx):
    body = _order_body(intx)
    raw = json.dumps(body).encode()
    other = json.dumps({**body, "price": "1"}).encode()
    headers = intx.headers("POST", "/api/v1/orders", raw, signed_body=other,
                           content_type="application/json")
    response = intx.http.post("/api/v1/orders", content=raw, headers=headers)
    _refused_and_unchanged(intx, response, body["client_order_id"])
    # the same body re-serialised differently is a different body too
    spaced = json.dumps(body, separators=(", ", ": ")).encode()
    compact = json.dumps(body, separators=(",", ":")).encode()
    headers = intx.headers("POST", "/api/v1/orders", compact, signed_body=spaced,
                           content_type="application/json")
    response = intx.http.post("/api/v1/orders", content=compact, headers=headers)
    _refused_and_unchanged(intx, response, body["client_order_id"])


def test_bad_passphrase_unknown_key_and_missing_headers_are_unauthorized(intx):
    body = _order_body(intx)
    response = intx.request("POST", "/api/v1/orders", body, passphrase="not-the-passphrase")
    _refused_and_unchanged(intx, response, body["client_order_id"])
    raw = json.dumps(body).encode()
    headers = intx.headers("POST", "/api/v1/orders", raw)
    for missing in ("CB-ACCESS-KEY", "CB-ACCESS-PASSPHRASE", "CB-ACCESS-TIMESTAMP",
                    "CB-ACCESS-SIGN"):
        partial = {k: v for k, v in headers.items() if k != missing}
        _refused_and_unchanged(intx, intx.http.post("/api/v1/orders", content=raw,
                                                    headers=partial), body["client_order_id"])
    unknown = {**headers, "CB-ACCESS-KEY": "no-such-key"}
    _refused_and_unchanged(intx, intx.http.post("/api/v1/orders", content=raw, headers=unknown),
                           body["client_order_id"])
    fractional = intx.headers("POST", "/api/v1/orders", raw, timestamp=None)
    fractional["CB-ACCESS-TIMESTAMP"] += ".5"
    _refused_and_unchanged(intx, intx.http.post("/api/v1/orders", content=raw,
                                                headers=fractional), body["client_order_id"])


def test_signature_covers_method_and_path_but_not_the_query(intx):
    path = f"/api/v1/orders?portfolio={intx.portfolio()}"
    headers = intx.headers("GET", "/api/v1/orders")  # signed without the query
    assert intx.http.get(path, headers=headers).status_code == 200
    wrong_method = intx.headers("POST", "/api/v1/orders")
    assert intx.http.get(path, headers=wrong_method).json() == UNAUTHORIZED
    wrong_path = intx.headers("GET", "/api/v1/portfolios")
    assert intx.http.get(path, headers=wrong_path).json() == UNAUTHORIZED


def test_public_endpoints_need_no_headers(intx):
    for path in ("/api/v1/instruments", "/api/v1/instruments/ETH-PERP", "/api/v1/assets",
                 "/api/v1/assets/BTC"):
        response = intx.http.get(path)
        assert response.status_code == 200, (path, response.text)
    assert intx.http.get("/api/v1/instruments/AAPL").json() == {"title": "Not Found",
                                                                 "status": 404}
    for private in ("/api/v1/portfolios", "/api/v1/orders", "/api/v1/portfolios/fills"):
        assert intx.http.get(private).json() == UNAUTHORIZED


def test_malformed_requests_get_the_venue_envelope_and_change_nothing(intx):
    before = intx.open_order_ids()
    def body(**fields) -> bytes:
        return json.dumps({**_order_body(intx), **fields}).encode()

    cases = [
        (b"{not json", BRR + "Invalid JSON"),
        (b"[1, 2]", BRR + "Invalid JSON"),
        (b"", BRR + "Invalid JSON"),
        (b'{"side": "BUY"}', BRR + "client_order_id is a required field"),
        (body(tif=None), BRR + "tif is a required field"),
        (body(side="SIDEWAYS"), BRR + "Invalid value for side"),
        (body(price=True), BRR + "Invalid value for price"),
        (body(post_only="maybe"), BRR + "Invalid value for post_only: expected true or false"),
        (body(instrument="AAPL"),
         BRR + "Order rejected (UNKNOWN_INSTRUMENT - unknown instrument AAPL)"),
        (body(client_order_id="has spaces and is far too long"),
         BRR + "Order rejected (INVALID_CLIENT_ORDER_ID - client order id has an invalid format)"),
        (body(type="MARKET", tif="GTC", price=None),
         BRR + "Order rejected (INVALID_TIF - market orders must be IOC)"),
        (body(tif="GTT"), BRR + "expire_time is a required field"),
    ]
    for raw, title in cases:
        response = intx.request("POST", "/api/v1/orders", raw)
        assert response.status_code == 400, (raw, response.text)
        assert response.json() == {"title": title, "status": 400}
    assert intx.open_order_ids() == before

    bad_limit = intx.request("GET", f"/api/v1/orders?portfolio={intx.portfolio()}"
                                    "&result_limit=1000")
    assert bad_limit.json() == {"title": BRR + "invalid result_limit", "status": 400}
    assert intx.request("GET", "/api/v1/nowhere").json() == {"title": "Not Found", "status": 404}
    wrong_method = intx.request("PATCH", "/api/v1/orders", b"{}")
    assert (wrong_method.status_code, wrong_method.json()) == (
        405, {"title": "Method Not Allowed", "status": 405})
    forbidden = intx.request("GET", "/api/v1/orders?portfolio=999999")
    assert (forbidden.status_code, forbidden.json()["title"]) == (
        403, "Unauthorized: portfolio not accessible")


def test_gtt_order_carries_its_expire_time(intx):
    expire = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    order = place(intx, tif="GTT", expire_time=expire)
    assert (order["tif"], order["expire_time"]) == ("GTT", expire[:-1] + ".000Z")
    far = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 40 * 86400))
    response = intx.request("POST", "/api/v1/orders", {**_order_body(intx), "tif": "GTT",
                                                       "expire_time": far})
    assert response.status_code == 400 and "INVALID_EXPIRE_TIME" in response.json()["title"]
    intx.request("DELETE", f"/api/v1/orders/{order['order_id']}?portfolio={intx.portfolio()}")


def test_list_open_orders_filters_and_pages(intx):
    placed = [place(intx, price=str(610 + i)) for i in range(3)]
    ids = [o["order_id"] for o in placed]
    p = intx.portfolio()
    page1 = intx.request("GET", f"/api/v1/orders?portfolio={p}&result_limit=2"
                                "&instrument=BTC-PERP&side=BUY&order_type=LIMIT").json()
    assert page1["pagination"] == {"result_limit": 2, "result_offset": 0}
    assert [o["order_id"] for o in page1["results"]] == ids[::-1][:2]  # newest first
    page2 = intx.request("GET", f"/api/v1/orders?portfolio={p}&result_limit=2"
                                "&result_offset=2&instrument=BTC-PERP&side=BUY").json()
    assert ids[0] in {o["order_id"] for o in page2["results"]}
    none = intx.request("GET", f"/api/v1/orders?portfolio={p}&instrument_type=SPOT").json()
    assert not set(ids) & {o["order_id"] for o in none["results"]}
    canceled = intx.request("DELETE", f"/api/v1/orders?portfolio={p}&instrument_type=PERP")
    assert set(ids) <= {o["order_id"] for o in canceled.json()}
