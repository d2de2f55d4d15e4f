"""FillOrder: the venue executes against a resting order, at its limit or better for it."""

from __future__ import annotations

from decimal import Decimal

from openvenue.domain.commands import FillOrder
from openvenue.domain.orders import OrderStatus, OrderType, Side
from openvenue.domain.reasons import RejectReason


def test_a_partial_fill_at_a_better_price_then_the_rest(venue):
    order = venue.buy("10", "100.00").order
    first = venue.execute(FillOrder(order_id=order.id, quantity=Decimal(4),
                                    price=Decimal("99.50")))
    assert venue.types(first.events) == ["OrderFilled"]
    fill = first.events[0]
    assert (fill.price, fill.quantity, fill.leaves) == (9950, 4, 6)
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert venue.resting() == [(order.id, 10000, 6)]
    rest = venue.execute(FillOrder(order_id=order.id))  # all the leaves, at the limit
    assert (rest.events[0].price, rest.events[0].quantity) == (10000, 6)
    assert order.status is OrderStatus.FILLED and venue.resting() == []
    assert order.filled == 10 and order.notional == 4 * 9950 + 6 * 10000
    venue.assert_replays()


def test_refusals_change_nothing(venue):
    order = venue.sell("5", "100.00").order
    worse = venue.execute(FillOrder(order_id=order.id, price=Decimal("99.99")))
    assert worse.reason is RejectReason.INVALID_PRICE and not worse.events
    too_many = venue.execute(FillOrder(order_id=order.id, quantity=Decimal(6)))
    assert too_many.reason is RejectReason.INVALID_QUANTITY
    assert venue.execute(FillOrder(order_id=999)).reason is RejectReason.UNKNOWN_ORDER
    venue.cancel(order.id)
    gone = venue.execute(FillOrder(order_id=order.id))
    assert gone.reason is RejectReason.NOT_RESTING
    assert order.filled == 0
    venue.assert_replays()


def test_the_fill_price_becomes_the_last_price_and_triggers_stops(venue):
    resting = venue.sell("5", "100.00").order
    stop = venue.place(Side.BUY, "2", type=OrderType.STOP, stop_price="100.00").order
    outcome = venue.execute(FillOrder(order_id=resting.id, quantity=Decimal(1)))
    assert venue.types(outcome.events)[:2] == ["OrderFilled", "OrderTriggered"]
    assert stop.triggered and stop.filled == 2  # the triggered stop bought from the offer
    assert resting.filled == 3
    venue.assert_replays()
