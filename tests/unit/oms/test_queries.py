"""The read side: what each user can see of orders and fills, and how pages walk history."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openvenue.domain.accounts import Account, Client, Permission, User
from openvenue.domain.commands import CancelOrder, PlaceOrder
from openvenue.domain.instruments import Instrument, InstrumentKind
from openvenue.domain.orders import OrderType, Side
from openvenue.oms.clock import ManualClock
from openvenue.oms.manager import OrderManager
from openvenue.oms.queries import OrderQueries, StatusFilter

ALICE, BOB, AUDITOR, OPS = 1, 2, 3, 4


@pytest.fixture
def oms() -> OrderManager:
    oms = OrderManager(ManualClock())
    oms.define_instrument(Instrument(id=1, symbol="AAPL", kind=InstrumentKind.EQUITY,
                                     tick_size=Decimal("0.01"), lot_size=Decimal(1),
                                     min_size=Decimal(1)))
    oms.define_client(Client(id=1, name="client"))
    for account in (1, 2):
        oms.define_account(Account(id=account, client_id=1))
    trading = frozenset({Permission.TRADING})
    oms.define_user(User(id=ALICE, name="alice", permissions=trading, account_ids=frozenset({1})))
    oms.define_user(User(id=BOB, name="bob", permissions=trading, account_ids=frozenset({2})))
    oms.define_user(User(id=AUDITOR, name="auditor", permissions=frozenset({Permission.READ_ONLY}),
                         account_ids=frozenset({1})))
    oms.define_user(User(id=OPS, name="ops", permissions=frozenset({Permission.OPERATOR})))
    return oms


def place(oms: OrderManager, user: int, account: int, side: Side, qty: str, price: str,
          coid: str = ""):
    outcome = oms.execute(PlaceOrder(user_id=user, account_id=account, instrument="AAPL",
                                     side=side, type=OrderType.LIMIT, quantity=Decimal(qty),
                                     price=Decimal(price), client_order_id=coid))
    assert outcome.ok, outcome
    return outcome.order


def test_get_order_by_id_client_order_id_and_uuid(oms):
    order = place(oms, ALICE, 1, Side.BUY, "5", "10.00", coid="mine-1")
    q = OrderQueries(oms)
    assert q.get_order(ALICE, order_id=order.id) is order
    assert q.get_order(ALICE, account_id=1, client_order_id="mine-1") is order
    assert q.get_order(ALICE, uuid=str(oms.ids.uuid(order.id))) is order
    assert q.get_order(AUDITOR, order_id=order.id) is order  # read-only may read
    assert q.get_order(OPS, order_id=order.id) is order


def test_foreign_order_is_indistinguishable_from_unknown(oms):
    order = place(oms, ALICE, 1, Side.BUY, "5", "10.00", coid="mine-1")
    q = OrderQueries(oms)
    assert q.get_order(BOB, order_id=order.id) is None
    assert q.get_order(BOB, order_id=999) is None
    assert q.get_order(BOB, account_id=1, client_order_id="mine-1") is None
    assert q.get_order(BOB, uuid=str(oms.ids.uuid(order.id))) is None
    assert q.get_order(ALICE, uuid="not-a-uuid") is None
    assert q.open_orders(BOB, account_id=1) == []


def test_open_orders_filters_and_excludes_closed(oms):
    first = place(oms, ALICE, 1, Side.BUY, "5", "10.00")
    second = place(oms, ALICE, 1, Side.SELL, "5", "11.00")
    third = place(oms, ALICE, 1, Side.BUY, "5", "9.00")
    oms.execute(CancelOrder(user_id=ALICE, order_id=third.id))
    place(oms, BOB, 2, Side.BUY, "5", "10.00")
    q = OrderQueries(oms)
    assert [o.id for o in q.open_orders(ALICE)] == [first.id, second.id]
    assert [o.id for o in q.open_orders(ALICE, side=Side.SELL)] == [second.id]
    assert len(q.open_orders(OPS)) == 3  # operators see every account


def test_history_pages_newest_first_without_gaps_or_repeats(oms):
    ids = [place(oms, ALICE, 1, Side.BUY, "1", f"{10 + i}.00").id for i in range(7)]
    oms.execute(CancelOrder(user_id=ALICE, order_id=ids[2]))
    q = OrderQueries(oms)
    seen, cursor = [], None
    while True:
        page = q.order_history(ALICE, account_id=1, cursor=cursor, limit=3)
        seen += [o.id for o in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == sorted(ids, reverse=True)
    closed = q.order_history(ALICE, account_id=1, status=StatusFilter.CLOSED)
    assert [o.id for o in closed.items] == [ids[2]]
    assert q.order_history(BOB, account_id=1).items == []


def test_fills_visible_to_each_side_only(oms):
    maker = place(oms, ALICE, 1, Side.SELL, "5", "10.00")
    taker = place(oms, BOB, 2, Side.BUY, "3", "10.00")
    q = OrderQueries(oms)
    alice_fills = q.fills(ALICE).items
    assert [(f.order_id, f.quantity, f.price) for f in alice_fills] == [(maker.id, 3, 1000)]
    assert [f.order_id for f in q.fills(BOB).items] == [taker.id]
    assert len(q.fills(OPS).items) == 2
    assert q.fills(BOB, account_id=1).items == []
