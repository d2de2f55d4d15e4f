"""The APEX face's ASGI app: a WebSocket gateway on any path, and the demo manifest entry.

APEX clients connect to ``/WSGateway/``; operators deploy it under other paths too, so every
path is the gateway. A plain HTTP request gets APEX's generic error body (426: upgrade to
WebSocket), never a framework page.
"""

from __future__ import annotations

from openvenue.venues.alphapoint_apex import auth, schemas
from openvenue.venues.alphapoint_apex.mapping import INVALID_REQUEST, OMS_ID, ApexError
from openvenue.venues.alphapoint_apex.ws import ApexGateway
from openvenue.venues.core import Core

WS_PATH = "/WSGateway/"


class ApexApp:
    def __init__(self, gateway: ApexGateway) -> None:
        self.gateway = gateway

    async def __call__(self, scope, receive, send) -> None:
        kind = scope["type"]
        if kind == "websocket":
            await self.gateway(scope, receive, send)
        elif kind == "http":
            body = schemas.encode(ApexError(
                INVALID_REQUEST, f"this is the APEX WebSocket API: connect with a WebSocket "
                f"client to {WS_PATH}").body())
            await send({"type": "http.response.start", "status": 426, "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"upgrade", b"websocket"), (b"connection", b"Upgrade")]})
            await send({"type": "http.response.body", "body": body})
        # "lifespan" is not used: the server starts and stops the core itself.


def build(core: Core, config) -> ApexApp:
    logins = auth.Logins(config.data_path / auth.FILE_NAME)
    if config.demo:
        auth.seed_demo(logins, core.oms.users)
    return ApexApp(ApexGateway(core, logins))


def manifest(core: Core, config, base_url: str) -> dict:
    """The APEX entry of the demo manifest: where to connect and as whom."""
    ws_url = "ws" + base_url[len("http"):] + WS_PATH
    logins = auth.Logins(config.data_path / auth.FILE_NAME)
    users = []
    for name in auth.DEMO_USERS:
        user = next((u for u in core.oms.users.values() if u.name == name), None)
        login = None if user is None else logins.for_user(user.id)
        if login is None or login.api_key != auth.demo_api_key(name):
            continue  # not a demo data directory
        accounts = sorted(user.account_ids)
        users.append({
            "name": user.name,  # the keys `openvenue demo` prints
            "account_ids": accounts,
            "username": login.username,
            "password": auth.demo_password(name),
            "user_id": user.id,
            "account_id": accounts[0] if accounts else 0,
            "api_key": login.api_key,
            "api_secret": login.api_secret,
            "permissions": sorted(auth.PERMISSION_NAMES[p] for p in user.permissions),
        })
    instrument_ids = sorted(i.id for i in core.oms.instruments.values() if not i.is_fund)
    return {"base_url": ws_url, "ws_url": ws_url, "oms_id": OMS_ID, "users": users,
            "instrument_id": instrument_ids[0] if instrument_ids else 0}
