"""The Clear Street entry of the demo manifest: base URL, two demo users' keys and accounts.

A Clear Street API key is an openvenue API key (see ``auth``), so the demo's fixed keys for
trader-1 (account 1) and trader-2 (account 2) are listed, when this data directory still
holds them: a user points the SDK at ``base_url`` with one of these keys.
"""

from __future__ import annotations

from openvenue import demo
from openvenue.venues.clear_street.mapping import InstrumentIndex

DEMO_USERS = ("trader-1", "trader-2")


def manifest(core, config, base_url: str) -> dict:
    users = []
    for demo_user in demo.USERS:
        user = core.oms.users.get(demo_user.user.id)
        if (demo_user.user.name not in DEMO_USERS or user is None
                or core.credentials.user_for(demo_user.api_key) != user.id or not user.account_ids):
            continue
        users.append({"name": user.name, "api_key": demo_user.api_key,
                      "account_id": min(user.account_ids)})
    return {
        "base_url": base_url,
        "users": users,
        "symbols": [i.symbol for i in InstrumentIndex(core.oms).listed()],
    }
