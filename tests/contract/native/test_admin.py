"""Admin API: reference data, users and keys, then trading with what was created."""

from __future__ import annotations

import uuid


def test_create_client_account_user_key_then_trade(http, live_venue):
    admin = {"Authorization": f"Bearer {live_venue.manifest['native']['admin_key']}"}
    symbol = "T" + uuid.uuid4().hex[:6].upper()
    created = http.post("/v1/admin/instruments", headers=admin, json={
        "symbol": symbol, "kind": "EQUITY", "tick_size": "0.05", "lot_size": "10"})
    assert created.status_code == 201, created.text
    assert (created.json()["tick_size"], created.json()["min_size"]) == ("0.05", "10")
    duplicate = http.post("/v1/admin/instruments", headers=admin, json={
        "symbol": symbol, "kind": "EQUITY", "tick_size": "0.05", "lot_size": "10"})
    assert duplicate.status_code == 409
    bad_grid = http.post("/v1/admin/instruments", headers=admin, json={
        "symbol": symbol + "X", "kind": "EQUITY", "tick_size": "0", "lot_size": "1"})
    assert bad_grid.status_code == 422 and bad_grid.json()["error"]["code"] == "INVALID_INSTRUMENT"

    client = http.post("/v1/admin/clients", headers=admin, json={"name": "Acme"}).json()
    account = http.post("/v1/admin/accounts", headers=admin,
                        json={"client_id": client["id"], "name": "acme-1"}).json()
    assert http.post("/v1/admin/accounts", headers=admin,
                     json={"client_id": 999999}).status_code == 404
    user = http.post("/v1/admin/users", headers=admin, json={
        "name": "acme-trader", "permissions": ["READ_ONLY"], "account_ids": [account["id"]]}).json()
    key = http.post("/v1/admin/keys", headers=admin, json={"user_id": user["id"], "label": "t"})
    assert key.status_code == 201
    api_key = key.json()["api_key"]
    trader = {"Authorization": f"Bearer {api_key}"}
    order = {"account_id": account["id"], "instrument": symbol, "side": "BUY", "type": "LIMIT",
             "quantity": "20", "price": "1.05"}
    assert http.post("/v1/orders", json=order, headers=trader).status_code == 403
    # grant trading, and the same key may now trade
    patched = http.patch(f"/v1/admin/users/{user['id']}", headers=admin,
                         json={"permissions": ["TRADING"]})
    assert patched.json()["permissions"] == ["TRADING"]
    assert http.post("/v1/orders", json=order, headers=trader).status_code == 201
    # halt the instrument: new orders refused
    http.patch(f"/v1/admin/instruments/{symbol}", headers=admin, json={"trading_state": "HALTED"})
    halted = http.post("/v1/orders", json=order, headers=trader)
    assert halted.json()["error"]["code"] == "INSTRUMENT_NOT_TRADING"
    # revoke the key: it stops working at once
    listed = http.get("/v1/admin/keys", headers=admin).json()["keys"]
    assert api_key not in str(listed)  # keys are never shown again
    assert http.delete(f"/v1/admin/keys/{key.json()['key_id']}", headers=admin).status_code == 204
    assert http.get("/v1/orders", headers=trader).status_code == 401
    assert http.delete(f"/v1/admin/keys/{key.json()['key_id']}", headers=admin).status_code == 404
