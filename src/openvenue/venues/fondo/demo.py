"""The Fondo face's demo: two partners with their clients and accounts, fund names, demo NAVs.

Partner 1 acts as demo.py's ``fund-trader`` (its client is core client 2, account 3), so its
orders are the same orders the native API shows for that user. Partner 2 gets a client, account
and user of its own (ids 501, in the range 500-509 this face reserves), defined through
``core.define`` when the server runs with ``--demo`` and only if missing, so restarts change
nothing. Secrets are fixed and documented on purpose (a local sandbox; tests read them from the
manifest). Demo NAVs (documented in README): SE0012193019SEK 123.4567 SEK, SE0007091236SEK
250.0000 SEK, struck at 18:00 Europe/Stockholm for orders sent at that day's 15:00 cut-off; an
operator's ``POST /v1/admin/funds/{symbol}/nav`` replaces them and executes at once.
"""

from __future__ import annotations

from decimal import Decimal

from openvenue.domain.accounts import Account, Client, Permission, User
from openvenue.venues.fondo.auth import ALL_SCOPES, Partners
from openvenue.venues.fondo.mapping import FondoIds


class DemoPartner:
    __slots__ = ("client_id", "client_secret", "clients", "scopes", "user_id")

    def __init__(self, client_id: str, user_id: int, clients: dict[int, tuple[int, ...]],
                 scopes: frozenset[str] = ALL_SCOPES) -> None:
        self.client_id = client_id
        self.client_secret = client_id + "-secret"
        self.user_id = user_id
        self.clients = clients  # core client id -> its accounts (the user's, by construction)
        self.scopes = scopes


PARTNERS = (DemoPartner("fondo-partner-1", 5, {2: (3,)}),
            DemoPartner("fondo-partner-2", 501, {501: (501,)}))

# Reference data this face adds to the demo (ids 500-509 are the Fondo face's).
CLIENTS = (Client(id=501, name="Fondo Demo Client Two"),)
ACCOUNTS = (Account(id=501, client_id=501, name="fondo-isk-2"),)
USERS = (User(id=501, name="fondo-partner-2", permissions=frozenset({Permission.TRADING}),
              account_ids=frozenset({501})),)

# Personal numbers (crn) of the demo clients: executorRef is meant to be one of these.
CLIENT_CRN = {2: "197001010003", 501: "198002020002"}
FUND_NAMES = {"SE0012193019SEK": "Fondo Demo Global Index", "SE0007091236SEK": "Fondo Demo Sverige"}
NAVS = {"SE0012193019SEK": Decimal("123.4567"), "SE0007091236SEK": Decimal("250.0000")}


async def seed(core, partners: Partners) -> None:
    oms = core.oms
    for client in CLIENTS:
        if client.id not in oms.clients:
            await core.define(client)
    for account in ACCOUNTS:
        if account.id not in oms.accounts:
            await core.define(account)
    for user in USERS:
        if user.id not in oms.users:
            await core.define(user)
    for partner in PARTNERS:
        partners.install(partner.client_id, partner.client_secret, partner.user_id, partner.scopes)
    schedule = oms.fund_schedule
    if schedule is not None:
        now = oms.clock.now_ns()
        for symbol, nav in NAVS.items():
            if symbol in oms.instruments and symbol not in schedule.navs:
                schedule.set_nav(symbol, nav, now)


def manifest(core, config, base_url: str) -> dict:
    """Fixed layout, not read from the core: the demo's definitions may still be committing
    while the manifest is written."""
    ids = FondoIds(core.oms)
    partners = [{
        "client_id": partner.client_id,
        "client_secret": partner.client_secret,
        "scopes": sorted(partner.scopes),
        "clients": [{"id": ids.client_uuid(cid), "crn": CLIENT_CRN.get(cid, ""),
                     "accounts": [ids.account_uuid(a) for a in accounts]}
                    for cid, accounts in partner.clients.items()],
    } for partner in PARTNERS] if config.demo else []
    return {
        "base_url": base_url,
        "token_url": base_url + "/v2/partner/auth/token",
        "ws_url": "ws" + base_url[len("http"):] + "/v2/partner/client/{client_id}/subscribe",
        "partners": partners,
        "instruments": sorted(s for s, i in core.oms.instruments.items() if i.is_fund),
    }
