"""Snapshots restore the whole state: same hash, and the same future behaviour.

The hash covers what it covers; the stronger check is behavioural: the original and the restored
manager are then given the same commands at the same clock readings and must emit byte-identical
events (book priority, stops cascading, timers firing, fund executions, fees, ids).
"""

from __future__ import annotations

import random
from decimal import Decimal

import msgspec
import pytest
from workload import ACCOUNTS, CRYPTO, EQUITY, FUND, TRADER, define_reference_data, random_command

from openvenue.domain.commands import CancelOrder, PlaceOrder, RunFundCutoff
from openvenue.domain.orders import OrderType, Side, TimeInForce
from openvenue.oms import snapshot
from openvenue.oms.clock import ManualClock
from openvenue.oms.manager import OrderManager
from openvenue.oms.state_hash import state_hash


def busy_manager(commands: int, seed: int) -> OrderManager:
    oms = OrderManager(ManualClock())
    define_reference_data(oms)
    rng = random.Random(seed)
    for serial in range(commands):
        oms.clock.advance(rng.randint(1, 3_000))
        oms.execute(random_command(oms, rng, serial))
    enrich(oms)
    return oms


def enrich(oms: OrderManager) -> None:
    """Make sure every structure a snapshot carries is non-empty, whatever the flow left."""
    def place(**fields):
        return oms.execute(PlaceOrder(user_id=TRADER, account_id=ACCOUNTS[0], **fields)).order

    for i, price in enumerate(("90.00", "90.00", "89.50")):  # a queue of two, and a second level
        place(instrument=EQUITY, side=Side.BUY, type=OrderType.LIMIT, price=Decimal(price),
              quantity=Decimal(5 + i), client_order_id=f"rest-b{i}")
        place(instrument=EQUITY, side=Side.SELL, type=OrderType.LIMIT,
              price=Decimal(price) + 20, quantity=Decimal(5 + i), client_order_id=f"rest-s{i}")
    place(instrument=CRYPTO, side=Side.BUY, type=OrderType.STOP_LIMIT, price=Decimal(40_000),
          stop_price=Decimal(40_000), quantity=Decimal("0.01"), client_order_id="stop-b")
    place(instrument=CRYPTO, side=Side.SELL, type=OrderType.STOP_LIMIT, price=Decimal(20_000),
          stop_price=Decimal(20_000), quantity=Decimal("0.01"), client_order_id="stop-s")
    place(instrument=FUND, side=Side.BUY, type=OrderType.MARKET, cash_amount=Decimal(500),
          client_order_id="fund-sent")
    oms.execute(RunFundCutoff(instrument=FUND))
    place(instrument=FUND, side=Side.BUY, type=OrderType.MARKET, cash_amount=Decimal(700),
          client_order_id="fund-waiting")
    slow = place(instrument=EQUITY, side=Side.BUY, type=OrderType.LIMIT, price=Decimal("80.00"),
                 quantity=Decimal(3), time_in_force=TimeInForce.DAY, client_order_id="slow")
    oms.execute(CancelOrder(user_id=TRADER, order_id=slow.id, delay_ns=10**15))


def state_richness(oms: OrderManager) -> dict[str, int]:
    return {
        "resting": sum(1 for b in oms.engine.books.values() for _ in b.resting()),
        "stops": sum(len(s) for s in oms.engine.stops.values()),
        "fund": len(oms.fund_desk.pending()),
        "sent": sum(len(g) for g in oms.fund_desk.sent.values()),
        "pending_cancels": len(oms.pending_cancels),
        "timers": len(oms.timers),
        "closed": sum(1 for o in oms.index.orders.values() if not o.is_open),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_restored_manager_has_the_same_state_and_behaves_identically(seed):
    original = busy_manager(4_000, seed)
    assert all(state_richness(original).values()), state_richness(original)
    restored = snapshot.restore(OrderManager(ManualClock(original.clock.now_ns())),
                                snapshot.encode(original))
    assert state_hash(restored) == state_hash(original)

    streams: list[list] = [[], []]
    original.subscribe(streams[0].extend)
    restored.subscribe(streams[1].extend)
    rng_a, rng_b = random.Random(seed + 100), random.Random(seed + 100)
    for serial in range(3_000):
        step = rng_a.randint(1, 3_000)
        rng_b.randint(1, 3_000)
        original.clock.advance(step)
        restored.clock.advance(step)
        original.execute(random_command(original, rng_a, 10_000 + serial))
        restored.execute(random_command(restored, rng_b, 10_000 + serial))
    encode = msgspec.msgpack.encode
    assert streams[0] and [encode(e) for e in streams[0]] == [encode(e) for e in streams[1]]
    assert state_hash(restored) == state_hash(original)


def test_restored_orders_share_one_object_across_book_and_indexes():
    original = busy_manager(2_000, 5)
    restored = snapshot.restore(OrderManager(ManualClock()), snapshot.encode(original))
    orders = restored.index.orders
    for book in restored.engine.books.values():
        for order in book.resting():
            assert orders[order.id] is order and order.on_book
    for account in restored.index.accounts.values():
        for oid, order in account.open.items():
            assert orders[oid] is order


def test_restore_refuses_a_used_manager_and_foreign_bytes():
    data = snapshot.encode(busy_manager(50, 1))
    used = OrderManager(ManualClock())
    define_reference_data(used)
    with pytest.raises(ValueError, match="fresh"):
        snapshot.restore(used, data)
    with pytest.raises(snapshot.SnapshotError):
        snapshot.decode(b"\x92\x01\x02")
    with pytest.raises(snapshot.SnapshotError, match="format"):
        state = snapshot.decode(data)
        snapshot.decode(msgspec.msgpack.encode(msgspec.structs.replace(state, format=99)))
