"""Who may act on what: clients own accounts, users act on accounts within their permissions.

TRADING users trade and read only the accounts associated with them; OPERATOR users act on any
account; READ_ONLY users read their associated accounts and never trade.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec


class Permission(StrEnum):
    TRADING = "TRADING"
    OPERATOR = "OPERATOR"
    READ_ONLY = "READ_ONLY"


class Client(msgspec.Struct, kw_only=True):
    """The owner of accounts: a person, a fund distributor's end client, a firm."""

    id: int
    name: str


class Account(msgspec.Struct, kw_only=True):
    id: int
    client_id: int
    name: str = ""


class User(msgspec.Struct, kw_only=True):
    id: int
    name: str
    permissions: frozenset[Permission]
    account_ids: frozenset[int] = frozenset()

    def may_trade(self, account_id: int) -> bool:
        permissions = self.permissions
        if Permission.OPERATOR in permissions:
            return True
        return Permission.TRADING in permissions and account_id in self.account_ids

    def may_read(self, account_id: int) -> bool:
        return Permission.OPERATOR in self.permissions or account_id in self.account_ids

    @property
    def is_operator(self) -> bool:
        return Permission.OPERATOR in self.permissions
