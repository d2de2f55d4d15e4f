"""The clock port: the venue's own clocks and any other object with ``now_ns``."""

from __future__ import annotations

import time
from decimal import Decimal

from openvenue.domain.accounts import Account, Client, Permission, User
from openvenue.domain.commands import PlaceOrder
from openvenue.domain.instruments import Instrument, InstrumentKind
from openvenue.domain.orders import OrderType, Side
from openvenue.oms.clock import ManualClock, SandboxClock, VenueClock, WallClock
from openvenue.oms.manager import OrderManager


def test_wall_clock_reads_real_time_and_never_repeats():
    clock = WallClock()
    before = time.time_ns()
    readings = [clock.now_ns() for _ in range(1000)]
    after = time.time_ns()
    assert all(b > a for a, b in zip(readings, readings[1:]))
    # strictly increasing readings may run ahead of the real clock by at most one ns each
    assert before <= readings[0] and readings[-1] <= after + len(readings)


def test_sandbox_clock_freezes_advances_sets_and_resumes():
    clock = SandboxClock()
    assert abs(clock.now_ns() - time.time_ns()) < 1_000_000_000
    frozen = clock.freeze()
    assert clock.now_ns() == frozen == clock.now_ns()
    assert clock.advance(3_600_000_000_000) == frozen + 3_600_000_000_000
    clock.set(1_767_225_600_000_000_000)
    assert clock.now_ns() == 1_767_225_600_000_000_000
    resumed = clock.resume()
    assert resumed >= 1_767_225_600_000_000_000
    assert clock.now_ns() > resumed  # running again, from where it stood


def _stamp_of_one_order(clock) -> int:
    oms = OrderManager(clock)
    oms.define_instrument(Instrument(id=1, symbol="AAPL", kind=InstrumentKind.EQUITY,
                                     tick_size=Decimal("0.01"), lot_size=Decimal(1),
                                     min_size=Decimal(1)))
    oms.define_client(Client(id=1, name="c"))
    oms.define_account(Account(id=1, client_id=1))
    oms.define_user(User(id=1, name="u", permissions=frozenset({Permission.TRADING}),
                         account_ids=frozenset({1})))
    placed = oms.execute(PlaceOrder(user_id=1, account_id=1, instrument="AAPL", side=Side.BUY,
                                    type=OrderType.LIMIT, quantity=Decimal(1),
                                    price=Decimal("1.00")))
    return placed.events[0].ts


def test_the_manager_reads_any_clock():
    class FixedClock:  # not one of the venue's clocks: read through its method
        def now_ns(self) -> int:
            return 42

    class ShiftedClock(ManualClock):  # a subclass overriding the venue clock's own reading
        def now_ns(self) -> int:
            return super().now_ns() + 1

    assert _stamp_of_one_order(FixedClock()) == 42
    assert _stamp_of_one_order(ManualClock(7)) == 7
    assert _stamp_of_one_order(ShiftedClock(7)) == 8
    assert isinstance(ShiftedClock(), VenueClock)
