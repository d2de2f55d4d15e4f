"""Users' rights as the manager checks them: the same rules as the users' own, always current."""

from __future__ import annotations

from decimal import Decimal
from itertools import product

from openvenue.domain.accounts import Access, Permission, User, may_read, may_trade
from openvenue.domain.commands import CancelAllOrders, PlaceOrder
from openvenue.domain.orders import OrderType, Side
from openvenue.domain.reasons import CancelRejectReason, RejectReason
from openvenue.oms.clock import ManualClock
from openvenue.oms.manager import OrderManager
from openvenue.oms.projection import replay


def test_access_follows_the_users_own_rules():
    permission_sets = [frozenset(p) for p in ((), {Permission.TRADING}, {Permission.READ_ONLY},
                                              {Permission.OPERATOR},
                                              {Permission.TRADING, Permission.READ_ONLY})]
    for permissions, accounts in product(permission_sets, (frozenset(), frozenset({1, 2}))):
        user = User(id=9, name="u", permissions=permissions, account_ids=accounts)
        access = Access(user)
        for account_id in (1, 2, 3):
            assert access.may_trade(account_id) == may_trade(user, account_id)
            assert access.may_read(account_id) == may_read(user, account_id)
            assert user.may_trade(account_id) == may_trade(user, account_id)


def _buy(venue, user: int, coid: str) -> PlaceOrder:
    return PlaceOrder(user_id=user, account_id=venue.ACCOUNT_A, instrument=venue.AAPL,
                      side=Side.BUY, type=OrderType.LIMIT, quantity=Decimal(1),
                      price=Decimal("1.00"), client_order_id=coid)


def test_a_redefined_user_has_its_new_rights_at_the_next_command(venue):
    oms = venue.oms
    assert oms.execute(_buy(venue, venue.TRADER_A, "a1")).ok
    moved = User(id=venue.TRADER_A, name="trader-a", permissions=frozenset({Permission.TRADING}),
                 account_ids=frozenset({venue.ACCOUNT_B}))
    oms.define_user(moved)
    assert oms.execute(_buy(venue, venue.TRADER_A, "a2")).reason is RejectReason.NOT_AUTHORIZED
    # and the order it placed before is no longer its to cancel, or even to see
    assert venue.cancel(1, user=venue.TRADER_A).reason is CancelRejectReason.UNKNOWN_ORDER
    assert oms.execute(CancelAllOrders(user_id=venue.TRADER_A,
                                       account_id=venue.ACCOUNT_A)).reason is \
        CancelRejectReason.NOT_AUTHORIZED


def test_a_replayed_manager_checks_the_same_rights(venue):
    rebuilt = replay(OrderManager(ManualClock()), venue.journal)
    assert rebuilt.execute(_buy(venue, venue.TRADER_A, "r1")).ok
    for user in (venue.TRADER_B, venue.READER_A, 999):
        assert rebuilt.execute(_buy(venue, user, f"r-{user}")).reason is \
            RejectReason.NOT_AUTHORIZED
    assert rebuilt.execute(_buy(venue, venue.OPERATOR, "r-op")).ok
