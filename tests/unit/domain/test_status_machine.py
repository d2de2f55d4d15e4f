"""The order status machine: only the moves in TRANSITIONS happen, pending states can be undone."""

from __future__ import annotations

import itertools

import pytest

from openvenue.domain.orders import (
    OPEN_STATUSES,
    PENDING_STATUSES,
    TERMINAL_STATUSES,
    TRANSITIONS,
    InvalidTransition,
    Order,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)

S = OrderStatus

ALLOWED = sorted((src, dst) for src, targets in TRANSITIONS.items() for dst in targets)
FORBIDDEN = sorted(
    (src, dst) for src, dst in itertools.product(OrderStatus, OrderStatus)
    if dst not in TRANSITIONS[src]
)


def make_order(status: OrderStatus = S.NEW, quantity: int = 10, leaves: int | None = None,
               filled: int = 0) -> Order:
    return Order(
        id=7, account_id=1, user_id=1, instrument="AAPL", client_order_id="c-7", side=Side.BUY,
        type=OrderType.LIMIT, time_in_force=TimeInForce.GTC, quantity=quantity, price=10_000,
        status=status, filled=filled, leaves=quantity - filled if leaves is None else leaves,
    )


def _ids(pair):
    return f"{pair[0]}->{pair[1]}"


def test_every_status_has_a_row_and_the_table_is_partitioned():
    assert set(TRANSITIONS) == set(OrderStatus)
    assert OPEN_STATUSES | TERMINAL_STATUSES == set(OrderStatus)
    assert not OPEN_STATUSES & TERMINAL_STATUSES
    assert TERMINAL_STATUSES == {S.FILLED, S.CANCELED, S.REPLACED, S.REJECTED, S.EXPIRED}
    assert len(ALLOWED) + len(FORBIDDEN) == len(OrderStatus) ** 2


@pytest.mark.parametrize("pair", ALLOWED, ids=_ids)
def test_allowed_transition_succeeds(pair):
    src, dst = pair
    order = make_order(src)
    order.transition(dst)
    assert order.status is dst
    if dst in PENDING_STATUSES:
        assert order.previous_status is src
    else:
        assert order.previous_status is None


@pytest.mark.parametrize("pair", FORBIDDEN, ids=_ids)
def test_forbidden_transition_raises_and_changes_nothing(pair):
    src, dst = pair
    order = make_order(src)
    order.previous_status = S.NEW if src in PENDING_STATUSES else None
    before = (order.status, order.previous_status)
    with pytest.raises(InvalidTransition):
        order.transition(dst)
    assert (order.status, order.previous_status) == before


@pytest.mark.parametrize("pending", [S.PENDING_CANCEL, S.PENDING_REPLACE])
@pytest.mark.parametrize("origin", [S.NEW, S.PARTIALLY_FILLED])
def test_entering_pending_remembers_origin_and_restore_returns_to_it(origin, pending):
    order = make_order(origin)
    order.transition(pending)
    assert order.status is pending
    assert order.previous_status is origin

    order.restore()

    assert order.status is origin
    assert order.previous_status is None


@pytest.mark.parametrize("status", sorted(set(OrderStatus) - PENDING_STATUSES))
def test_restore_with_nothing_pending_raises(status):
    order = make_order(status)
    with pytest.raises(InvalidTransition):
        order.restore()
    assert order.status is status


def test_restore_twice_raises_the_second_time():
    order = make_order(S.NEW)
    order.transition(S.PENDING_CANCEL)
    order.restore()
    with pytest.raises(InvalidTransition):
        order.restore()
    assert order.status is S.NEW


def test_partial_fill_while_pending_cancel_keeps_pending_and_changes_restore_target():
    order = make_order(S.NEW, quantity=10)
    order.transition(S.PENDING_CANCEL)
    order.leaves, order.filled = 6, 4  # the engine applies quantities before the status moves

    order.record_fill()

    assert order.status is S.PENDING_CANCEL
    assert order.previous_status is S.PARTIALLY_FILLED
    order.restore()
    assert order.status is S.PARTIALLY_FILLED


def test_last_lot_while_pending_cancel_ends_filled():
    order = make_order(S.NEW, quantity=10)
    order.transition(S.PENDING_CANCEL)
    order.leaves, order.filled = 6, 4
    order.record_fill()
    order.leaves, order.filled = 0, 10

    order.record_fill()

    assert order.status is S.FILLED
    assert order.previous_status is None
    with pytest.raises(InvalidTransition):
        order.restore()


def test_fill_while_pending_replace_updates_restore_target():
    order = make_order(S.NEW, quantity=10)
    order.transition(S.PENDING_REPLACE)
    order.leaves, order.filled = 3, 7
    order.record_fill()
    assert order.status is S.PENDING_REPLACE
    order.restore()
    assert order.status is S.PARTIALLY_FILLED


@pytest.mark.parametrize("start", [S.NEW, S.PARTIALLY_FILLED])
def test_record_fill_moves_open_orders(start):
    order = make_order(start, quantity=10, filled=2)
    order.leaves, order.filled = 5, 5
    order.record_fill()
    assert order.status is S.PARTIALLY_FILLED
    order.leaves, order.filled = 0, 10
    order.record_fill()
    assert order.status is S.FILLED
    assert not order.is_open


@pytest.mark.parametrize("terminal", sorted(TERMINAL_STATUSES))
def test_record_fill_on_a_terminal_order_raises(terminal):
    order = make_order(terminal, quantity=10, leaves=0, filled=10)
    with pytest.raises(InvalidTransition):
        order.record_fill()
    assert order.status is terminal
