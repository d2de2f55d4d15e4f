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


# Read on every command: on Python 3.11 a member read off the enum class goes through
# EnumType.__getattr__, about fifteen times slower than a global.
_OPERATOR = Permission.OPERATOR
_TRADING = Permission.TRADING


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
        return may_trade(self, account_id)

    def may_read(self, account_id: int) -> bool:
        return may_read(self, account_id)

    @property
    def is_operator(self) -> bool:
        return _OPERATOR in self.permissions


# The rules themselves, as functions: the order manager calls them on every command, and compiled
# (accounts.pxd) it reaches them as C functions rather than through a method lookup.


def may_trade(user: User, account_id: int) -> bool:
    """Whether ``user`` may place, cancel and replace orders of ``account_id``."""
    permissions = user.permissions
    if _OPERATOR in permissions:
        return True
    return _TRADING in permissions and account_id in user.account_ids


def may_read(user: User, account_id: int) -> bool:
    """Whether ``user`` may see ``account_id``'s orders and fills."""
    return _OPERATOR in user.permissions or account_id in user.account_ids
