"""Golden event streams: what the venue says, event by event, for each matching and cancel rule.

Each scenario runs commands through the OMS and checks the exact event types and the fields a
client sees (order ids, prices in ticks, quantities in lots, liquidity, leaves, reasons), then
replays the whole journal into a fresh manager and checks it rebuilds the same state hash.

AAPL: tick 0.01, lot 1 share, so "100.00" is 10_000 ticks. BTC-PERP: tick 0.1, lot 0.0001.
The fund: NAV tick 0.0001, unit lot 0.0000001, cash increment 0.01.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from openvenue.domain.commands import (
    CancelOrder,
    ExecuteFundOrders,
    PlaceOrder,
    ReplaceOrder,
    RunFundCutoff,
)
from openvenue.domain.events import (
    CancelRejected,
    OrderCanceled,
    OrderFilled,
    OrderReplaced,
    OrderTriggered,
)
from openvenue.domain.orders import Liquidity, OrderStatus, OrderType, Side, StpMode, TimeInForce
from openvenue.domain.reasons import CancelReason, CancelRejectReason, RejectReason

TAKER, MAKER, NAV = Liquidity.TAKER, Liquidity.MAKER, Liquidity.NAV
S = OrderStatus
SECOND = 1_000_000_000
HOUR = 3600 * SECOND


def fills(events) -> list[tuple[int, int, int, Liquidity, int]]:
    """``(order_id, price, quantity, liquidity, leaves)`` of each fill, in stream order."""
    events = getattr(events, "events", events)
    return [(e.order_id, e.price, e.quantity, e.liquidity, e.leaves)
            for e in events if isinstance(e, OrderFilled)]


def trade_pairs_share_ids(events) -> bool:
    """Every trade is a TAKER then a MAKER fill with one trade id, and trade ids are distinct."""
    events = [e for e in getattr(events, "events", events) if isinstance(e, OrderFilled)]
    pairs = list(zip(events[::2], events[1::2]))
    return (len(events) % 2 == 0
            and all(t.liquidity is TAKER and m.liquidity is MAKER and t.trade_id == m.trade_id
                    for t, m in pairs)
            and len({t.trade_id for t, _ in pairs}) == len(pairs))


# -- fills ----------------------------------------------------------------------------------------


def test_partial_fills_then_complete(venue):
    maker = venue.sell("10", "100.00").order
    assert venue.types(venue.journal[-1:]) == ["OrderAccepted"]

    first = venue.buy("4", "100.00", account=venue.ACCOUNT_B)
    assert venue.types(first) == ["OrderAccepted", "OrderFilled", "OrderFilled"]
    taker1 = first.order
    assert fills(first) == [(taker1.id, 10_000, 4, TAKER, 0), (maker.id, 10_000, 4, MAKER, 6)]
    assert trade_pairs_share_ids(first)
    assert first.events[1].account_id == venue.ACCOUNT_B
    assert first.events[2].account_id == venue.ACCOUNT_A
    assert maker.status is S.PARTIALLY_FILLED and maker.filled == 4 and maker.leaves == 6
    assert taker1.status is S.FILLED
    assert venue.resting() == [(maker.id, 10_000, 6)]

    # a buyer willing to pay more still trades at the resting order's price
    second = venue.buy("6", "100.05", account=venue.ACCOUNT_B)
    assert venue.types(second) == ["OrderAccepted", "OrderFilled", "OrderFilled"]
    assert fills(second) == [(second.order.id, 10_000, 6, TAKER, 0), (maker.id, 10_000, 6, MAKER, 0)]
    assert second.events[1].trade_id != first.events[1].trade_id
    assert maker.status is S.FILLED and maker.filled == 10 and maker.leaves == 0
    assert venue.resting() == []
    assert venue.book().last_price == 10_000
    venue.assert_replays()


def test_sweep_across_price_levels_fills_best_first_at_each_makers_price(venue):
    a102 = venue.sell("5", "100.02").order
    a100 = venue.sell("3", "100.00").order
    a101 = venue.sell("4", "100.01").order
    beyond = venue.sell("9", "100.03").order

    out = venue.buy("10", "100.02", account=venue.ACCOUNT_B)
    taker = out.order
    assert venue.types(out) == ["OrderAccepted"] + ["OrderFilled"] * 6
    assert fills(out) == [
        (taker.id, 10_000, 3, TAKER, 7), (a100.id, 10_000, 3, MAKER, 0),
        (taker.id, 10_001, 4, TAKER, 3), (a101.id, 10_001, 4, MAKER, 0),
        (taker.id, 10_002, 3, TAKER, 0), (a102.id, 10_002, 3, MAKER, 2),
    ]
    assert trade_pairs_share_ids(out)
    assert taker.status is S.FILLED
    assert taker.notional == 10_000 * 3 + 10_001 * 4 + 10_002 * 3
    assert venue.resting() == [(a102.id, 10_002, 2), (beyond.id, 10_003, 9)]
    assert venue.book().last_price == 10_002
    venue.assert_replays()


def test_market_order_sweeps_and_cancels_what_the_book_cannot_fill(venue):
    a = venue.sell("2", "50.00").order
    b = venue.sell("3", "50.10").order
    out = venue.buy("8", tif=TimeInForce.IOC, account=venue.ACCOUNT_B)  # MARKET
    taker = out.order
    assert venue.types(out) == ["OrderAccepted"] + ["OrderFilled"] * 4 + ["OrderCanceled"]
    assert fills(out) == [
        (taker.id, 5_000, 2, TAKER, 6), (a.id, 5_000, 2, MAKER, 0),
        (taker.id, 5_010, 3, TAKER, 3), (b.id, 5_010, 3, MAKER, 0),
    ]
    canceled = out.events[-1]
    assert (canceled.order_id, canceled.canceled_quantity, canceled.reason) == (
        taker.id, 3, CancelReason.IOC_REMAINDER)
    assert taker.status is S.CANCELED and taker.filled == 5
    venue.assert_replays()


def test_time_priority_within_a_level(venue):
    first = venue.sell("5", "100.00").order
    second = venue.sell("5", "100.00", account=venue.ACCOUNT_B).order
    third = venue.sell("5", "100.00").order

    out = venue.buy("7", "100.00", account=venue.ACCOUNT_B)
    assert fills(out) == [
        (out.order.id, 10_000, 5, TAKER, 2), (first.id, 10_000, 5, MAKER, 0),
        (out.order.id, 10_000, 2, TAKER, 0), (second.id, 10_000, 2, MAKER, 3),
    ]
    assert venue.resting() == [(second.id, 10_000, 3), (third.id, 10_000, 5)]
    venue.assert_replays()


def test_better_price_beats_earlier_time(venue):
    early = venue.buy("5", "99.00").order
    better = venue.buy("5", "99.01").order
    out = venue.sell("5", "99.00", account=venue.ACCOUNT_B)
    assert fills(out) == [(out.order.id, 9_901, 5, TAKER, 0), (better.id, 9_901, 5, MAKER, 0)]
    assert venue.resting() == [(early.id, 9_900, 5)]
    venue.assert_replays()


# -- time in force and post-only ------------------------------------------------------------------


def test_ioc_remainder_is_canceled(venue):
    maker = venue.sell("3", "100.00").order
    venue.sell("5", "100.01")  # beyond the IOC's limit: untouched
    out = venue.buy("5", "100.00", tif=TimeInForce.IOC, account=venue.ACCOUNT_B)
    ioc = out.order
    assert venue.types(out) == ["OrderAccepted", "OrderFilled", "OrderFilled", "OrderCanceled"]
    assert fills(out) == [(ioc.id, 10_000, 3, TAKER, 2), (maker.id, 10_000, 3, MAKER, 0)]
    canceled = out.events[-1]
    assert (canceled.order_id, canceled.canceled_quantity, canceled.reason) == (
        ioc.id, 2, CancelReason.IOC_REMAINDER)
    assert ioc.status is S.CANCELED and ioc.filled == 3 and ioc.leaves == 0
    assert [o for o, _, _ in venue.resting()] == [maker.id + 1]  # the IOC never rests
    venue.assert_replays()


def test_ioc_with_nothing_to_match_is_canceled_whole(venue):
    out = venue.buy("5", "100.00", tif=TimeInForce.IOC)
    assert venue.types(out) == ["OrderAccepted", "OrderCanceled"]
    assert out.events[1].canceled_quantity == 5
    assert out.events[1].reason is CancelReason.IOC_REMAINDER
    assert venue.resting() == []
    venue.assert_replays()


def test_fok_that_cannot_fill_fully_is_canceled_without_touching_the_book(venue):
    a = venue.sell("3", "100.00").order
    b = venue.sell("2", "100.05").order
    venue.sell("10", "100.06")  # beyond the FOK's limit
    before = venue.resting()

    out = venue.buy("6", "100.05", tif=TimeInForce.FOK, account=venue.ACCOUNT_B)
    fok = out.order
    assert venue.types(out) == ["OrderAccepted", "OrderCanceled"]
    canceled = out.events[1]
    assert (canceled.order_id, canceled.canceled_quantity, canceled.reason) == (
        fok.id, 6, CancelReason.IOC_REMAINDER)
    assert fok.status is S.CANCELED and fok.filled == 0
    assert venue.resting() == before
    assert a.leaves == 3 and b.leaves == 2 and a.status is S.NEW
    assert venue.book().last_price == 0
    venue.assert_replays()


def test_fok_that_can_fill_fills_across_levels(venue):
    a = venue.sell("3", "100.00").order
    b = venue.sell("4", "100.05").order
    out = venue.buy("5", "100.05", tif=TimeInForce.FOK, account=venue.ACCOUNT_B)
    fok = out.order
    assert venue.types(out) == ["OrderAccepted"] + ["OrderFilled"] * 4
    assert fills(out) == [
        (fok.id, 10_000, 3, TAKER, 2), (a.id, 10_000, 3, MAKER, 0),
        (fok.id, 10_005, 2, TAKER, 0), (b.id, 10_005, 2, MAKER, 2),
    ]
    assert fok.status is S.FILLED
    venue.assert_replays()


def test_post_only_that_would_cross_is_rejected_and_nothing_rests(venue):
    ask = venue.sell("3", "100.00").order
    next_id = venue.oms.next_order_id

    out = venue.buy("1", "100.00", post_only=True, account=venue.ACCOUNT_B,
                    client_order_id="po-1")
    assert venue.types(out) == ["OrderRejected"]
    rejected = out.events[0]
    assert rejected.reason is RejectReason.POST_ONLY_WOULD_CROSS
    assert (rejected.account_id, rejected.client_order_id) == (venue.ACCOUNT_B, "po-1")
    assert out.order is None and out.reason is RejectReason.POST_ONLY_WOULD_CROSS
    assert venue.resting() == [(ask.id, 10_000, 3)]
    assert venue.oms.next_order_id == next_id

    # one tick away it rests as a maker
    passive = venue.buy("1", "99.99", post_only=True, account=venue.ACCOUNT_B)
    assert venue.types(passive) == ["OrderAccepted"]
    assert venue.resting() == [(passive.order.id, 9_999, 1), (ask.id, 10_000, 3)]
    venue.assert_replays()


# -- self-trade prevention ------------------------------------------------------------------------


def test_stp_cancel_aggressing(venue):
    maker = venue.sell("5", "100.00").order
    out = venue.buy("3", "100.00", stp=StpMode.CANCEL_AGGRESSING)
    taker = out.order
    assert venue.types(out) == ["OrderAccepted", "OrderCanceled"]
    c = out.events[1]
    assert (c.order_id, c.canceled_quantity, c.reason) == (taker.id, 3, CancelReason.SELF_TRADE)
    assert taker.status is S.CANCELED and taker.filled == 0
    assert maker.status is S.NEW and venue.resting() == [(maker.id, 10_000, 5)]
    venue.assert_replays()


def test_stp_cancel_resting_then_trades_with_the_next_account(venue):
    own = venue.sell("5", "100.00").order
    other = venue.sell("5", "100.00", account=venue.ACCOUNT_B).order
    out = venue.buy("3", "100.00", stp=StpMode.CANCEL_RESTING)
    taker = out.order
    assert venue.types(out) == ["OrderAccepted", "OrderCanceled", "OrderFilled", "OrderFilled"]
    c = out.events[1]
    assert (c.order_id, c.canceled_quantity, c.reason) == (own.id, 5, CancelReason.SELF_TRADE)
    assert fills(out) == [(taker.id, 10_000, 3, TAKER, 0), (other.id, 10_000, 3, MAKER, 2)]
    assert own.status is S.CANCELED and taker.status is S.FILLED
    assert venue.resting() == [(other.id, 10_000, 2)]
    venue.assert_replays()


def test_stp_cancel_resting_then_rests_when_nothing_else_crosses(venue):
    own = venue.sell("5", "100.00").order
    out = venue.buy("3", "100.00", stp=StpMode.CANCEL_RESTING)
    assert venue.types(out) == ["OrderAccepted", "OrderCanceled"]
    assert out.events[1].order_id == own.id
    assert venue.resting() == [(out.order.id, 10_000, 3)]
    assert out.order.status is S.NEW
    venue.assert_replays()


def test_stp_cancel_both(venue):
    maker = venue.sell("5", "100.00").order
    out = venue.buy("3", "100.00", stp=StpMode.CANCEL_BOTH)
    taker = out.order
    assert venue.types(out) == ["OrderAccepted", "OrderCanceled", "OrderCanceled"]
    assert [(e.order_id, e.canceled_quantity, e.reason) for e in out.events[1:]] == [
        (maker.id, 5, CancelReason.SELF_TRADE), (taker.id, 3, CancelReason.SELF_TRADE)]
    assert maker.status is S.CANCELED and taker.status is S.CANCELED
    assert venue.resting() == []
    venue.assert_replays()


def test_stp_decrement_and_cancel_taker_larger(venue):
    maker = venue.sell("5", "100.00").order
    out = venue.buy("8", "100.00", stp=StpMode.DECREMENT_AND_CANCEL)
    taker = out.order
    assert venue.types(out) == ["OrderAccepted", "OrderCanceled", "OrderReduced"]
    c, r = out.events[1:]
    assert (c.order_id, c.canceled_quantity, c.reason) == (maker.id, 5, CancelReason.SELF_TRADE)
    assert (r.order_id, r.reduced_by, r.leaves, r.reason) == (taker.id, 5, 3,
                                                              CancelReason.SELF_TRADE)
    assert maker.status is S.CANCELED
    assert taker.status is S.NEW and taker.leaves == 3 and taker.filled == 0
    assert venue.resting() == [(taker.id, 10_000, 3)]
    venue.assert_replays()


def test_stp_decrement_and_cancel_taker_larger_keeps_matching_other_accounts(venue):
    own = venue.sell("5", "100.00").order
    other = venue.sell("2", "100.00", account=venue.ACCOUNT_B).order
    out = venue.buy("8", "100.00", stp=StpMode.DECREMENT_AND_CANCEL)
    taker = out.order
    assert venue.types(out) == ["OrderAccepted", "OrderCanceled", "OrderReduced",
                                "OrderFilled", "OrderFilled"]
    assert out.events[1].order_id == own.id
    assert (out.events[2].reduced_by, out.events[2].leaves) == (5, 3)
    assert fills(out) == [(taker.id, 10_000, 2, TAKER, 1), (other.id, 10_000, 2, MAKER, 0)]
    assert venue.resting() == [(taker.id, 10_000, 1)]
    venue.assert_replays()


def test_stp_decrement_and_cancel_maker_larger(venue):
    maker = venue.sell("5", "100.00").order
    out = venue.buy("3", "100.00", stp=StpMode.DECREMENT_AND_CANCEL)
    taker = out.order
    assert venue.types(out) == ["OrderAccepted", "OrderReduced", "OrderCanceled"]
    r, c = out.events[1:]
    assert (r.order_id, r.reduced_by, r.leaves, r.reason) == (maker.id, 3, 2,
                                                              CancelReason.SELF_TRADE)
    assert (c.order_id, c.canceled_quantity, c.reason) == (taker.id, 3, CancelReason.SELF_TRADE)
    assert maker.status is S.NEW and maker.leaves == 2 and maker.filled == 0
    assert taker.status is S.CANCELED
    assert venue.resting() == [(maker.id, 10_000, 2)]
    assert venue.oms.engine.books[venue.AAPL].depth()[1] == [(10_000, 2, 1)]
    venue.assert_replays()


def test_stp_decrement_and_cancel_equal_sizes_cancels_both(venue):
    maker = venue.sell("5", "100.00").order
    out = venue.buy("5", "100.00", stp=StpMode.DECREMENT_AND_CANCEL)
    taker = out.order
    assert venue.types(out) == ["OrderAccepted", "OrderCanceled", "OrderCanceled"]
    assert [(e.order_id, e.canceled_quantity, e.reason) for e in out.events[1:]] == [
        (maker.id, 5, CancelReason.SELF_TRADE), (taker.id, 5, CancelReason.SELF_TRADE)]
    assert venue.resting() == []
    venue.assert_replays()


def test_stp_none_lets_the_same_account_trade(venue):
    maker = venue.sell("5", "100.00").order
    out = venue.buy("5", "100.00", stp=StpMode.NONE)
    assert venue.types(out) == ["OrderAccepted", "OrderFilled", "OrderFilled"]
    assert fills(out) == [(out.order.id, 10_000, 5, TAKER, 0), (maker.id, 10_000, 5, MAKER, 0)]
    assert {e.account_id for e in out.events[1:]} == {venue.ACCOUNT_A}
    venue.assert_replays()


def test_stp_only_applies_to_the_same_account(venue):
    maker = venue.sell("5", "100.00", account=venue.ACCOUNT_B).order
    out = venue.buy("5", "100.00", stp=StpMode.CANCEL_BOTH)
    assert fills(out) == [(out.order.id, 10_000, 5, TAKER, 0), (maker.id, 10_000, 5, MAKER, 0)]
    venue.assert_replays()


# -- stops ----------------------------------------------------------------------------------------


def print_trade(venue, price: str, quantity: str = "1") -> None:
    """A trade between the two accounts at ``price``: sets the last trade price."""
    venue.sell(quantity, price, account=venue.ACCOUNT_A)
    out = venue.buy(quantity, price, account=venue.ACCOUNT_B)
    assert venue.types(out)[:3] == ["OrderAccepted", "OrderFilled", "OrderFilled"]


def test_buy_stop_triggers_when_a_trade_prints_at_or_above_the_stop(venue):
    print_trade(venue, "100.00")
    stop = venue.buy("2", type=OrderType.STOP, stop_price="101.00", account=venue.ACCOUNT_B)
    assert venue.types(stop) == ["OrderAccepted"]
    stop = stop.order
    assert stop.status is S.NEW and not stop.on_book

    print_trade(venue, "100.99")  # below the stop: stays parked
    assert not any(isinstance(e, OrderTriggered) for e in venue.journal)

    ask = venue.sell("5", "101.00").order
    out = venue.buy("1", "101.00", account=venue.ACCOUNT_B)  # prints at exactly 101.00
    trigger_buyer = out.order
    assert venue.types(out) == ["OrderAccepted", "OrderFilled", "OrderFilled", "OrderTriggered",
                                "OrderFilled", "OrderFilled"]
    triggered = out.events[3]
    assert (triggered.order_id, triggered.last_price) == (stop.id, 10_100)
    assert fills(out) == [
        (trigger_buyer.id, 10_100, 1, TAKER, 0), (ask.id, 10_100, 1, MAKER, 4),
        (stop.id, 10_100, 2, TAKER, 0), (ask.id, 10_100, 2, MAKER, 2),
    ]
    assert stop.status is S.FILLED and stop.triggered
    venue.assert_replays()


def test_sell_stop_triggers_when_a_trade_prints_at_or_below_the_stop(venue):
    print_trade(venue, "100.00")
    bid = venue.buy("10", "98.50", account=venue.ACCOUNT_B).order
    stop = venue.sell("3", type=OrderType.STOP, stop_price="99.00").order

    print_trade(venue, "99.01")  # above the stop
    assert stop.status is S.NEW and not stop.triggered

    venue.buy("1", "99.00", account=venue.ACCOUNT_B)
    out = venue.sell("1", "99.00", account=venue.ACCOUNT_A)  # prints at 99.00
    assert venue.types(out) == ["OrderAccepted", "OrderFilled", "OrderFilled", "OrderTriggered",
                                "OrderFilled", "OrderFilled"]
    assert (out.events[3].order_id, out.events[3].last_price) == (stop.id, 9_900)
    # triggered as a market order, it takes the best bid left
    assert fills(out)[2:] == [(stop.id, 9_850, 3, TAKER, 0), (bid.id, 9_850, 3, MAKER, 7)]
    venue.assert_replays()


def test_sell_stop_triggers_on_a_trade_below_the_stop(venue):
    print_trade(venue, "100.00")
    bid = venue.buy("10", "97.00", account=venue.ACCOUNT_B).order
    stop = venue.sell("3", type=OrderType.STOP, stop_price="99.00").order
    out = venue.sell("1", "97.00", account=venue.ACCOUNT_A)  # straight through to 97.00
    assert venue.types(out) == ["OrderAccepted", "OrderFilled", "OrderFilled", "OrderTriggered",
                                "OrderFilled", "OrderFilled"]
    assert out.events[3].last_price == 9_700
    assert fills(out)[2:] == [(stop.id, 9_700, 3, TAKER, 0), (bid.id, 9_700, 3, MAKER, 6)]
    venue.assert_replays()


def test_stop_limit_rests_at_its_limit_after_triggering(venue):
    print_trade(venue, "100.00")
    stop = venue.buy("4", "101.00", type=OrderType.STOP_LIMIT, stop_price="100.50",
                     account=venue.ACCOUNT_B).order
    assert stop.status is S.NEW and not stop.on_book
    assert venue.oms.engine.books[venue.AAPL].best_bid() is None

    venue.sell("1", "100.60")
    venue.sell("3", "101.50")  # above the stop-limit's limit
    out = venue.buy("1", "100.60", account=venue.ACCOUNT_B)
    assert venue.types(out) == ["OrderAccepted", "OrderFilled", "OrderFilled", "OrderTriggered"]
    assert (out.events[3].order_id, out.events[3].last_price) == (stop.id, 10_060)
    assert stop.triggered and stop.on_book and stop.status is S.NEW
    assert venue.book().best_bid() == 10_100
    assert (stop.id, 10_100, 4) in venue.resting()

    # it now trades as an ordinary resting limit order
    hit = venue.sell("4", "101.00")
    assert fills(hit) == [(hit.order.id, 10_100, 4, TAKER, 0), (stop.id, 10_100, 4, MAKER, 0)]
    venue.assert_replays()


def test_stop_placed_beyond_the_last_price_triggers_at_once(venue):
    print_trade(venue, "100.00")
    ask = venue.sell("5", "100.10").order
    out = venue.buy("2", type=OrderType.STOP, stop_price="99.00", account=venue.ACCOUNT_B)
    assert venue.types(out) == ["OrderAccepted", "OrderTriggered", "OrderFilled", "OrderFilled"]
    assert out.events[1].last_price == 10_000
    assert fills(out) == [(out.order.id, 10_010, 2, TAKER, 0), (ask.id, 10_010, 2, MAKER, 3)]
    venue.assert_replays()


def test_stop_before_any_trade_waits(venue):
    venue.sell("5", "100.00")
    out = venue.buy("1", type=OrderType.STOP, stop_price="1.00", account=venue.ACCOUNT_B)
    assert venue.types(out) == ["OrderAccepted"]
    assert not out.order.triggered
    venue.assert_replays()


# -- expiry ---------------------------------------------------------------------------------------

NY_CLOSE_JAN_1 = 1_767_301_200_000_000_000  # 2026-01-01T16:00-05:00 = 21:00Z
UTC_MIDNIGHT_JAN_2 = 1_767_312_000_000_000_000  # 2026-01-02T00:00Z


def test_day_order_expires_at_the_session_close_on_tick(venue):
    # the clock starts at 2026-01-01T00:00Z, 19:00 the day before in New York
    maker = venue.sell("10", "100.00", tif=TimeInForce.DAY).order
    accepted = venue.journal[-1]
    assert accepted.expire_ns == NY_CLOSE_JAN_1
    venue.buy("4", "100.00", account=venue.ACCOUNT_B)

    venue.clock.set(NY_CLOSE_JAN_1 - 1)
    assert venue.oms.tick().events == []
    assert maker.is_open

    venue.clock.set(NY_CLOSE_JAN_1)
    out = venue.oms.tick()
    assert venue.types(out) == ["OrderExpired"]
    expired = out.events[0]
    assert (expired.order_id, expired.account_id, expired.expired_quantity) == (
        maker.id, venue.ACCOUNT_A, 6)
    assert expired.ts == NY_CLOSE_JAN_1
    assert maker.status is S.EXPIRED and maker.filled == 4 and maker.leaves == 0
    assert venue.resting() == []
    assert venue.oms.tick().events == []  # it expires once
    venue.assert_replays()


def test_day_expiry_runs_before_the_next_command(venue):
    day = venue.buy("1", "99.00", tif=TimeInForce.DAY).order
    gtc = venue.buy("1", "98.00").order
    venue.clock.set(NY_CLOSE_JAN_1 + 5 * SECOND)

    out = venue.sell("1", "99.00", account=venue.ACCOUNT_B)
    assert venue.types(out) == ["OrderExpired", "OrderAccepted"]
    assert out.events[0].order_id == day.id
    # the expired bid is gone before the sell arrives: the sell rests instead of trading
    assert venue.resting() == [(gtc.id, 9_800, 1), (out.order.id, 9_900, 1)]
    venue.assert_replays()


def test_crypto_day_order_expires_at_utc_midnight(venue):
    out = venue.buy("0.0100", "65000.0", instrument=venue.BTC, tif=TimeInForce.DAY)
    assert out.events[0].expire_ns == UTC_MIDNIGHT_JAN_2
    venue.clock.set(NY_CLOSE_JAN_1)
    assert venue.oms.tick().events == []
    venue.clock.set(UTC_MIDNIGHT_JAN_2)
    expired = venue.oms.tick().events
    assert venue.types(expired) == ["OrderExpired"]
    assert expired[0].expired_quantity == 100
    assert venue.resting(venue.BTC) == []
    venue.assert_replays()


def test_gtd_order_expires_at_its_expire_time(venue):
    t0 = venue.clock.now_ns()
    gtd = venue.sell("5", "100.00", tif=TimeInForce.GTD, expire_ns=t0 + 5 * SECOND).order
    keep = venue.sell("5", "100.01").order
    assert venue.journal[-2].expire_ns == t0 + 5 * SECOND

    venue.clock.advance(5 * SECOND - 1)
    assert venue.oms.tick().events == []
    venue.clock.advance(1)
    out = venue.oms.tick()
    assert venue.types(out) == ["OrderExpired"]
    assert (out.events[0].order_id, out.events[0].expired_quantity) == (gtd.id, 5)
    assert gtd.status is S.EXPIRED
    assert venue.resting() == [(keep.id, 10_001, 5)]
    venue.assert_replays()


# -- replace --------------------------------------------------------------------------------------


def replace(venue, order, **kw):
    values = {k: Decimal(v) if k in ("quantity", "price", "stop_price") else v
              for k, v in kw.items()}
    return venue.execute(ReplaceOrder(user_id=venue.trader_of(order.account_id),
                                      order_id=order.id, **values))


def test_replace_quantity_down_keeps_time_priority(venue):
    first = venue.sell("10", "100.00").order
    second = venue.sell("10", "100.00", account=venue.ACCOUNT_B).order

    out = replace(venue, first, quantity="6")
    assert venue.types(out) == ["OrderReplaced"]
    r = out.events[0]
    assert (r.order_id, r.quantity, r.price, r.leaves, r.priority_kept, r.new_order_id) == (
        first.id, 6, 10_000, 6, True, 0)
    assert venue.resting() == [(first.id, 10_000, 6), (second.id, 10_000, 10)]
    assert venue.book().depth()[1] == [(10_000, 16, 2)]

    hit = venue.buy("6", "100.00", account=venue.ACCOUNT_B)
    assert fills(hit)[1] == (first.id, 10_000, 6, MAKER, 0)
    assert venue.resting() == [(second.id, 10_000, 10)]
    venue.assert_replays()


def test_replace_quantity_down_after_a_partial_fill(venue):
    order = venue.sell("10", "100.00").order
    venue.buy("3", "100.00", account=venue.ACCOUNT_B)
    out = replace(venue, order, quantity="5")
    r = out.events[0]
    assert (r.quantity, r.leaves, r.priority_kept) == (5, 2, True)
    assert order.status is S.PARTIALLY_FILLED and order.filled == 3
    venue.assert_replays()


def test_replace_quantity_up_loses_time_priority(venue):
    first = venue.sell("10", "100.00").order
    second = venue.sell("10", "100.00", account=venue.ACCOUNT_B).order

    out = replace(venue, first, quantity="12")
    assert venue.types(out) == ["OrderReplaced"]
    assert (out.events[0].quantity, out.events[0].leaves, out.events[0].priority_kept) == (
        12, 12, False)
    assert venue.resting() == [(second.id, 10_000, 10), (first.id, 10_000, 12)]

    hit = venue.buy("6", "100.00", account=venue.ACCOUNT_B)
    assert fills(hit)[1] == (second.id, 10_000, 6, MAKER, 4)
    venue.assert_replays()


def test_replace_price_change_loses_time_priority(venue):
    first = venue.sell("10", "100.00").order
    second = venue.sell("10", "100.00", account=venue.ACCOUNT_B).order

    away = replace(venue, first, price="100.01")
    assert (away.events[0].price, away.events[0].priority_kept) == (10_001, False)
    back = replace(venue, first, price="100.00")
    assert (back.events[0].price, back.events[0].priority_kept) == (10_000, False)
    assert venue.resting() == [(second.id, 10_000, 10), (first.id, 10_000, 10)]

    hit = venue.buy("10", "100.00", account=venue.ACCOUNT_B)
    assert fills(hit) == [(hit.order.id, 10_000, 10, TAKER, 0), (second.id, 10_000, 10, MAKER, 0)]
    venue.assert_replays()


def test_replace_that_crosses_trades_immediately(venue):
    bid = venue.buy("5", "99.00").order
    ask = venue.sell("3", "100.00", account=venue.ACCOUNT_B).order

    out = replace(venue, bid, price="100.00")
    assert venue.types(out) == ["OrderReplaced", "OrderFilled", "OrderFilled"]
    r = out.events[0]
    assert (r.order_id, r.price, r.leaves, r.priority_kept) == (bid.id, 10_000, 5, False)
    assert fills(out) == [(bid.id, 10_000, 3, TAKER, 2), (ask.id, 10_000, 3, MAKER, 0)]
    assert bid.status is S.PARTIALLY_FILLED
    assert venue.resting() == [(bid.id, 10_000, 2)]
    venue.assert_replays()


def test_replace_as_new_order_ends_the_original_replaced(venue):
    old = venue.sell("10", "100.00", client_order_id="s-1").order
    out = replace(venue, old, price="100.05", as_new_order=True, new_client_order_id="s-2")
    assert venue.types(out) == ["OrderReplaced", "OrderAccepted"]
    new = out.order
    assert out.events[0].new_order_id == new.id and new.id != old.id
    assert out.events[1].replaces == old.id and out.events[1].client_order_id == "s-2"
    assert old.status is S.REPLACED
    assert venue.resting() == [(new.id, 10_005, 10)]
    late = venue.cancel(old.id)
    assert late.reason is CancelRejectReason.TOO_LATE_TO_CANCEL
    venue.assert_replays()


# -- cancel ---------------------------------------------------------------------------------------


def test_cancel_a_partially_filled_order_keeps_its_fills(venue):
    order = venue.sell("10", "100.00").order
    venue.buy("4", "100.00", account=venue.ACCOUNT_B)

    out = venue.cancel(order.id)
    assert venue.types(out) == ["OrderCanceled"]
    c = out.events[0]
    assert (c.order_id, c.account_id, c.canceled_quantity, c.reason) == (
        order.id, venue.ACCOUNT_A, 6, CancelReason.REQUESTED)
    assert order.status is S.CANCELED
    assert (order.filled, order.leaves, order.quantity) == (4, 0, 10)
    assert venue.resting() == []
    venue.assert_replays()


def test_cancel_after_the_last_fill_is_too_late(venue):
    order = venue.sell("5", "100.00").order
    venue.buy("5", "100.00", account=venue.ACCOUNT_B)

    out = venue.cancel(order.id)
    assert venue.types(out) == ["CancelRejected"]
    r = out.events[0]
    assert (r.order_id, r.account_id, r.user_id, r.reason) == (
        order.id, venue.ACCOUNT_A, venue.TRADER_A, CancelRejectReason.TOO_LATE_TO_CANCEL)
    assert out.reason is CancelRejectReason.TOO_LATE_TO_CANCEL
    assert order.status is S.FILLED
    venue.assert_replays()


def test_second_cancel_while_one_is_pending_is_already_pending(venue):
    order = venue.sell("5", "100.00").order
    t0 = venue.clock.now_ns()

    pending = venue.cancel(order.id, delay_ns=2 * SECOND)
    assert venue.types(pending) == ["OrderPendingCancel"]
    p = pending.events[0]
    assert (p.order_id, p.user_id, p.reason, p.due_ns) == (
        order.id, venue.TRADER_A, CancelReason.REQUESTED, t0 + 2 * SECOND)
    assert order.status is S.PENDING_CANCEL and order.previous_status is S.NEW
    assert order.on_book  # still working until the cancel completes

    again = venue.cancel(order.id)
    assert venue.types(again) == ["CancelRejected"]
    assert again.events[0].reason is CancelRejectReason.ALREADY_PENDING
    assert order.status is S.PENDING_CANCEL

    venue.clock.advance(2 * SECOND)
    done = venue.oms.tick()
    assert venue.types(done) == ["OrderCanceled"]
    assert (done.events[0].order_id, done.events[0].canceled_quantity) == (order.id, 5)
    assert order.status is S.CANCELED
    venue.assert_replays()


def test_delayed_cancel_completed_by_the_clock(venue):
    order = venue.sell("5", "100.00").order
    venue.cancel(order.id, delay_ns=SECOND)

    venue.clock.advance(SECOND - 1)
    assert venue.oms.tick().events == []
    assert order.status is S.PENDING_CANCEL

    venue.clock.advance(1)
    out = venue.oms.tick()
    assert venue.types(out) == ["OrderCanceled"]
    c = out.events[0]
    assert (c.order_id, c.canceled_quantity, c.reason) == (order.id, 5, CancelReason.REQUESTED)
    assert order.status is S.CANCELED
    assert venue.resting() == []
    venue.assert_replays()


def test_delayed_cancel_overtaken_by_the_last_fill_is_rejected_exactly_once(venue):
    order = venue.sell("5", "100.00").order
    venue.cancel(order.id, delay_ns=SECOND)

    out = venue.buy("5", "100.00", account=venue.ACCOUNT_B)
    assert venue.types(out) == ["OrderAccepted", "OrderFilled", "OrderFilled", "CancelRejected"]
    assert fills(out)[1] == (order.id, 10_000, 5, MAKER, 0)
    r = out.events[-1]
    assert (r.order_id, r.user_id, r.reason) == (
        order.id, venue.TRADER_A, CancelRejectReason.TOO_LATE_TO_CANCEL)
    assert order.status is S.FILLED

    venue.clock.advance(SECOND)
    assert venue.oms.tick().events == []
    outcomes = [e for e in venue.journal if isinstance(e, (OrderCanceled, CancelRejected))
                and e.order_id == order.id]
    assert len(outcomes) == 1
    venue.assert_replays()


def test_partial_fill_during_a_pending_cancel_then_the_cancel_completes(venue):
    order = venue.sell("5", "100.00").order
    venue.cancel(order.id, delay_ns=SECOND)

    out = venue.buy("2", "100.00", account=venue.ACCOUNT_B)
    assert fills(out)[1] == (order.id, 10_000, 2, MAKER, 3)
    assert order.status is S.PENDING_CANCEL
    assert order.previous_status is S.PARTIALLY_FILLED

    venue.clock.advance(SECOND)
    done = venue.oms.tick()
    assert venue.types(done) == ["OrderCanceled"]
    assert done.events[0].canceled_quantity == 3
    assert (order.status, order.filled) == (S.CANCELED, 2)
    venue.assert_replays()


def test_pending_cancel_overtaken_by_expiry_is_rejected_too_late(venue):
    t0 = venue.clock.now_ns()
    order = venue.sell("5", "100.00", tif=TimeInForce.GTD, expire_ns=t0 + SECOND).order
    venue.cancel(order.id, delay_ns=5 * SECOND)

    venue.clock.advance(SECOND)
    out = venue.oms.tick()
    assert venue.types(out) == ["OrderExpired", "CancelRejected"]
    assert (out.events[0].order_id, out.events[0].expired_quantity) == (order.id, 5)
    assert (out.events[1].order_id, out.events[1].reason) == (
        order.id, CancelRejectReason.TOO_LATE_TO_CANCEL)
    assert order.status is S.EXPIRED
    venue.clock.advance(5 * SECOND)
    assert venue.oms.tick().events == []
    venue.assert_replays()


def test_cancel_of_an_already_canceled_order_is_too_late(venue):
    order = venue.sell("5", "100.00").order
    assert venue.types(venue.cancel(order.id)) == ["OrderCanceled"]
    out = venue.cancel(order.id)
    assert venue.types(out) == ["CancelRejected"]
    assert out.events[0].reason is CancelRejectReason.TOO_LATE_TO_CANCEL
    assert out.events[0].order_id == order.id
    venue.assert_replays()


def test_cancel_of_an_expired_order_is_too_late(venue):
    t0 = venue.clock.now_ns()
    order = venue.sell("5", "100.00", tif=TimeInForce.GTD, expire_ns=t0 + SECOND).order
    venue.clock.advance(SECOND)
    out = venue.cancel(order.id)
    assert venue.types(out) == ["OrderExpired", "CancelRejected"]
    assert out.events[1].reason is CancelRejectReason.TOO_LATE_TO_CANCEL
    venue.assert_replays()


def test_cancel_by_client_order_id(venue):
    order = venue.sell("5", "100.00", client_order_id="my-order-1").order
    other = venue.sell("5", "100.00", account=venue.ACCOUNT_B, client_order_id="my-order-1").order

    out = venue.execute(CancelOrder(user_id=venue.TRADER_A, account_id=venue.ACCOUNT_A,
                                    client_order_id="my-order-1"))
    assert venue.types(out) == ["OrderCanceled"]
    assert out.events[0].order_id == order.id
    assert out.order is order and order.status is S.CANCELED
    assert other.status is S.NEW  # the same client id in another account is another order
    venue.assert_replays()


def test_cancel_unknown_order(venue):
    out = venue.execute(CancelOrder(user_id=venue.TRADER_A, order_id=999))
    assert venue.types(out) == ["CancelRejected"]
    r = out.events[0]
    assert (r.order_id, r.user_id, r.reason) == (999, venue.TRADER_A,
                                                 CancelRejectReason.UNKNOWN_ORDER)
    unknown_coid = venue.execute(CancelOrder(user_id=venue.TRADER_A, account_id=venue.ACCOUNT_A,
                                             client_order_id="nope"))
    assert unknown_coid.events[0].reason is CancelRejectReason.UNKNOWN_ORDER
    assert unknown_coid.events[0].client_order_id == "nope"
    venue.assert_replays()


def test_trading_user_cancelling_another_accounts_order_sees_unknown_order(venue):
    order = venue.sell("5", "100.00").order
    foreign = venue.execute(CancelOrder(user_id=venue.TRADER_B, order_id=order.id))
    missing = venue.execute(CancelOrder(user_id=venue.TRADER_B, order_id=order.id + 1000))

    assert venue.types(foreign) == ["CancelRejected"]
    assert foreign.reason is missing.reason is CancelRejectReason.UNKNOWN_ORDER
    assert foreign.order is None  # nothing about the order is disclosed
    assert foreign.events[0].account_id == missing.events[0].account_id == 0
    assert order.status is S.NEW and venue.resting() == [(order.id, 10_000, 5)]
    venue.assert_replays()


def test_naming_a_foreign_account_is_not_authorized(venue):
    order = venue.sell("5", "100.00", client_order_id="a-1").order
    by_coid = venue.execute(CancelOrder(user_id=venue.TRADER_B, account_id=venue.ACCOUNT_A,
                                        client_order_id="a-1"))
    by_id = venue.execute(CancelOrder(user_id=venue.TRADER_B, account_id=venue.ACCOUNT_A,
                                      order_id=order.id))
    for out in (by_coid, by_id):
        assert venue.types(out) == ["CancelRejected"]
        assert out.reason is CancelRejectReason.NOT_AUTHORIZED
    assert order.status is S.NEW
    venue.assert_replays()


def test_read_only_user_may_not_cancel(venue):
    order = venue.sell("5", "100.00", client_order_id="a-1").order
    by_id = venue.execute(CancelOrder(user_id=venue.READER_A, order_id=order.id))
    by_coid = venue.execute(CancelOrder(user_id=venue.READER_A, account_id=venue.ACCOUNT_A,
                                        client_order_id="a-1"))
    for out in (by_id, by_coid):
        assert venue.types(out) == ["CancelRejected"]
        assert out.reason is CancelRejectReason.NOT_AUTHORIZED
    assert order.status is S.NEW
    # nor place orders
    placed = venue.buy("1", "90.00", user=venue.READER_A)
    assert venue.types(placed) == ["OrderRejected"]
    assert placed.reason is RejectReason.NOT_AUTHORIZED
    venue.assert_replays()


def test_operator_may_cancel_any_account(venue):
    a = venue.sell("5", "100.00").order
    b = venue.buy("5", "99.00", account=venue.ACCOUNT_B).order
    for order in (a, b):
        out = venue.execute(CancelOrder(user_id=venue.OPERATOR, order_id=order.id,
                                        reason=CancelReason.OPERATOR))
        assert venue.types(out) == ["OrderCanceled"]
        assert (out.events[0].order_id, out.events[0].reason) == (order.id, CancelReason.OPERATOR)
    assert venue.resting() == []
    venue.assert_replays()


# -- cancel all -----------------------------------------------------------------------------------


@pytest.fixture
def spread(venue):
    """Open orders over both accounts, two instruments, both sides and several types."""
    return {
        "a_aapl_buy": venue.buy("1", "99.00").order,
        "a_aapl_sell": venue.sell("1", "101.00").order,
        "a_btc_buy": venue.buy("0.0100", "60000.0", instrument=venue.BTC).order,
        "a_aapl_stop_buy": venue.buy("1", type=OrderType.STOP, stop_price="105.00").order,
        "b_aapl_buy": venue.buy("1", "98.00", account=venue.ACCOUNT_B).order,
        "b_btc_sell": venue.sell("0.0100", "70000.0", instrument=venue.BTC,
                                 account=venue.ACCOUNT_B).order,
    }


def touched(out) -> list[tuple[int, CancelRejectReason | None]]:
    return [(order.id, reason) for order, reason in out.results]


def test_cancel_all_of_a_traders_own_accounts(venue, spread):
    out = venue.cancel_all(venue.TRADER_A)
    mine = [spread[k].id for k in ("a_aapl_buy", "a_aapl_sell", "a_btc_buy", "a_aapl_stop_buy")]
    assert touched(out) == [(i, None) for i in mine]
    assert venue.types(out) == ["OrderCanceled"] * 4
    assert [(e.order_id, e.reason) for e in out.events] == [
        (i, CancelReason.MASS_CANCEL) for i in mine]
    assert spread["b_aapl_buy"].is_open and spread["b_btc_sell"].is_open
    venue.assert_replays()


@pytest.mark.parametrize("filters, expected", [
    ({"instrument": "AAPL"}, ["a_aapl_buy", "a_aapl_sell", "a_aapl_stop_buy"]),
    ({"instrument": "BTC-PERP"}, ["a_btc_buy"]),
    ({"side": Side.BUY}, ["a_aapl_buy", "a_btc_buy", "a_aapl_stop_buy"]),
    ({"side": Side.SELL}, ["a_aapl_sell"]),
    ({"type": OrderType.STOP}, ["a_aapl_stop_buy"]),
    ({"instrument": "AAPL", "side": Side.BUY, "type": OrderType.LIMIT}, ["a_aapl_buy"]),
    ({"instrument": "BTC-PERP", "side": Side.SELL}, []),
])
def test_cancel_all_with_filters_reports_exactly_what_it_touched(venue, spread, filters, expected):
    out = venue.cancel_all(venue.TRADER_A, account_id=venue.ACCOUNT_A, **filters)
    ids = [spread[k].id for k in expected]
    assert touched(out) == [(i, None) for i in ids]
    assert [e.order_id for e in out.events if isinstance(e, OrderCanceled)] == ids
    assert out.ok
    for name, order in spread.items():
        assert order.is_open is (name not in expected), name
    venue.assert_replays()


def test_operator_cancel_all_covers_every_account(venue, spread):
    out = venue.cancel_all(venue.OPERATOR, side=Side.BUY)
    expected = [spread[k].id for k in ("a_aapl_buy", "a_btc_buy", "a_aapl_stop_buy",
                                       "b_aapl_buy")]
    assert touched(out) == [(i, None) for i in expected]
    venue.assert_replays()


def test_cancel_all_reports_a_pending_order_as_already_pending(venue, spread):
    pending = spread["a_aapl_sell"]
    venue.cancel(pending.id, delay_ns=SECOND)
    out = venue.cancel_all(venue.TRADER_A, instrument=venue.AAPL)
    assert touched(out) == [
        (spread["a_aapl_buy"].id, None),
        (pending.id, CancelRejectReason.ALREADY_PENDING),
        (spread["a_aapl_stop_buy"].id, None),
    ]
    assert venue.types(out) == ["OrderCanceled", "CancelRejected", "OrderCanceled"]
    assert pending.status is S.PENDING_CANCEL
    venue.assert_replays()


def test_cancel_all_on_a_foreign_account_is_refused_and_changes_nothing(venue, spread):
    out = venue.cancel_all(venue.TRADER_B, account_id=venue.ACCOUNT_A)
    assert out.reason is CancelRejectReason.NOT_AUTHORIZED
    assert out.events == [] and list(out.results) == []
    read_only = venue.cancel_all(venue.READER_A)
    assert read_only.reason is CancelRejectReason.NOT_AUTHORIZED and list(read_only.results) == []
    assert all(o.is_open for o in spread.values())
    venue.assert_replays()


def test_cancel_all_naming_an_undefined_account_changes_no_state(venue, spread):
    # Nothing to cancel, nothing emitted: the state must still be what the journal rebuilds.
    out = venue.cancel_all(venue.OPERATOR, account_id=999)
    assert out.events == [] and out.results == []
    venue.assert_replays()


# -- fund desk ------------------------------------------------------------------------------------


def subscribe(venue, amount: str, **kw):
    return venue.execute(PlaceOrder(
        user_id=venue.TRADER_A, account_id=venue.ACCOUNT_A, instrument=venue.FUND, side=Side.BUY,
        type=OrderType.MARKET, cash_amount=Decimal(amount), **kw))


def redeem(venue, units: str, **kw):
    return venue.execute(PlaceOrder(
        user_id=venue.TRADER_A, account_id=venue.ACCOUNT_A, instrument=venue.FUND, side=Side.SELL,
        type=OrderType.MARKET, quantity=Decimal(units), **kw))


def test_fund_orders_wait_then_execute_at_nav_with_exact_units_and_cash(venue):
    sub = subscribe(venue, "1000.00", client_order_id="sub-1")
    assert venue.types(sub) == ["OrderAccepted"]
    a = sub.events[0]
    assert (a.cash_amount, a.quantity, a.price) == (100_000, 0, 0)
    red = redeem(venue, "2.5000000")
    assert venue.types(red) == ["OrderAccepted"]
    assert red.events[0].quantity == 25_000_000
    sub, red = sub.order, red.order
    assert sub.status is S.NEW and red.status is S.NEW

    cutoff = venue.execute(RunFundCutoff(instrument=venue.FUND))
    assert venue.types(cutoff) == ["FundOrderSent", "FundOrderSent"]
    assert [e.order_id for e in cutoff.events] == [sub.id, red.id]

    out = venue.execute(ExecuteFundOrders(instrument=venue.FUND, nav=Decimal("123.4567")))
    assert venue.types(out) == ["OrderFilled", "OrderFilled"]
    s, r = out.events
    # 1000.00 / 123.4567 = 8.10000591... units, floored to 7 decimals: 8.1000059
    assert (s.order_id, s.price, s.quantity, s.liquidity, s.leaves, s.cash_amount) == (
        sub.id, 1_234_567, 81_000_059, NAV, 0, 100_000)
    # 2.5 units * 123.4567 = 308.64175, floored to the cash increment: 308.64
    assert (r.order_id, r.price, r.quantity, r.liquidity, r.leaves, r.cash_amount) == (
        red.id, 1_234_567, 25_000_000, NAV, 0, 30_864)
    assert s.trade_id != r.trade_id
    assert sub.status is S.FILLED and sub.quantity == sub.filled == 81_000_059
    assert red.status is S.FILLED and red.filled == 25_000_000
    inst = venue.oms.instruments[venue.FUND]
    assert inst.quantity(sub.filled) == Decimal("8.1000059")
    assert inst.amount(red.cash_amount) == Decimal("308.64")
    # executed once: a second NAV finds nothing to execute
    assert venue.execute(ExecuteFundOrders(instrument=venue.FUND, nav=Decimal("130"))).events == []
    venue.assert_replays()


def test_fund_order_cancel_before_cutoff_works(venue):
    sub = subscribe(venue, "500.00").order
    red = redeem(venue, "1.0000001").order
    for order, released in ((sub, 0), (red, 10_000_001)):
        out = venue.cancel(order.id)
        assert venue.types(out) == ["OrderCanceled"]
        assert (out.events[0].order_id, out.events[0].canceled_quantity) == (order.id, released)
        assert order.status is S.CANCELED
    assert venue.types(venue.execute(RunFundCutoff(instrument=venue.FUND))) == []
    assert venue.execute(ExecuteFundOrders(instrument=venue.FUND, nav=Decimal("100"))).events == []
    venue.assert_replays()


def test_fund_order_cancel_after_cutoff_is_too_late(venue):
    sub = subscribe(venue, "500.00").order
    venue.execute(RunFundCutoff(instrument=venue.FUND))
    late = subscribe(venue, "700.00").order  # arrives after the cut-off: still waiting

    out = venue.cancel(sub.id)
    assert venue.types(out) == ["CancelRejected"]
    assert out.events[0].reason is CancelRejectReason.TOO_LATE_TO_CANCEL
    assert sub.status is S.NEW and sub.sent_to_fund

    assert venue.types(venue.cancel(late.id)) == ["OrderCanceled"]

    executed = venue.execute(ExecuteFundOrders(instrument=venue.FUND, nav=Decimal("100.0000")))
    assert [(e.order_id, e.quantity, e.cash_amount) for e in executed.events] == [
        (sub.id, 50_000_000, 50_000)]
    venue.assert_replays()


def test_replacing_a_waiting_redemption_up_does_not_crash_and_stays_consistent(venue):
    red = redeem(venue, "2").order
    out = venue.execute(ReplaceOrder(user_id=venue.TRADER_A, order_id=red.id,
                                     quantity=Decimal("3")))
    # Either the larger redemption is accepted (and keeps waiting for the cut-off) or it is
    # refused with nothing changed; what the order says must be what the journal says.
    assert venue.types(out) in (["OrderReplaced"], ["ReplaceRejected"])
    expected = 30_000_000 if isinstance(out.events[0], OrderReplaced) else 20_000_000
    assert (red.quantity, red.leaves) == (expected, expected)
    assert red.status is S.NEW
    assert venue.types(venue.cancel(red.id)) == ["OrderCanceled"]
    venue.assert_replays()


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("quantity, price, reason", [
    ("1E+40", "100.00", RejectReason.INVALID_QUANTITY),
    ("1", "1E+40", RejectReason.INVALID_PRICE),
])
def test_absurdly_large_values_are_rejected_not_crashed(venue, quantity, price, reason):
    out = venue.buy(quantity, price)
    assert venue.types(out) == ["OrderRejected"]
    assert out.reason is reason
    assert venue.resting() == []
    venue.assert_replays()
