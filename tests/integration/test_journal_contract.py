"""The journal contract, run unchanged against SQLite and PostgreSQL (the ``target`` fixture).

Appends survive a reopen, acknowledgements wait for the commit, replays are deterministic, a
snapshot plus the tail equals a full replay, a torn tail is cut, a damaged middle record is
refused with its sequence range, and only one process may write a store.
"""

from __future__ import annotations

import asyncio
import random
import threading

import msgspec
import pytest
from workload import define_reference_data, random_command

from openvenue.oms.clock import ManualClock
from openvenue.oms.durable import DurableOMS, NotDurable
from openvenue.oms.manager import OrderManager
from openvenue.oms.outcome import Outcome
from openvenue.oms.projection import replay
from openvenue.oms.state_hash import state_hash
from openvenue.storage import JournalCorrupt, JournalError, recover, scan
from openvenue.storage import writer as writer_module
from openvenue.storage.writer import MAX_RECORD_EVENTS


def trade(durable: DurableOMS, commands: int, seed: int = 7, *, wait_each: bool = False) -> None:
    """Drive ``commands`` random commands through ``durable`` and wait for the last ack (or for
    each, which commits every command in a record of its own)."""
    oms = durable.oms
    rng = random.Random(seed)
    if oms.seq == 0:
        durable.run(define_reference_data, oms)
    ack = None
    for serial in range(commands):
        oms.clock.advance(rng.randint(1, 5_000))
        ack = durable.execute(random_command(oms, rng, oms.seq * 10 + serial))
        if wait_each:
            ack.wait(30)
    if ack is not None:
        ack.wait(30)


def fresh() -> OrderManager:
    return OrderManager(ManualClock())


def recovered(target, **options) -> tuple[OrderManager, object]:
    with target.open(readonly=True, **options) as journal:
        oms = fresh()
        return oms, recover(journal, oms)


def live_run(target, commands: int, *, snapshot_every: int = 0, seed: int = 7,
             wait_each: bool = False):
    """Trade into the store; returns the live manager and every event it emitted."""
    with target.open() as journal:
        oms = fresh()
        recover(journal, oms)
        events: list = []
        oms.subscribe(events.extend)
        trade(DurableOMS(oms, journal, snapshot_every=snapshot_every), commands, seed,
              wait_each=wait_each)
    return oms, events


def test_committed_events_read_back_identically_after_reopen(target):
    live, events = live_run(target, 600)
    with target.open(readonly=True) as journal:
        stored = [e for batch in journal.events() for e in batch]
        assert journal.last_seq == live.seq
    encode = msgspec.msgpack.encode
    assert [encode(e) for e in stored] == [encode(e) for e in events]


def test_replaying_the_same_journal_twice_gives_the_same_state(target):
    live, _ = live_run(target, 800)
    first, report = recovered(target)
    second, _ = recovered(target)
    assert report.snapshot_seq == 0 and report.events_replayed == live.seq
    assert state_hash(first) == state_hash(second) == state_hash(live)


def test_snapshot_plus_tail_equals_full_replay(target):
    live, events = live_run(target, 1_500, snapshot_every=700)
    from_snapshot, report = recovered(target)
    assert 0 < report.snapshot_seq < live.seq
    assert report.events_replayed == live.seq - report.snapshot_seq
    full = replay(fresh(), events)
    assert state_hash(from_snapshot) == state_hash(full) == state_hash(live)


def test_recovery_resumes_the_sequence_without_a_gap(target):
    live_run(target, 300, snapshot_every=200)
    live, _ = live_run(target, 300, snapshot_every=200, seed=8)  # reopens, recovers, carries on
    with target.open(readonly=True) as journal:
        seqs = [e.seq for batch in journal.events() for e in batch]
    assert seqs == list(range(1, live.seq + 1))
    assert state_hash(recovered(target)[0]) == state_hash(live)


def test_an_unreadable_newest_snapshot_falls_back_to_the_older_one(target):
    live, _ = live_run(target, 1_500, snapshot_every=500)
    _, report = recovered(target)
    newest = report.snapshot_seq
    target.execute("UPDATE {s}.snapshots SET payload = %s WHERE seq = %s", (b"\x93garbage", newest))
    oms, report = recovered(target)
    assert report.skipped_snapshots and report.skipped_snapshots[0][0] == newest
    assert 0 < report.snapshot_seq < newest
    assert state_hash(oms) == state_hash(live)


def _record_ranges(target) -> list[tuple[int, int]]:
    with target.open(readonly=True) as journal:
        return [(r[0], r[1]) for r in journal.records()]


def test_a_corrupt_last_record_is_cut_and_the_journal_continues(target):
    live_run(target, 300)
    # a second session, so the last record is never the only one (group commit may put a
    # whole session's commands into one record)
    live_run(target, 100, seed=8)
    ranges = _record_ranges(target)
    first, last = ranges[-1]
    target.execute("UPDATE {s}.journal SET payload = substr(payload, 1, 5) WHERE first_seq = %s"
                   if target.backend == "sqlite" else
                   "UPDATE {s}.journal SET payload = substring(payload from 1 for 5) "
                   "WHERE first_seq = %s", (first,))
    with target.open(readonly=True) as journal:  # read-only: reported, left in place
        assert journal.torn_tail is not None and journal.torn_tail.first_seq == first
        assert journal.last_seq == first - 1
    with target.open(readonly=True) as journal:  # ... so a second look still finds it
        assert journal.torn_tail == (first, last, journal.torn_tail.why)
    with target.open() as journal:  # writable open repairs
        assert journal.torn_tail.first_seq == first
        assert journal.last_seq == first - 1
    assert _record_ranges(target)[-1][1] == first - 1
    oms, report = recovered(target)
    assert report.torn_tail is None and oms.seq == first - 1
    live, _ = live_run(target, 100, seed=9)  # writes on from the cut
    assert recovered(target)[0].seq == live.seq


def test_a_flipped_bit_in_the_last_record_is_detected_by_its_checksum(target):
    live_run(target, 100)
    first, _last = _record_ranges(target)[-1]
    target.execute("UPDATE {s}.journal SET crc = crc + 1 WHERE first_seq = %s", (first,))
    with target.open() as journal:
        assert journal.torn_tail.why == "checksum mismatch"
        assert journal.last_seq == first - 1


def test_a_corrupt_middle_record_is_refused_naming_its_range(target):
    live_run(target, 200, wait_each=True)
    ranges = _record_ranges(target)
    assert len(ranges) > 3
    first, last = ranges[len(ranges) // 2]
    target.execute("UPDATE {s}.journal SET crc = crc + 1 WHERE first_seq = %s", (first,))
    with target.open() as journal:  # the newest record is intact: nothing is cut
        assert journal.torn_tail is None
        with pytest.raises(JournalCorrupt, match=rf"events {first}\.\.{last} is corrupt"):
            recover(journal, fresh())
        with pytest.raises(JournalCorrupt) as refused:
            scan(journal)
        assert (refused.value.first_seq, refused.value.last_seq) == (first, last)


def test_a_missing_middle_record_is_refused_as_a_gap(target):
    live_run(target, 200, wait_each=True)
    ranges = _record_ranges(target)
    first, last = ranges[len(ranges) // 2]
    target.execute("DELETE FROM {s}.journal WHERE first_seq = %s", (first,))
    with target.open(readonly=True) as journal:
        with pytest.raises(JournalCorrupt, match=rf"events {first}\.\.{last} .*missing"):
            recover(journal, fresh())


def test_acknowledgement_waits_for_the_commit(target):
    with target.open() as journal:
        oms = fresh()
        durable = DurableOMS(oms, journal)
        gate = threading.Event()
        store = journal.store
        original = store.write_group

        def slow_write_group(*args):
            gate.wait(10)
            original(*args)

        store.write_group = slow_write_group
        ack = durable.run(define_reference_data, oms)
        with pytest.raises(TimeoutError):
            ack.wait(0.2)
        assert not ack.done and journal.durable_seq < oms.seq
        gate.set()
        ack.wait(10)
        assert journal.durable_seq == oms.seq


def test_acks_are_awaitable_on_an_event_loop(target):
    with target.open() as journal:
        oms = fresh()
        durable = DurableOMS(oms, journal)

        async def main():
            await durable.run(define_reference_data, oms)
            rng = random.Random(3)
            acks = [durable.execute(random_command(oms, rng, i)) for i in range(300)]
            outcomes = await asyncio.gather(*acks)
            return outcomes, journal.durable_seq

        outcomes, durable_seq = asyncio.run(main())
        assert len(outcomes) == 300 and durable_seq == oms.seq



def test_execute_async_resolves_to_the_outcome_once_durable_and_times_it(target):
    with target.open() as journal:
        oms = fresh()
        durable = DurableOMS(oms, journal)
        latencies: list[float] = []
        durable.observe_latency = latencies.append

        async def main():
            await durable.run(define_reference_data, oms)
            rng = random.Random(4)
            futures = [durable.execute_async(random_command(oms, rng, i)) for i in range(40)]
            pending = sum(not f.done() for f in futures)  # none is durable before the commit
            return pending, await asyncio.gather(*futures)

        pending, outcomes = asyncio.run(main())
        assert pending == 40 and journal.durable_seq == oms.seq
        assert all(isinstance(o, Outcome) for o in outcomes)
        assert len(latencies) == 40 and all(0 < t < 10 for t in latencies)

def test_a_burst_on_the_event_loop_shares_one_commit_made_on_the_loop(target, monkeypatch):
    monkeypatch.setattr(writer_module, "INLINE_COMMIT_BUDGET_S", 10.0)  # however slow the store
    with target.open() as journal:
        oms = fresh()
        durable = DurableOMS(oms, journal)
        store = journal.store
        original = store.write_group
        writers: list[int] = []

        def recording_write_group(*args):
            writers.append(threading.get_ident())
            original(*args)

        store.write_group = recording_write_group

        async def main():
            # bound to the loop before the first command, as the server binds it at startup:
            # otherwise the definitions go to the writer thread, which may still be finishing
            # that commit (and so hold the commit order) when the burst's commit is due
            durable.on_durable(asyncio.get_running_loop(), lambda durable_seq: None)
            await durable.run(define_reference_data, oms)
            before = journal.commits
            writers.clear()
            rng = random.Random(5)
            acks = [durable.execute(random_command(oms, rng, i)) for i in range(50)]
            await asyncio.gather(*acks)
            return journal.commits - before, threading.get_ident()

        commits, loop_thread = asyncio.run(main())
        assert commits == 1 and journal.durable_seq == oms.seq
        assert set(writers) == {loop_thread}


def test_group_commit_batches_grow_under_load(target):
    with target.open() as journal:
        oms = fresh()
        durable = DurableOMS(oms, journal)
        trade(durable, 3_000)
        groups = journal._writer.groups
    assert groups < 3_000 // 2, "each command was committed alone: no group commit"


def test_a_failed_commit_fails_every_pending_and_later_acknowledgement(target):
    with target.open() as journal:
        oms = fresh()
        durable = DurableOMS(oms, journal)
        durable.run(define_reference_data, oms).wait(10)

        def broken(*args):
            raise OSError("disk full")

        journal.store.write_group = broken

        async def main():
            ack = durable.execute(random_command(oms, random.Random(1), 1))
            with pytest.raises(NotDurable, match="disk full"):
                await ack

        asyncio.run(main())
        with pytest.raises(JournalError, match="disk full"):
            journal.wait_durable(oms.seq, 1)
        with pytest.raises(NotDurable):
            durable.execute(random_command(oms, random.Random(2), 2))
        with pytest.raises(JournalError):
            journal.close()


def test_appends_must_continue_the_sequence(target):
    with target.open() as journal:
        oms = fresh()
        define_reference_data(oms)  # 10 events the journal never saw
        with pytest.raises(ValueError, match="recover the manager"):
            DurableOMS(oms, journal)
        events = []
        other = fresh()
        other.subscribe(events.extend)
        define_reference_data(other)
        with pytest.raises(JournalError, match="continue the journal at 1"):
            journal.append(events[3:])


def test_only_one_process_writes_a_store(target):
    with target.open(), pytest.raises(JournalError, match="another process"):
        target.open(lock_timeout=0.2)
    target.open().close()  # released on close


def test_records_hold_whole_commands(target):
    with target.open() as journal:
        oms = fresh()
        commands: list[tuple[int, int]] = []
        oms.subscribe(lambda events: commands.append((events[0].seq, events[-1].seq)))
        durable = DurableOMS(oms, journal)
        trade(durable, MAX_RECORD_EVENTS)
    starts = {first for first, _ in commands}
    ends = {last for _, last in commands}
    with target.open(readonly=True) as journal:
        ranges = [(r[0], r[1]) for r in journal.records()]
        assert scan(journal).events == journal.last_seq == oms.seq
    # a cut torn tail must never leave half a command behind
    assert all(first in starts and last in ends for first, last in ranges)
