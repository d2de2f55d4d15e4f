"""Token endpoint, bearer tokens, scopes, and partners seeing only their own clients."""

from __future__ import annotations

from fondo_shapes import check_error


def test_token_is_issued_for_client_credentials_and_echoes_state(raw, fondo):
    p = fondo["partners"][0]
    reply = raw.post("/v2/partner/auth/token", data={
        "grant_type": "client_credentials", "client_id": p["client_id"],
        "client_secret": p["client_secret"], "scope": "order:read, order:write", "state": "s-1"})
    assert reply.status_code == 200
    body = reply.json()
    assert body["expires_in"] == 432000 and body["state"] == "s-1" and body["access_token"]
    json_reply = raw.post("/v2/partner/auth/token", json={
        "grant_type": "client_credentials", "client_id": p["client_id"],
        "client_secret": p["client_secret"]})
    assert json_reply.status_code == 200 and json_reply.json()["access_token"] != body["access_token"]


def test_bad_credentials_and_grants_are_invalid_request(raw, fondo):
    p = fondo["partners"][0]
    for form in ({"grant_type": "client_credentials", "client_id": p["client_id"],
                  "client_secret": "wrong"},
                 {"grant_type": "password", "client_id": p["client_id"],
                  "client_secret": p["client_secret"]},
                 {}):
        check_error(raw.post("/v2/partner/auth/token", data=form), 400, "invalid_request")


def test_calls_without_a_valid_token_are_unauthorized(raw, partner1):
    path = partner1.orders_path()
    check_error(raw.get(path), 401, "unauthorized")
    check_error(raw.get(path, headers={"Authorization": "Bearer not-a-token"}), 401, "unauthorized")
    check_error(raw.delete(path + "/49ad7378-121c-4a53-9894-dfd14a7b4877"), 401, "unauthorized")


def test_a_token_without_the_scope_is_forbidden(raw, partner1, token):
    read_only = {"Authorization": f"Bearer {token(0, scope='order:read')}"}
    assert raw.get(partner1.orders_path(), headers=read_only).status_code == 200
    reply = raw.post(partner1.orders_path(), headers=read_only, json=partner1.subscription())
    check_error(reply, 403, "forbidden")
    assert all(o["clientRef"] != "scope-test" for o in partner1.orders())


def test_a_partner_sees_only_its_own_clients(partner1, partner2):
    clients = partner1.get("/v2/partner/client").json()
    assert [c["id"] for c in clients] == [partner1.client]
    assert partner2.client not in [c["id"] for c in clients]
    check_error(partner1.get(f"/v2/partner/client/{partner2.client}"), 403, "forbidden")
    check_error(partner1.get(partner1.orders_path(partner2.client)), 403, "forbidden")
    check_error(partner1.create(partner1.subscription(), client=partner2.client), 403, "forbidden")
    accounts = partner1.get(f"/v2/partner/client/{partner1.client}/account").json()
    assert [a["id"] for a in accounts] == [partner1.account]
