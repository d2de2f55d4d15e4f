"""The Aries face's demo: fixed OAuth clients for the demo users, and its manifest entry.

Each client acts as one of demo.py's fixed users. The secrets are fixed and documented on
purpose (a local sandbox; tests copy them from the manifest). The viewer's client holds no
``order:execution`` scope, so it shows what an under-scoped client gets (403).
"""

from __future__ import annotations

from openvenue.venues.aries.auth import (
    ACCOUNT_INFORMATION,
    ALL_SCOPES,
    ORDER_INFORMATION,
    POSITION_INFORMATION,
)
from openvenue.venues.oauth_clients import OAuthClients


class DemoClient:
    __slots__ = ("client_id", "client_secret", "name", "scopes", "user_id")

    def __init__(self, client_id: str, user_id: int, name: str, scopes: frozenset[str]) -> None:
        self.client_id = client_id
        self.client_secret = client_id + "-secret"
        self.user_id = user_id
        self.name = name
        self.scopes = scopes


READ_SCOPES = frozenset({ORDER_INFORMATION, ACCOUNT_INFORMATION, POSITION_INFORMATION})

CLIENTS = (
    DemoClient("aries-trader-1", 1, "trader-1", ALL_SCOPES),
    DemoClient("aries-trader-2", 2, "trader-2", ALL_SCOPES),
    DemoClient("aries-viewer-1", 4, "viewer-1", READ_SCOPES),
)


def seed_clients(clients: OAuthClients) -> None:
    for demo in CLIENTS:
        clients.install(demo.client_id, demo.client_secret, demo.user_id, demo.scopes)


def manifest(core, config, base_url: str) -> dict:
    users = []
    for demo in CLIENTS:
        user = core.oms.users.get(demo.user_id)
        if user is None or not user.account_ids:
            continue  # not a demo data directory
        users.append({
            "client_id": demo.client_id,
            "client_secret": demo.client_secret,
            "account_id": str(min(user.account_ids)),
            "account_ids": sorted(user.account_ids),
            "name": demo.name,
            "scopes": sorted(demo.scopes),
        })
    option = next((s for s, i in sorted(core.oms.instruments.items())
                   if i.kind == "OPTION"), None)
    symbols = [s for s in ("AAPL",) if s in core.oms.instruments]
    if option is not None:
        symbols.append(option)
    return {
        "base_url": base_url,
        "token_url": base_url + "/v1/oauth2/token",
        "users": users,
        "symbols": symbols,
    }
