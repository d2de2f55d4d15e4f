"""The order's field table (what snapshots, the archive and the state hash keep) is the order."""

from __future__ import annotations

from openvenue.domain.orders import ORDER_FIELD_NAMES, Order, OrderType, Side, TimeInForce
from openvenue.oms.snapshot import order_from_tuple, order_to_tuple


def _distinct_values() -> list:
    values = [f"v{i}" for i in range(len(ORDER_FIELD_NAMES))]
    for name, value in (("side", Side.SELL), ("type", OrderType.LIMIT),
                        ("time_in_force", TimeInForce.IOC), ("post_only", True),
                        ("is_buy", False), ("triggered", True), ("sent_to_fund", True)):
        values[ORDER_FIELD_NAMES.index(name)] = value
    values[ORDER_FIELD_NAMES.index("on_book")] = False  # only a rebuilt book queue sets it
    return values


def test_every_name_in_the_table_is_a_constructor_argument_and_an_attribute():
    values = _distinct_values()
    order = Order(**dict(zip(ORDER_FIELD_NAMES, values)))
    assert [getattr(order, name) for name in ORDER_FIELD_NAMES] == values


def test_every_field_survives_a_round_trip_through_the_snapshot_tuple_in_table_order():
    values = _distinct_values()
    order = Order(*values)
    assert order_to_tuple(order) == tuple(values)
    assert order_to_tuple(order_from_tuple(order_to_tuple(order))) == tuple(values)
