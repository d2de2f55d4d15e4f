"""The fund calendar (Swedish banking days, cut-off, NAV strike, settlement) and the order
manager's fund schedule driven by its clock: orders are sent at the cut-off, executed at the
standing NAV when it is struck, settled N banking days later — and a replay of the events, or a
snapshot, gives the same state."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from openvenue.domain.accounts import Account, Client, Permission, User
from openvenue.domain.commands import CancelOrder, ExecuteFundOrders, PlaceOrder
from openvenue.domain.events import FundOrderSent, FundOrderSettled, OrderFilled
from openvenue.domain.instruments import Instrument, InstrumentKind
from openvenue.domain.orders import OrderStatus, OrderType, Side
from openvenue.domain.reasons import CancelRejectReason
from openvenue.engine.fund_calendar import (
    FundSchedule,
    add_banking_days,
    easter_sunday,
    is_banking_day,
    last_daily_ns,
    next_daily_ns,
)
from openvenue.oms.clock import ManualClock
from openvenue.oms.manager import OrderManager
from openvenue.oms.projection import replay
from openvenue.oms.snapshot import encode, restore
from openvenue.oms.state_hash import state_hash

FUND = Instrument(id=3, symbol="SE0012193019SEK", kind=InstrumentKind.FUND,
                  tick_size=Decimal("0.0001"), lot_size=Decimal("0.0000001"),
                  min_size=Decimal("0.0000001"), currency="SEK", isin="SE0012193019",
                  min_amount=Decimal(100))


def utc_ns(*args) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp()) * 1_000_000_000


def test_easter_and_swedish_bank_holidays():
    assert [easter_sunday(y) for y in (2024, 2025, 2026, 2027)] == [
        date(2024, 3, 31), date(2025, 4, 20), date(2026, 4, 5), date(2027, 3, 28)]
    closed = [date(2026, 1, 1), date(2026, 1, 6), date(2026, 4, 3), date(2026, 4, 6),
              date(2026, 5, 1), date(2026, 5, 14), date(2026, 6, 19), date(2026, 12, 24),
              date(2026, 12, 25), date(2026, 12, 31), date(2026, 11, 21), date(2026, 11, 22)]
    assert not any(is_banking_day(d) for d in closed)
    assert all(is_banking_day(d) for d in (date(2026, 4, 2), date(2026, 6, 18), date(2026, 12, 23),
                                           date(2026, 11, 23)))


def test_adding_banking_days_skips_weekends_and_holidays():
    assert add_banking_days(date(2026, 11, 20), 2) == date(2026, 11, 24)  # Fri -> Tue
    assert add_banking_days(date(2026, 12, 23), 2) == date(2026, 12, 29)  # over Christmas
    assert add_banking_days(date(2027, 3, 25), 1) == date(2027, 3, 30)  # over Easter


def test_cutoff_instants_follow_stockholm_time_and_banking_days():
    cutoff = time(15, 0)
    # winter (CET, UTC+1): 15:00 Stockholm is 14:00Z
    assert last_daily_ns(utc_ns(2027, 3, 8, 14, 0, 1), cutoff) == utc_ns(2027, 3, 8, 14)
    assert next_daily_ns(utc_ns(2027, 3, 8, 13, 59), cutoff) == utc_ns(2027, 3, 8, 14)
    # summer (CEST, UTC+2): 13:00Z
    assert next_daily_ns(utc_ns(2027, 6, 7, 10), cutoff) == utc_ns(2027, 6, 7, 13)
    # Friday after the cut-off: the next one is Monday's; Maundy Thursday 2027 -> Tuesday
    assert next_daily_ns(utc_ns(2027, 3, 12, 15), cutoff) == utc_ns(2027, 3, 15, 14)
    assert next_daily_ns(utc_ns(2027, 3, 25, 15), cutoff) == utc_ns(2027, 3, 30, 13)
    # exactly at the cut-off the instant is "last", the next is a banking day later
    assert last_daily_ns(utc_ns(2027, 3, 8, 14), cutoff) == utc_ns(2027, 3, 8, 14)
    assert next_daily_ns(utc_ns(2027, 3, 8, 14), cutoff) == utc_ns(2027, 3, 9, 14)


def test_settlement_is_n_banking_days_after_the_trade_date():
    schedule = FundSchedule(settlement_days=2)
    # executed Friday 2027-03-12 19:00 Stockholm: settles Tuesday 00:00 Stockholm (Mon 23:00Z)
    assert schedule.settlement_ns(FUND.symbol, utc_ns(2027, 3, 12, 18)) == utc_ns(2027, 3, 15, 23)
    schedule.configure(FUND.symbol, settlement_days=0, cutoff=time(12, 0))
    assert schedule.settlement_ns(FUND.symbol, utc_ns(2027, 3, 12, 18)) == utc_ns(2027, 3, 11, 23)
    assert schedule.next_cutoff_ns(FUND.symbol, utc_ns(2027, 3, 12, 10)) == utc_ns(2027, 3, 12, 11)


def _venue(start_ns: int) -> tuple[OrderManager, ManualClock, list]:
    clock = ManualClock(start_ns)
    oms = OrderManager(clock, fund_schedule=FundSchedule())
    journal: list = []
    oms.subscribe(journal.extend)
    oms.define_instrument(FUND)
    oms.define_client(Client(id=1, name="fund client"))
    oms.define_account(Account(id=1, client_id=1))
    oms.define_user(User(id=1, name="partner", permissions=frozenset({Permission.TRADING}),
                         account_ids=frozenset({1})))
    return oms, clock, journal


def _subscribe(oms: OrderManager, amount: str):
    return oms.execute(PlaceOrder(user_id=1, account_id=1, instrument=FUND.symbol, side=Side.BUY,
                                  type=OrderType.MARKET, cash_amount=Decimal(amount))).order


def _redeem(oms: OrderManager, units: str):
    return oms.execute(PlaceOrder(user_id=1, account_id=1, instrument=FUND.symbol, side=Side.SELL,
                                  type=OrderType.MARKET, quantity=Decimal(units))).order


def test_the_clock_drives_cutoff_nav_and_settlement_and_replay_agrees():
    # Monday 2027-03-08 10:00 Stockholm
    oms, clock, journal = _venue(utc_ns(2027, 3, 8, 9))
    sub = _subscribe(oms, "1000")
    red = _redeem(oms, "10.5")
    clock.set(utc_ns(2027, 3, 8, 13, 59, 59))
    oms.tick()
    assert not sub.sent_to_fund and not red.sent_to_fund
    clock.set(utc_ns(2027, 3, 8, 14, 0, 1))  # past the cut-off
    late = _subscribe(oms, "500")  # after the cut-off: waits for Tuesday's
    assert sub.sent_to_fund and red.sent_to_fund and not late.sent_to_fund
    assert oms.execute(CancelOrder(user_id=1, order_id=sub.id)).reason is \
        CancelRejectReason.TOO_LATE_TO_CANCEL
    oms.execute(ExecuteFundOrders(instrument=FUND.symbol, nav=Decimal("123.4567")))
    assert sub.status is OrderStatus.FILLED and sub.settled_ns == 0
    # 1000 / 123.4567 rounded down to 7 decimals; 10.5 * 123.4567 rounded down to 0.01
    assert FUND.quantity(sub.filled) == Decimal("8.1000059")
    assert FUND.amount(red.cash_amount) == Decimal("1296.29")
    clock.set(utc_ns(2027, 3, 9, 22, 59, 59))  # Wednesday 00:00 Stockholm is 23:00Z Tuesday
    oms.tick()
    assert sub.settled_ns == 0
    assert late.sent_to_fund  # Tuesday's cut-off sent it
    clock.set(utc_ns(2027, 3, 9, 23))
    oms.tick()
    assert sub.settled_ns == red.settled_ns == utc_ns(2027, 3, 9, 23)
    assert [type(e) for e in journal if type(e) in (FundOrderSent, OrderFilled, FundOrderSettled)
            ].count(FundOrderSettled) == 2

    rebuilt = replay(OrderManager(ManualClock()), journal)
    assert state_hash(rebuilt) == state_hash(oms)
    assert rebuilt.index.orders[sub.id].settled_ns == sub.settled_ns
    assert set(rebuilt.fund_desk.sent[FUND.symbol]) == {late.id}
    restored = restore(OrderManager(ManualClock()), encode(oms))
    assert state_hash(restored) == state_hash(oms)


def test_a_standing_nav_executes_sent_orders_when_it_is_struck():
    oms, clock, _ = _venue(utc_ns(2027, 3, 8, 9))
    oms.fund_schedule.set_nav(FUND.symbol, Decimal(100), clock.now_ns())
    order = _redeem(oms, "2")
    clock.set(utc_ns(2027, 3, 8, 16, 59, 59))  # 17:59:59 Stockholm: sent, NAV not yet struck
    oms.tick()
    assert order.sent_to_fund and order.status is OrderStatus.NEW
    clock.set(utc_ns(2027, 3, 8, 17))  # 18:00 Stockholm
    oms.tick()
    assert order.status is OrderStatus.FILLED and FUND.amount(order.cash_amount) == Decimal(200)
    # a snapshot taken while awaiting settlement restores into the same state, and settles alike
    restored = restore(OrderManager(ManualClock(clock.now_ns()), fund_schedule=FundSchedule()),
                       encode(oms))
    assert state_hash(restored) == state_hash(oms)
    for manager in (oms, restored):
        manager.clock.set(utc_ns(2027, 3, 10, 23))
        manager.tick()
    assert restored.index.orders[order.id].settled_ns == order.settled_ns != 0
    assert state_hash(restored) == state_hash(oms)
