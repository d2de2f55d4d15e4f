"""Malformed input of every kind gets the native error envelope, never a framework page, and
changes nothing: no order appears and the core's event sequence does not move."""

from __future__ import annotations

import json
import re

import pytest

T1 = "demo-trader-1-key"
AUTH = {"Authorization": f"Bearer {T1}"}
GOOD = {"account_id": 1, "instrument": "AAPL", "side": "BUY", "type": "LIMIT", "quantity": "1",
        "price": "1.00"}


def last_sequence(http) -> int:
    text = http.get("/metrics").text
    return int(re.search(r"^openvenue_last_sequence (\d+)", text, re.MULTILINE).group(1))


def all_orders(http) -> list[int]:
    return [o["id"] for o in http.get("/v1/orders", params={"status": "all", "limit": 1000},
                                      headers=AUTH).json()["orders"]]


def with_(**changes) -> bytes:
    body = dict(GOOD)
    for key, value in changes.items():
        if value is ...:
            body.pop(key)
        else:
            body[key] = value
    return json.dumps(body).encode()


MALFORMED = [
    ("empty body", b"", "INVALID_JSON"),
    ("not JSON", b"hello", "INVALID_JSON"),
    ("truncated JSON", b'{"account_id": 1', "INVALID_JSON"),
    ("array", b"[1, 2]", "INVALID_REQUEST"),
    ("string", b'"order"', "INVALID_REQUEST"),
    ("missing field", with_(side=...), "INVALID_REQUEST"),
    ("wrong type: account", with_(account_id="one"), "INVALID_REQUEST"),
    ("wrong type: float account", with_(account_id=1.5), "INVALID_REQUEST"),
    ("wrong type: quantity number", with_(quantity=1), "INVALID_REQUEST"),
    ("wrong type: post_only", with_(post_only="yes"), "INVALID_REQUEST"),
    ("bad enum", with_(side="UP"), "INVALID_REQUEST"),
    ("huge account id", with_(account_id=10**30), "INVALID_REQUEST"),
    ("negative account id", with_(account_id=-1), "INVALID_REQUEST"),
    ("not a decimal", with_(quantity="ten"), "INVALID_REQUEST"),
    ("unknown field", with_(colour="red"), "UNKNOWN_FIELD"),
    ("invalid UTF-8", b'{"instrument": "\xff\xfe"}', "INVALID_JSON"),
    ("deep nesting", b"[" * 5000 + b"]" * 5000, "INVALID_REQUEST"),
]


@pytest.mark.parametrize(("name", "body", "code"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_place_is_refused_and_changes_nothing(http, name, body, code):
    before_seq, before_orders = last_sequence(http), all_orders(http)
    response = http.post("/v1/orders", content=body,
                         headers={**AUTH, "content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == code
    assert last_sequence(http) == before_seq
    assert all_orders(http) == before_orders


REFUSED_BY_RULES = [
    ("negative quantity", {"quantity": "-1"}, "INVALID_QUANTITY"),
    ("zero quantity", {"quantity": "0"}, "INVALID_QUANTITY"),
    ("off-tick price", {"price": "1.005"}, "INVALID_PRICE_INCREMENT"),
    ("huge quantity", {"quantity": "1e999999999"}, "INVALID_QUANTITY"),
    ("huge price", {"price": "123456789012345678901234567890"}, "INVALID_PRICE"),
    ("negative price", {"price": "-1.00"}, "INVALID_PRICE"),
]


@pytest.mark.parametrize(("name", "changes", "code"), REFUSED_BY_RULES,
                         ids=[m[0] for m in REFUSED_BY_RULES])
def test_orders_the_rules_refuse_leave_no_order(http, name, changes, code):
    before_orders = all_orders(http)
    response = http.post("/v1/orders", json={**GOOD, **changes}, headers=AUTH)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code
    assert all_orders(http) == before_orders


def test_oversized_body_is_413_in_the_envelope(http):
    before_seq = last_sequence(http)
    big = b'{"client_order_id": "' + b"x" * (1 << 20) + b'"}'
    response = http.post("/v1/orders", content=big, headers=AUTH)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert last_sequence(http) == before_seq


def test_oversized_chunked_body_is_413(http):
    def chunks():
        for _ in range(40):
            yield b"x" * 32768

    response = http.post("/v1/orders", content=chunks(), headers=AUTH)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_unknown_route_and_wrong_method_get_the_envelope(http):
    for path in ("/", "/v1", "/v1/nope", "/v1/orders/1/extra", "/v2/orders"):
        response = http.get(path, headers=AUTH)
        assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"
    response = http.put("/v1/orders", headers=AUTH)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert response.headers["allow"] == "DELETE, GET, POST"
    assert http.post("/v1/orders/1", headers=AUTH).status_code == 405


def test_bad_query_parameters(http):
    for params in ({"account_id": "x"}, {"account_id": "99999999999999999999999"},
                   {"side": "UP"}, {"cursor": "-1"}, {"limit": "1001"}):
        response = http.get("/v1/orders", params=params, headers=AUTH)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] == "INVALID_REQUEST"
