"""Retention: closed orders leave memory and stay answerable from the store, also after restart."""

from __future__ import annotations

import random
import time

import msgspec
from workload import ACCOUNTS, define_reference_data, random_command

from openvenue.oms.clock import ManualClock
from openvenue.oms.durable import DurableOMS
from openvenue.oms.manager import OrderManager
from openvenue.oms.retention import Retention
from openvenue.oms.state_hash import order_fingerprint
from openvenue.storage import recover

KEEP = 40


def run_with_retention(target, commands: int):
    """Trade with retention on, and the same flow in a twin that keeps everything in memory."""
    twin = OrderManager(ManualClock())
    twin_fills: list = []
    twin.subscribe(lambda events: twin_fills.extend(
        e for e in events if type(e).__name__ == "OrderFilled"))
    with target.open() as journal:
        oms = OrderManager(ManualClock())
        recover(journal, oms)
        retention = Retention(oms, journal, keep_closed=KEEP, slack=10)
        durable = DurableOMS(oms, journal, snapshot_every=500, after_command=retention.sweep)
        durable.run(define_reference_data, oms)
        define_reference_data(twin)
        rng, twin_rng = random.Random(11), random.Random(11)
        for serial in range(commands):
            step = rng.randint(1, 4_000)
            twin_rng.randint(1, 4_000)
            oms.clock.advance(step)
            twin.clock.advance(step)
            ack = durable.execute(random_command(oms, rng, serial))
            twin.execute(random_command(twin, twin_rng, serial))
        ack.wait(30)
        deadline = time.monotonic() + 30
        while retention.archiving and time.monotonic() < deadline:
            time.sleep(0.005)
            retention.sweep()
        closed = sum(1 for o in oms.index.orders.values() if not o.is_open)
        durable.snapshot()
        in_memory = set(oms.index.orders)
    return twin, twin_fills, in_memory, closed


def test_closed_orders_leave_memory_and_remain_queryable_from_the_store(target):
    twin, twin_fills, in_memory, closed = run_with_retention(target, 1_500)
    # memory holds every open order, and closed ones only up to the budget and one batch
    assert KEEP <= closed < KEEP + 10
    assert all(o.id in in_memory for o in twin.index.orders.values() if o.is_open)
    evicted = [o for o in twin.index.orders.values() if o.id not in in_memory]
    assert len(evicted) > 500

    with target.open() as journal:  # a restart: recovery from the snapshot keeps them out
        oms = OrderManager(ManualClock())
        report = recover(journal, oms)
        assert report.snapshot_seq == oms.seq
        assert not any(o.id in oms.index.orders for o in evicted)
        for order in evicted[:: max(1, len(evicted) // 200)]:
            stored = journal.find_order(order.id)
            assert stored is not None and order_fingerprint(stored) == order_fingerprint(order)
            if order.client_order_id:
                # the id names the newest order that used it (a replacement may carry it on)
                named = twin.index.accounts[order.account_id].by_client_order_id[
                    order.client_order_id]
                by_coid = journal.find_by_client_order_id(order.account_id, order.client_order_id)
                if named.id not in in_memory:
                    assert by_coid is not None and by_coid.id == named.id

        account = ACCOUNTS[0]
        history = journal.order_history([account], limit=1_000_000)
        expected = sorted((o.id for o in evicted if o.account_id == account), reverse=True)
        assert [o.id for o in history] == expected
        page = journal.order_history([account], before_order_id=expected[10], limit=5)
        assert [o.id for o in page] == expected[11:16]

        evicted_ids = {o.id for o in evicted}
        encode = msgspec.msgpack.encode
        wanted = [f for f in reversed(twin_fills)
                  if f.order_id in evicted_ids and f.account_id in ACCOUNTS[:2]]
        stored_fills = journal.fills(list(ACCOUNTS[:2]), limit=1_000_000)
        assert wanted and [encode(f) for f in stored_fills] == [encode(f) for f in wanted]
        one = wanted[0].order_id
        assert [f.seq for f in journal.fills(list(ACCOUNTS), order_id=one)] == \
            [f.seq for f in wanted if f.order_id == one]
        assert journal.find_order(10**12) is None
        assert journal.find_by_client_order_id(account, "never-used") is None


def test_manager_answers_for_evicted_orders_from_the_archive(target):
    """Cancel, de-duplication and queries see an evicted order exactly as a kept one."""
    from openvenue.domain.commands import CancelOrder, PlaceOrder
    from openvenue.domain.reasons import CancelRejectReason
    from openvenue.oms.queries import OrderQueries

    twin, _, in_memory, _ = run_with_retention(target, 1_500)
    evicted = [o for o in twin.index.orders.values() if o.id not in in_memory]
    with target.open() as journal:
        oms = OrderManager(ManualClock())
        recover(journal, oms)
        oms.archive = journal
        order = next(o for o in evicted if o.client_order_id and o.replaced_by == 0
                     and twin.index.accounts[o.account_id].by_client_order_id[
                         o.client_order_id] is o)
        canceled = oms.execute(CancelOrder(user_id=order.user_id, order_id=order.id))
        assert canceled.reason is CancelRejectReason.TOO_LATE_TO_CANCEL
        by_coid = oms.execute(CancelOrder(user_id=order.user_id, account_id=order.account_id,
                                          client_order_id=order.client_order_id))
        assert by_coid.reason is CancelRejectReason.TOO_LATE_TO_CANCEL
        reused = oms.execute(PlaceOrder(
            user_id=order.user_id, account_id=order.account_id, instrument=order.instrument,
            side=order.side, type=order.type, quantity=None, client_order_id=order.client_order_id))
        assert not reused.ok  # the id is still taken, though the order left memory

        queries = OrderQueries(oms)
        found = queries.get_order(order.user_id, order_id=order.id)
        assert found is not None and order_fingerprint(found) == order_fingerprint(order)
        account = order.account_id
        walked, cursor = [], None
        while True:
            page = queries.order_history(order.user_id, account_id=account, cursor=cursor,
                                         limit=37)
            walked += [o.id for o in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        expected = sorted((o.id for o in twin.index.orders.values() if o.account_id == account),
                          reverse=True)
        assert walked == expected
