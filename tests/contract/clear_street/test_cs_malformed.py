"""Raw HTTP: what the SDK would never send still gets the venue's envelope and changes nothing."""

from __future__ import annotations

import pytest

ORDERS = "/v1/accounts/1/orders"
GOOD = {
    "symbol": "AAPL",
    "side": "BUY",
    "order_type": "LIMIT",
    "quantity": "1",
    "limit_price": "1.00",
    "time_in_force": "DAY",
}


def order_count(raw) -> int:
    response = raw.get(ORDERS, params={"page_size": 1})
    assert response.status_code == 200, response.text
    return response.json()["metadata"]["total_items"]


def assert_envelope(response, status: int, message: str | None = None) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error", "metadata"}
    assert body["error"]["code"] == status and body["error"]["message"]
    assert body["metadata"]["request_id"] == response.headers["x-request-id"]
    if message is not None:
        assert body["error"]["message"] == message
    return body["error"]["message"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (GOOD, 400, "orders: Expected `array`, got `object`"),
        ([{**GOOD, "quantity": True}], 400, "orders[0].quantity: Expected `decimal`, got `bool`"),
        ([{**GOOD, "symbol": 7}], 400, "orders[0].symbol: Expected `str | null`, got `int`"),
        ([{**GOOD, "side": "HOLD"}], 400, "orders[0].side: Invalid enum value 'HOLD'"),
        (
            [{**GOOD, "time_in_force": "GTC"}],
            400,
            "orders[0].time_in_force: Invalid enum value 'GTC'",
        ),
        ([{k: v for k, v in GOOD.items() if k != "quantity"}], 400, "orders[0].quantity: required"),
        ([{**GOOD, "quantity": "ten"}], 400, None),
        ([], 400, "orders: at least one order is required"),
        (
            [{k: v for k, v in GOOD.items() if k != "symbol"}],
            400,
            "orders[0]: symbol or instrument_id is required",
        ),
        ([{**GOOD, "limit_price": "-1.00"}], 422, "orders[0]: price must be a positive number"),
        (
            [{**GOOD, "limit_price": "1.001"}],
            422,
            "orders[0]: price 1.001 is not a multiple of 0.01",
        ),
        ([{**GOOD, "quantity": "0"}], 422, "orders[0]: quantity must be a positive number"),
        ([{**GOOD, "symbol": "NOPE"}], 422, "orders[0]: unknown instrument NOPE"),
        ([{**GOOD, "symbol": "BTC-PERP"}], 422, "orders[0]: unknown instrument BTC-PERP"),
        ([{**GOOD, "order_type": "TRAILING_STOP"}], 422, None),
        # one bad order in an array places none of it
        (
            [{**GOOD, "id": "first-of-a-bad-pair"}, {**GOOD, "limit_price": "0"}],
            422,
            "orders[1]: price must be a positive number",
        ),
    ],
)
def test_bad_submit_is_refused_in_the_envelope_and_places_nothing(raw, body, status, message):
    before = order_count(raw)
    assert_envelope(raw.post(ORDERS, json=body), status, message)
    assert order_count(raw) == before
    assert raw.get(f"{ORDERS}/first-of-a-bad-pair").status_code == 404


@pytest.mark.parametrize("content", [b"", b"[", b"not json", b"\xff\xfe", b"[" * 5000])
def test_malformed_json_is_a_400(raw, content):
    before = order_count(raw)
    assert_envelope(
        raw.post(ORDERS, content=content, headers={"content-type": "application/json"}), 400
    )
    assert order_count(raw) == before


def test_numbers_are_exact_decimals(raw):
    response = raw.post(
        ORDERS,
        json=None,
        content=(
            b'[{"symbol":"AAPL","side":"BUY","order_type":"LIMIT","quantity":3,'
            b'"limit_price":1.10,"time_in_force":"DAY","unknown_key":{"ignored":true}}]'
        ),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200, response.text
    placed = response.json()["data"][0]
    assert (placed["quantity"], placed["limit_price"]) == ("3", "1.10")
    assert placed["client_order_id"].startswith("ov-")
    assert raw.delete(f"{ORDERS}/{placed['id']}").json()["data"]["status"] == "PENDING_CANCEL"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"status": "NEW,BOGUS"}, "status: unknown value(s) BOGUS"),
        ({"page_size": "0"}, "page_size: must be an integer from 1 to 1000"),
        ({"page_token": "%%%"}, "page_token: not a page token returned by this API"),
        ({"instrument_type": "BOND"}, None),
        ({"from": "yesterday"}, "from: 'yesterday' is not an ISO 8601 date or time"),
        (
            {"updated_at[gte]": "2030-01-02", "updated_at[lt]": "2030-01-01"},
            "updated_at: the range is inverted",
        ),
    ],
)
def test_bad_list_filters_are_a_400(raw, query, message):
    assert_envelope(raw.get(ORDERS, params=query), 400, message)


def test_replace_body_must_be_an_object_of_decimals(raw):
    placed = raw.post(ORDERS, json=[GOOD]).json()["data"][0]
    path = f"{ORDERS}/{placed['id']}"
    assert_envelope(raw.patch(path, json=["1.00"]), 400)
    assert_envelope(raw.patch(path, json={"limit_price": {"value": 1}}), 400)
    assert_envelope(raw.patch(path, json={"trailing_offset": "1"}), 422)
    assert_envelope(raw.patch(path, json={}), 400, "The replace request changes nothing")
    assert raw.get(path).json()["data"]["limit_price"] == "1.00"
    raw.delete(path)


def test_unknown_routes_methods_and_keys_get_the_envelope(raw, cs_manifest):
    assert_envelope(raw.get("/v1/nothing-here"), 404)
    assert_envelope(raw.put(ORDERS), 405)
    assert_envelope(raw.get("/v1/accounts/abc/orders"), 400)
    assert_envelope(
        raw.get("/v1/accounts/999/orders"),
        403,
        "The caller does not have permission to execute the specified operation",
    )
    import httpx

    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
        response = httpx.get(cs_manifest["base_url"] + ORDERS, headers=headers)
        assert_envelope(response, 401, "Invalid API key")
