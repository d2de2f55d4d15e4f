"""Journal throughput, commit latency and recovery time, for SQLite and PostgreSQL.

Throughput: real OMS events (a seeded place/cancel/cross flow) are appended in batches of 1, 64
and 512 events, as many clients would: up to ``--window`` events in flight, each batch released
when the durable watermark passes it. Durability is fsync (SQLite: the WAL fdatasynced by the
journal's flusher; PostgreSQL synchronous_commit=on); group commit decides how many batches
share a commit. Latency is per batch, from ``append`` to the commit that covered it.

Recovery: a 1M-event journal is written once (SQLite), with a snapshot taken 100k events before
its end; recovery is timed from that snapshot plus the 100k tail, and from the first event.

Usage: python bench/journal.py [--events N] [--recovery-events N] [--pg DSN] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
import uuid
from decimal import Decimal

from openvenue.domain.accounts import Account, Client, Permission, User
from openvenue.domain.commands import CancelOrder, PlaceOrder
from openvenue.domain.instruments import Instrument, InstrumentKind
from openvenue.domain.orders import OrderType, Side, TimeInForce
from openvenue.oms import snapshot
from openvenue.oms.clock import ManualClock
from openvenue.oms.manager import OrderManager
from openvenue.oms.state_hash import state_hash
from openvenue.storage import open_journal, recover

BATCH_SIZES = (1, 64, 512)
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)  # stdout stays clean for --json


# -- the workload ---------------------------------------------------------------------------------


def generate(events_wanted: int, *, snapshot_at: int = 0, seed: int = 1):
    """Run a seeded flow through a real OMS until ``events_wanted`` events exist.

    Returns the events, and the snapshot (seq, bytes) taken at the first command boundary at or
    after ``snapshot_at``, with the state hash of the final state.
    """
    oms = OrderManager(ManualClock())
    events: list = []
    oms.subscribe(events.extend)
    oms.define_instrument(Instrument(id=1, symbol="BENCH", kind=InstrumentKind.CRYPTO_SPOT,
                                     tick_size=Decimal(1), lot_size=Decimal(1),
                                     min_size=Decimal(1)))
    oms.define_client(Client(id=1, name="bench"))
    accounts = list(range(1, 51))
    for a in accounts:
        oms.define_account(Account(id=a, client_id=1))
    oms.define_user(User(id=1, name="bench", permissions=frozenset({Permission.TRADING}),
                         account_ids=frozenset(accounts)))
    rng = random.Random(seed)
    taken = None
    open_ids: list[int] = []
    prices = [Decimal(p) for p in range(9_900, 10_101)]
    sizes = [Decimal(q) for q in range(1, 100)]
    while len(events) < events_wanted:
        oms.clock.advance(1_000)
        roll = rng.random()
        if open_ids and roll < 0.45:
            i = rng.randrange(len(open_ids))
            open_ids[i], open_ids[-1] = open_ids[-1], open_ids[i]
            oms.execute(CancelOrder(user_id=1, order_id=open_ids.pop()))
        else:
            side = Side.BUY if rng.random() < 0.5 else Side.SELL
            outcome = oms.execute(PlaceOrder(
                user_id=1, account_id=rng.choice(accounts), instrument="BENCH", side=side,
                type=OrderType.LIMIT, price=rng.choice(prices), quantity=rng.choice(sizes),
                time_in_force=TimeInForce.GTC if roll < 0.95 else TimeInForce.IOC))
            if outcome.order is not None and outcome.order.is_open:
                open_ids.append(outcome.order.id)
        if snapshot_at and taken is None and oms.seq >= snapshot_at:
            taken = (oms.seq, snapshot.encode(oms))
    return events, taken, state_hash(oms), oms.seq


# -- throughput and latency -----------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def measure_appends(journal, events: list, batch: int, window: int) -> dict:
    batches = [events[i:i + batch] for i in range(0, len(events), batch)]
    commits: list[tuple[int, float]] = []
    done = threading.Condition()

    def on_commit(durable_seq: int) -> None:
        commits.append((durable_seq, time.perf_counter()))
        with done:
            done.notify()

    journal.add_commit_listener(on_commit)
    appended: list[float] = []
    append = journal.append
    start = time.perf_counter()
    for chunk in batches:
        # a bounded window: like clients awaiting their acks, not an unbounded queue
        while chunk[-1].seq - journal.durable_seq > window:
            with done:
                done.wait(0.01)
        appended.append(time.perf_counter())
        append(chunk)
    journal.wait_durable(events[-1].seq)
    elapsed = time.perf_counter() - start
    latencies = []
    c = 0
    for chunk, t in zip(batches, appended):
        while commits[c][0] < chunk[-1].seq:
            c += 1
        latencies.append((commits[c][1] - t) * 1e6)
    latencies.sort()
    return {
        "batch": batch,
        "events_per_s": round(len(events) / elapsed),
        "commits": len(commits),
        "p50_us": round(percentile(latencies, 0.50)),
        "p99_us": round(percentile(latencies, 0.99)),
    }


def throughput(backend: str, location: str, events: list, window: int) -> list[dict]:
    results = []
    for batch in BATCH_SIZES:
        count = len(events) if batch > 1 else min(len(events), 100_000)
        schema = f"ov_bench_{uuid.uuid4().hex[:10]}"
        with tempfile.TemporaryDirectory() as tmp:
            target = location if backend == "postgres" else tmp
            journal = open_journal(target, "fsync", schema=schema)
            try:
                result = measure_appends(journal, events[:count], batch, window)
            finally:
                journal.close()
                if backend == "postgres":
                    from openvenue.storage.postgres import drop_schema

                    drop_schema(location, schema)
        log(f"{backend:8} batch {batch:4}: {result['events_per_s']:>9,} events/s  "
            f"p50 {result['p50_us']:>7,} us  p99 {result['p99_us']:>7,} us  "
            f"({result['commits']} commits)")
        results.append(result)
    return results


# -- recovery -------------------------------------------------------------------------------------


def recovery(events_total: int, tail: int) -> dict:
    log(f"generating {events_total:,} events ...")
    events, taken, expected_hash, last = generate(events_total, snapshot_at=events_total - tail)
    with tempfile.TemporaryDirectory() as tmp:
        journal = open_journal(tmp, "os")
        step = 4096
        for i in range(0, len(events), step):
            journal.append(events[i:i + step])
        journal.wait_durable(last)
        journal.save_snapshot(*taken)
        journal.close()
        timings = {}
        for label, use_snapshots in (("snapshot", True), ("full", False)):
            with open_journal(tmp, readonly=True) as journal:
                oms = OrderManager(ManualClock())
                start = time.perf_counter()
                report = recover(journal, oms, use_snapshots=use_snapshots)
                timings[label] = time.perf_counter() - start
            if state_hash(oms) != expected_hash:
                raise SystemExit(f"recovery ({label}) did not reproduce the state")
            log(f"recovery of {last:,} events ({label}: snapshot at {report.snapshot_seq:,}, "
                f"{report.events_replayed:,} replayed): {timings[label]:.2f} s")
    return {"events": last, "tail": last - taken[0], "snapshot_s": timings["snapshot"],
            "full_s": timings["full"], "snapshot_bytes": len(taken[1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=400_000)
    parser.add_argument("--window", type=int, default=2_048,
                        help="events in flight at most (clients awaiting acks)")
    parser.add_argument("--recovery-events", type=int, default=1_000_000)
    parser.add_argument("--recovery-tail", type=int, default=100_000)
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL DSN ('' to skip)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    log(f"generating {args.events:,} events ...")
    events = generate(args.events)[0]
    sqlite = throughput("sqlite", "", events, args.window)
    postgres = throughput("postgres", args.pg, events, args.window) if args.pg else []
    rec = recovery(args.recovery_events, args.recovery_tail)
    report = {
        "sqlite_events_per_s_fsync": max(r["events_per_s"] for r in sqlite),
        "postgres_events_per_s": max((r["events_per_s"] for r in postgres), default=None),
        "recovery_1m_s_snapshot": round(rec["snapshot_s"], 3),
        "recovery_1m_s_full": round(rec["full_s"], 3),
        "sqlite": sqlite,
        "postgres": postgres,
        "recovery": rec,
    }
    if args.json:
        print(json.dumps(report))


if __name__ == "__main__":
    main()
