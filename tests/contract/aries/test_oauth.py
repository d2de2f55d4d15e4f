"""The OAuth2 token endpoint and per-operation scopes, over plain HTTP."""

from __future__ import annotations

import httpx
from aries_helpers import limit_order

ALL = {"account:information", "order:execution", "order:information", "position:information"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def credentials(aries_users, name: str = "trader-1") -> dict[str, str]:
    user = aries_users[name]
    return {"client_id": user["client_id"], "client_secret": user["client_secret"]}


def assert_envelope(response, status: int, error_type: str, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert (error["type"], error["code"]) == (error_type, code)
    assert isinstance(error["code"], str) and error["message"]
    assert error["request_id"] == response.headers["x-request-id"]
    return error


def test_client_credentials_token_shape(raw, aries_users):
    response = raw.post("/v1/oauth2/token", data={
        "grant_type": "client_credentials", "scope": "order:execution order:information",
        **credentials(aries_users)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"].lower() == "bearer" and body["expires_in"] > 60
    assert set(body["scope"].split()) == {"order:execution", "order:information"}
    assert body["access_token"] and body["refresh_token"]
    without_scope = raw.post("/v1/oauth2/token", data={"grant_type": "client_credentials",
                                                        **credentials(aries_users)}).json()
    assert set(without_scope["scope"].split()) == ALL


def test_scope_is_enforced_per_operation(raw, token, aries_users):
    acct = aries_users["trader-1"]["account_id"]
    reader = token("trader-1", scope="order:information")
    refused = raw.post("/v1/orders", json=limit_order(acct), headers=bearer(reader))
    assert_envelope(refused, 403, "AUTHORIZATION", "INSUFFICIENT_SCOPE")
    assert raw.get(f"/v2/accounts/{acct}/orders", headers=bearer(reader)).status_code == 200
    refused = raw.get("/v2/users/me/accounts", headers=bearer(reader))
    assert_envelope(refused, 403, "AUTHORIZATION", "INSUFFICIENT_SCOPE")


def test_a_client_gets_only_the_scopes_it_holds(raw, aries_users):
    body = raw.post("/v1/oauth2/token", data={
        "grant_type": "client_credentials", "scope": "order:execution order:information",
        **credentials(aries_users, "viewer-1")}).json()
    assert body["scope"] == "order:information"


def test_bad_client_secret_and_unknown_client_are_401(raw, aries_users):
    for form in ({**credentials(aries_users), "client_secret": "wrong"},
                 {"client_id": "nobody", "client_secret": "x"}):
        response = raw.post("/v1/oauth2/token", data={"grant_type": "client_credentials", **form})
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
        assert "access_token" not in response.json()


def test_token_endpoint_refusals(raw, aries_users):
    unsupported = raw.post("/v1/oauth2/token", data={"grant_type": "password",
                                                      **credentials(aries_users)})
    assert (unsupported.status_code, unsupported.json()["error"]) == (400, "unsupported_grant_type")
    missing = raw.post("/v1/oauth2/token", data={"grant_type": "client_credentials"})
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")


def test_basic_client_authentication_is_accepted(raw, aries_users):
    creds = credentials(aries_users)
    response = raw.post("/v1/oauth2/token", data={"grant_type": "client_credentials"},
                        auth=httpx.BasicAuth(creds["client_id"], creds["client_secret"]))
    assert response.status_code == 200, response.text


def test_refresh_token_grants_a_new_token_once(raw, aries_users):
    first = raw.post("/v1/oauth2/token", data={"grant_type": "client_credentials",
                                                "scope": "order:information",
                                                **credentials(aries_users)}).json()
    refreshed = raw.post("/v1/oauth2/token", data={"grant_type": "refresh_token",
                                                    "refresh_token": first["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    body = refreshed.json()
    assert body["scope"] == "order:information" and body["access_token"] != first["access_token"]
    acct = aries_users["trader-1"]["account_id"]
    assert raw.get(f"/v2/accounts/{acct}/orders",
                   headers=bearer(body["access_token"])).status_code == 200
    reused = raw.post("/v1/oauth2/token", data={"grant_type": "refresh_token",
                                                 "refresh_token": first["refresh_token"]})
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")


def test_missing_or_unknown_token_is_401(raw, aries_users):
    acct = aries_users["trader-1"]["account_id"]
    for headers in ({}, bearer("not-a-token"), {"Authorization": "Basic abc"}):
        response = raw.get(f"/v2/accounts/{acct}/orders", headers=headers)
        assert_envelope(response, 401, "AUTHENTICATION", "UNAUTHORIZED")
        assert response.headers["www-authenticate"].startswith("Bearer")
