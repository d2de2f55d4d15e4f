"""Authentication and authorisation as a client sees them: 401, 403, and no existence leaks."""

from __future__ import annotations

import uuid

T1, T2, OPERATOR, VIEWER = ("demo-trader-1-key", "demo-trader-2-key", "demo-operator-key",
                            "demo-viewer-1-key")


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def order_body(account_id: int = 1) -> dict:
    return {"account_id": account_id, "instrument": "AAPL", "side": "BUY", "type": "LIMIT",
            "quantity": "1", "price": "1.00", "client_order_id": uuid.uuid4().hex}


def code(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_missing_and_wrong_keys_are_401(http):
    for headers in ({}, bearer("wrong-key"), {"Authorization": "Basic abc"},
                    {"Authorization": "Bearer"}):
        response = http.post("/v1/orders", json=order_body(), headers=headers)
        assert code(response) == (401, "UNAUTHENTICATED")
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert code(http.get("/v1/orders", headers=headers)) == (401, "UNAUTHENTICATED")


def test_foreign_account_is_forbidden_and_foreign_orders_are_invisible(http):
    assert code(http.post("/v1/orders", json=order_body(account_id=2), headers=bearer(T1))) == (
        403, "NOT_AUTHORIZED")
    theirs = http.post("/v1/orders", json=order_body(account_id=2), headers=bearer(T2)).json()
    # trader 1 cannot see, cancel or replace trader 2's order: it is "unknown", like a missing one
    assert code(http.get(f"/v1/orders/{theirs['id']}", headers=bearer(T1))) == (404, "UNKNOWN_ORDER")
    assert code(http.delete(f"/v1/orders/{theirs['id']}", headers=bearer(T1))) == (404, "UNKNOWN_ORDER")
    assert code(http.patch(f"/v1/orders/{theirs['id']}", json={"quantity": "2"},
                           headers=bearer(T1))) == (404, "UNKNOWN_ORDER")
    assert code(http.get(f"/v1/accounts/2/client-orders/{theirs['client_order_id']}",
                         headers=bearer(T1))) == (403, "NOT_AUTHORIZED")
    assert code(http.get("/v1/fills", params={"account_id": 2}, headers=bearer(T1))) == (
        403, "NOT_AUTHORIZED")
    assert http.get(f"/v1/orders/{theirs['id']}", headers=bearer(T2)).json()["status"] == "NEW"
    # the operator may act on any account
    assert http.delete(f"/v1/orders/{theirs['id']}", headers=bearer(OPERATOR)).json()["status"] == "CANCELED"


def test_read_only_user_reads_but_cannot_trade_or_cancel(http):
    order = http.post("/v1/orders", json=order_body(), headers=bearer(T1)).json()
    assert http.get(f"/v1/orders/{order['id']}", headers=bearer(VIEWER)).status_code == 200
    assert code(http.delete(f"/v1/orders/{order['id']}", headers=bearer(VIEWER))) == (
        403, "NOT_AUTHORIZED")
    assert code(http.delete(f"/v1/accounts/1/client-orders/{order['client_order_id']}",
                            headers=bearer(VIEWER))) == (403, "NOT_AUTHORIZED")
    assert code(http.delete("/v1/orders", params={"account_id": 1}, headers=bearer(VIEWER))) == (
        403, "NOT_AUTHORIZED")
    assert code(http.post("/v1/orders", json=order_body(), headers=bearer(VIEWER))) == (
        403, "NOT_AUTHORIZED")
    assert http.get(f"/v1/orders/{order['id']}", headers=bearer(T1)).json()["status"] == "NEW"


def test_admin_endpoints_need_the_admin_key(http, live_venue):
    assert code(http.get("/v1/admin/users")) == (401, "UNAUTHENTICATED")
    assert code(http.get("/v1/admin/users", headers=bearer("nope"))) == (401, "UNAUTHENTICATED")
    assert code(http.get("/v1/admin/users", headers=bearer(OPERATOR))) == (403, "FORBIDDEN")
    admin = bearer(live_venue.manifest["native"]["admin_key"])
    assert http.get("/v1/admin/users", headers=admin).status_code == 200
