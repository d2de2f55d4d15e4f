"""check_place: every refusal a PlaceOrder would meet, found without changing anything."""

from __future__ import annotations

from decimal import Decimal

from openvenue.domain.commands import PlaceOrder
from openvenue.domain.orders import OrderType, Side
from openvenue.domain.reasons import RejectReason
from openvenue.oms.state_hash import state_hash


def order(venue, user: int | None = None, price: str = "10.00") -> PlaceOrder:
    return PlaceOrder(user_id=venue.TRADER_A if user is None else user,
                      account_id=venue.ACCOUNT_A, instrument="AAPL", side=Side.BUY,
                      type=OrderType.LIMIT, quantity=Decimal(1), price=Decimal(price),
                      client_order_id="a")


def test_refusals_are_found_and_nothing_changes(venue):
    oms = venue.oms
    before = state_hash(oms)
    assert oms.check_place(order(venue)) is None
    assert oms.check_place(order(venue, price="10.001")).reason is \
        RejectReason.INVALID_PRICE_INCREMENT
    assert oms.check_place(order(venue, user=venue.TRADER_B)).reason is RejectReason.NOT_AUTHORIZED
    assert state_hash(oms) == before


def test_a_used_client_order_id_passes_only_for_the_same_order(venue):
    oms = venue.oms
    assert oms.execute(order(venue)).ok
    assert oms.check_place(order(venue)) is None  # a retry: placing it returns the order
    refused = oms.check_place(order(venue, price="11.00"))
    assert refused.reason is RejectReason.DUPLICATE_CLIENT_ORDER_ID


def test_a_refusal_by_the_venue_is_recorded_and_changes_no_order(venue):
    from openvenue.domain.commands import RefuseOrder
    from openvenue.domain.events import OrderRejected

    oms = venue.oms
    outcome = oms.execute(RefuseOrder(order=order(venue), reason=RejectReason.INSTRUMENT_NOT_TRADING,
                                      text="outside market hours"))
    assert outcome.reason is RejectReason.INSTRUMENT_NOT_TRADING and outcome.order is None
    assert [type(e) for e in outcome.events] == [OrderRejected]
    assert outcome.events[0].client_order_id == "a" and not oms.index.orders
    venue.assert_replays()


def test_client_order_ids_must_be_printable_and_at_most_128_characters(venue):
    def refusal(coid: str):
        cmd = PlaceOrder(user_id=venue.TRADER_A, account_id=venue.ACCOUNT_A, instrument="AAPL",
                         side=Side.BUY, type=OrderType.LIMIT, quantity=Decimal(1),
                         price=Decimal("1.00"), client_order_id=coid)
        refused = venue.oms.check_place(cmd)
        return None if refused is None else refused.reason

    for good in ("a", "order-1 ~!", "ordre-été", "注文-7", "x" * 128):
        assert refusal(good) is None, good
    for bad in ("x" * 129, "tab\there", "nl\n", "del\x7f", "nbsp\u00a0", "zw\u200b", "\x00"):
        assert refusal(bad) is RejectReason.INVALID_CLIENT_ORDER_ID, repr(bad)
