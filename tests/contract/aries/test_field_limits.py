"""Every field check of the cancel (seed) and the place/replace limits, over plain HTTP.

Each boundary is probed from both sides: a value just inside the limit passes the field check
and reaches the order lookup (404 for an unknown clOrdId), a value just outside is a 400 naming
the field. Every refusal leaves the live order unchanged.
"""

from __future__ import annotations

import pytest
from aries_helpers import limit_order

UNKNOWN = "ORD-01ARZ3NDEKTSV4RRFFQ69G5FAV"


@pytest.fixture
def headers(token) -> dict[str, str]:
    return {"Authorization": f"Bearer {token('trader-1')}"}


@pytest.fixture
def acct(aries_users) -> str:
    return aries_users["trader-1"]["account_id"]


@pytest.fixture
def live_order(raw, headers, acct) -> str:
    response = raw.post("/v1/orders", headers=headers, json=limit_order(acct, price="1.05"))
    assert response.json()["success"], response.text
    cl_ord_id = response.json()["clOrdId"]
    yield cl_ord_id
    raw.post("/v1/orders/cancel", headers=headers, json={
        "accountId": acct, "origClOrdId": cl_ord_id, "symbol": "AAPL", "side": "BUY"})


def status_of(raw, headers, acct, cl_ord_id) -> str:
    rows = raw.get(f"/v2/accounts/{acct}/orders", params={"limit": 500}, headers=headers).json()
    return next(o["ordStatus"] for o in rows["orders"] if o["clOrdId"] == cl_ord_id)


def cancel(raw, headers, acct, **fields):
    body = {"accountId": acct, "origClOrdId": UNKNOWN, "symbol": "AAPL", "side": "BUY",
            "securityType": "CS", **fields}
    return raw.post("/v1/orders/cancel", headers=headers, json=body)


def assert_invalid(response, field: str) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["type"], error["code"], error["details"]["field"]) == (
        "VALIDATION", "INVALID_FIELD", field)


def assert_passes_checks(response) -> None:
    """The field was accepted: the request got as far as looking the order up."""
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "ORDER_NOT_FOUND"


@pytest.mark.parametrize(("field", "inside", "outside"), [
    ("origClOrdId", "X" * 100, "X" * 101),
    ("origClOrdId", "X", ""),
    ("symbol", "S" * 20, "S" * 21),
    ("symbol", "S", ""),
])
def test_cancel_length_limits(raw, headers, acct, field, inside, outside):
    assert_passes_checks(cancel(raw, headers, acct, **{field: inside, "securityType": None}
                                if field == "symbol" else {field: inside}))
    assert_invalid(cancel(raw, headers, acct, **{field: outside}), field)


def test_cancel_account_id_limits(raw, headers, acct):
    # 1-50 characters; a well-formed id that is not the caller's is 403, not a field error
    assert cancel(raw, headers, acct, accountId="9" * 50).status_code == 403
    assert_invalid(cancel(raw, headers, acct, accountId="9" * 51), "accountId")
    assert_invalid(cancel(raw, headers, acct, accountId=""), "accountId")


@pytest.mark.parametrize("side", ["BUY", "SELL", "SELL_SHORT", "BUY_TO_COVER"])
def test_cancel_accepts_every_side(raw, headers, acct, side):
    assert_passes_checks(cancel(raw, headers, acct, side=side))


@pytest.mark.parametrize(("field", "good", "bad"), [
    ("side", "SELL", "BUY_TO_OPEN"),
    ("securityType", "OPT", "ETF"),
    ("putCall", "P", "CALLS"),
    ("putCall", "CALL", "c"),
    ("strikePrice", "150.00", "abc"),
    ("strikePrice", "0.5", "NaN"),
    ("maturity", "2025-01-17", "2025/01/17"),
    ("maturity", "2024-02-29", "2025-02-30"),
])
def test_cancel_formats(raw, headers, acct, field, good, bad):
    assert_passes_checks(cancel(raw, headers, acct, **{field: good}))
    assert_invalid(cancel(raw, headers, acct, **{field: bad}), field)


def test_cancel_missing_required_field_is_bad_request(raw, headers, acct):
    response = raw.post("/v1/orders/cancel", headers=headers,
                        json={"accountId": acct, "symbol": "AAPL", "side": "BUY"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["type"], error["code"], error["details"]["field"]) == (
        "BAD_REQUEST", "INVALID_REQUEST", "origClOrdId")


def test_cancel_must_describe_the_order(raw, headers, acct, live_order):
    body = {"accountId": acct, "origClOrdId": live_order, "symbol": "AAPL", "side": "BUY"}
    for wrong, field in (({"symbol": "MSFT"}, "symbol"), ({"side": "SELL"}, "side"),
                         ({"securityType": "OPT"}, "securityType"),
                         ({"putCall": "CALL", "strikePrice": "200", "maturity": "2027-01-15"},
                          "putCall")):
        response = raw.post("/v1/orders/cancel", headers=headers, json={**body, **wrong})
        assert_invalid(response, field)
    assert status_of(raw, headers, acct, live_order) == "NEW"  # every refusal changed nothing


def test_option_cancel_by_underlying_needs_the_contract_fields(raw, headers, acct):
    placed = raw.post("/v1/orders", headers=headers, json=limit_order(
        acct, symbol="AAPL  270115C00200000", price="2.50", tif="GTC")).json()
    body = {"accountId": acct, "origClOrdId": placed["clOrdId"], "symbol": "AAPL", "side": "BUY",
            "securityType": "OPT", "putCall": "CALL", "strikePrice": "200",
            "maturity": "2027-01-15"}
    missing = raw.post("/v1/orders/cancel", headers=headers,
                       json={k: v for k, v in body.items() if k != "maturity"})
    assert missing.status_code == 400 and missing.json()["error"]["details"]["field"] == "maturity"
    assert_invalid(raw.post("/v1/orders/cancel", headers=headers,
                            json={**body, "maturity": "2027-01-16"}), "maturity")
    assert status_of(raw, headers, acct, placed["clOrdId"]) == "NEW"
    done = raw.post("/v1/orders/cancel", headers=headers, json=body)
    assert (done.status_code, done.json()["status"]) == (200, "CANCELED")


@pytest.mark.parametrize(("field", "bad"), [
    ("symbol", "S" * 22),
    ("accountId", "1" * 51),
    ("clientId", "c" * 51),
    ("currency", "US"),
    ("price", "1.000001"),
    ("qty", "one"),
    ("side", "BUY_TO_OPEN"),
    ("type", "TRAILING_STOP"),
    ("timeInForce", "GTD"),
])
def test_place_field_limits(raw, headers, acct, field, bad):
    response = raw.post("/v1/orders", headers=headers, json={**limit_order(acct), field: bad})
    assert_invalid(response, field)


def test_place_accepts_a_padded_osi_symbol_of_21_characters(raw, headers, acct):
    response = raw.post("/v1/orders", headers=headers, json=limit_order(
        acct, symbol="AAPL  270115C00200000", price="0.05", tif="GTC", clientId="c" * 50))
    assert response.json()["success"], response.text
    raw.post("/v1/orders/cancel", headers=headers, json={
        "accountId": acct, "origClOrdId": response.json()["clOrdId"],
        "symbol": "AAPL270115C00200000", "side": "BUY"})


def test_place_accepts_json_numbers_exactly(raw, headers, acct):
    response = raw.post("/v1/orders", headers=headers, content=(
        b'{"accountId": %s, "symbol": "AAPL", "side": "BUY", "type": "LIMIT", '
        b'"timeInForce": "DAY", "qty": 3, "price": 1.07}' % acct.encode()))
    body = response.json()
    assert body["success"] and body["qty"] == "3", response.text
    row = next(o for o in raw.get(f"/v2/accounts/{acct}/orders", params={"limit": 500},
                                  headers=headers).json()["orders"]
               if o["clOrdId"] == body["clOrdId"])
    assert row["price"] == "1.07"
    raw.post("/v1/orders/cancel", headers=headers, json={
        "accountId": acct, "origClOrdId": body["clOrdId"], "symbol": "AAPL", "side": "BUY"})


def test_replace_cannot_change_what_the_core_cannot(raw, headers, acct, live_order):
    body = {"accountId": acct, "origClOrdId": live_order, "symbol": "AAPL"}
    assert_invalid(raw.post("/v1/orders/replace", headers=headers,
                            json={**body, "type": "MARKET"}), "type")
    assert_invalid(raw.post("/v1/orders/replace", headers=headers,
                            json={**body, "side": "SELL"}), "side")
    assert_invalid(raw.post("/v1/orders/replace", headers=headers,
                            json={**body, "price": "1.123456"}), "price")
    assert status_of(raw, headers, acct, live_order) == "NEW"


def test_list_parameters(raw, headers, acct):
    assert_invalid(raw.get(f"/v2/accounts/{acct}/orders", params={"limit": 501},
                           headers=headers), "limit")
    assert_invalid(raw.get(f"/v2/accounts/{acct}/orders", params={"limit": 0},
                           headers=headers), "limit")
    page = raw.get(f"/v2/accounts/{acct}/orders", params={"limit": 1}, headers=headers).json()
    assert len(page["orders"]) == 1 and isinstance(page["nextCursor"], int)
    missing_from = raw.get(f"/v2/accounts/{acct}/orders/history", headers=headers)
    assert missing_from.status_code == 400
    assert missing_from.json()["error"]["details"]["field"] == "from"


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("POST", "/v1/orders", b"{not json", 400),
    ("POST", "/v1/orders", b"[1, 2]", 400),
    ("POST", "/v1/orders/cancel", b"", 400),
    ("GET", "/v1/nowhere", None, 404),
    ("DELETE", "/v1/orders", None, 405),
])
def test_malformed_requests_get_the_aries_envelope(raw, headers, method, path, body, status):
    response = raw.request(method, path, headers=headers, content=body)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert isinstance(error["code"], str) and error["type"] and error["message"]
