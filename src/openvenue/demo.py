"""The demo venue: fixed reference data and credentials, seeded once, and the demo manifest.

``openvenue serve --demo`` seeds what is missing (so a restart or a second ``--demo`` changes
nothing) and, once every listener is up, writes the manifest — every face's base URL and the
credentials to use — to DATA_DIR/manifest.json; ``openvenue demo --json`` prints it. The
credentials are fixed and documented on purpose: they are for a local sandbox, and tests and
scripts copy them from the manifest rather than from a log line.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from openvenue.domain.accounts import Account, Client, Permission, User
from openvenue.domain.instruments import Instrument, InstrumentKind, PutCall

MANIFEST_NAME = "manifest.json"
DEMO_ADMIN_KEY = "demo-admin-key"
D = Decimal

INSTRUMENTS = (
    Instrument(id=1, symbol="AAPL", kind=InstrumentKind.EQUITY, tick_size=D("0.01"),
               lot_size=D(1), min_size=D(1)),
    Instrument(id=2, symbol="MSFT", kind=InstrumentKind.EQUITY, tick_size=D("0.01"),
               lot_size=D(1), min_size=D(1)),
    # OSI: root padded to six, expiry YYMMDD, C/P, strike x1000 in eight digits
    Instrument(id=3, symbol="AAPL  270115C00200000", kind=InstrumentKind.OPTION,
               tick_size=D("0.01"), lot_size=D(1), min_size=D(1), underlying="AAPL",
               put_call=PutCall.CALL, strike=D(200), expiry=date(2027, 1, 15)),
    Instrument(id=4, symbol="BTC-PERP", kind=InstrumentKind.CRYPTO_PERP, tick_size=D("0.1"),
               lot_size=D("0.0001"), min_size=D("0.0001"), currency="USDC", base_asset="BTC",
               quote_asset="USDC"),
    Instrument(id=5, symbol="ETH-PERP", kind=InstrumentKind.CRYPTO_PERP, tick_size=D("0.01"),
               lot_size=D("0.001"), min_size=D("0.001"), currency="USDC", base_asset="ETH",
               quote_asset="USDC"),
    Instrument(id=6, symbol="BTC-USDC", kind=InstrumentKind.CRYPTO_SPOT, tick_size=D("0.01"),
               lot_size=D("0.00001"), min_size=D("0.00001"), currency="USDC", base_asset="BTC",
               quote_asset="USDC"),
    Instrument(id=7, symbol="SE0012193019SEK", kind=InstrumentKind.FUND, tick_size=D("0.0001"),
               lot_size=D("0.0000001"), min_size=D("0.0000001"), currency="SEK",
               isin="SE0012193019", amount_increment=D("0.01"), min_amount=D(100)),
    Instrument(id=8, symbol="SE0007091236SEK", kind=InstrumentKind.FUND, tick_size=D("0.0001"),
               lot_size=D("0.0000001"), min_size=D("0.0000001"), currency="SEK",
               isin="SE0007091236", amount_increment=D("0.01"), min_amount=D(100)),
)

CLIENTS = (Client(id=1, name="Demo Trading AB"), Client(id=2, name="Demo Fund Distributor AB"))

ACCOUNTS = (
    Account(id=1, client_id=1, name="demo-1"),
    Account(id=2, client_id=1, name="demo-2"),
    Account(id=3, client_id=2, name="demo-funds"),
)


@dataclass(frozen=True)
class DemoUser:
    user: User
    api_key: str


def _user(uid: int, name: str, permission: Permission, accounts: tuple[int, ...], key: str) -> DemoUser:
    return DemoUser(User(id=uid, name=name, permissions=frozenset({permission}),
                         account_ids=frozenset(accounts)), key)


USERS = (
    _user(1, "trader-1", Permission.TRADING, (1,), "demo-trader-1-key"),
    _user(2, "trader-2", Permission.TRADING, (2,), "demo-trader-2-key"),
    _user(3, "operator", Permission.OPERATOR, (), "demo-operator-key"),
    _user(4, "viewer-1", Permission.READ_ONLY, (1,), "demo-viewer-1-key"),
    _user(5, "fund-trader", Permission.TRADING, (3,), "demo-fund-trader-key"),
)


async def seed(core) -> int:
    """Define whatever of the demo is missing; returns how many definitions that took."""
    oms = core.oms
    count = 0
    for inst in INSTRUMENTS:
        if inst.symbol not in oms.instruments and inst.id not in oms.instruments_by_id:
            await core.define(inst)
            count += 1
    for client in CLIENTS:
        if client.id not in oms.clients:
            await core.define(client)
            count += 1
    for account in ACCOUNTS:
        if account.id not in oms.accounts:
            await core.define(account)
            count += 1
    for demo_user in USERS:
        if demo_user.user.id not in oms.users:
            await core.define(demo_user.user)
            count += 1
        core.credentials.install(demo_user.user.id, demo_user.api_key, label="demo")
    return count


def native_manifest(core, config, base_url: str) -> dict:
    """The native face's manifest entry: its URL, the admin key, and the demo users' keys."""
    users = []
    for demo_user in USERS:
        user = core.oms.users.get(demo_user.user.id)
        if user is None or core.credentials.user_for(demo_user.api_key) != user.id:
            continue  # not a demo data directory (or the demo key was revoked)
        entry = {"api_key": demo_user.api_key, "user_id": user.id, "name": user.name}
        accounts = sorted(user.account_ids)
        if accounts:
            entry["account_id"] = accounts[0]
            entry["account_ids"] = accounts
        entry["permissions"] = sorted(p.value for p in user.permissions)
        users.append(entry)
    ws_url = "ws" + base_url[len("http"):] + "/ws"
    return {
        "base_url": base_url,
        "ws_url": ws_url,
        "docs_url": base_url + "/docs",
        "admin_key": core.admin_key,
        "users": users,
        "instruments": sorted(core.oms.instruments),
    }


def write_manifest(data_dir: Path, manifest: dict) -> Path:
    """Atomically, readable by the owner only: it holds the admin key."""
    path = data_dir / MANIFEST_NAME
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(manifest, out, indent=2)
        out.write("\n")
    os.replace(tmp, path)
    return path


def read_manifest(data_dir: Path) -> dict | None:
    try:
        return json.loads((data_dir / MANIFEST_NAME).read_text())
    except FileNotFoundError:
        return None


_DESCRIBED = frozenset({"name", "permissions", "account_ids", "account_id", "user_id"})


def describe(manifest: dict) -> str:
    """The manifest for a person: each face's URL and credentials."""
    lines = []
    for face, entry in manifest.items():
        if not isinstance(entry, dict) or "base_url" not in entry:
            continue
        lines.append(f"{face}: {entry['base_url']}")
        if "docs_url" in entry:
            lines.append(f"  docs:      {entry['docs_url']}")
        if "admin_key" in entry:
            lines.append(f"  admin key: {entry['admin_key']}")
        for user in (*entry.get("users", []), *entry.get("partners", [])):
            accounts = user.get("account_ids") or (
                [user["account_id"]] if user.get("account_id") else None)
            where = (f"accounts {accounts}" if accounts
                     else "all accounts" if user.get("permissions") else "")
            # each face has its own kind of credential: print whatever the entry carries
            secrets = "  ".join(f"{key} {value}" for key, value in user.items()
                                if key not in _DESCRIBED and isinstance(value, (str, int)))
            lines.append(f"  {user.get('name', ''):<12} {'/'.join(user.get('permissions', [])):<10} "
                         f"{where:<16} {secrets}")
    return "\n".join(lines)
