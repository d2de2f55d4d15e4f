"""Recovery: the newest valid snapshot, then the journal's tail replayed through the Projector.

A snapshot is used only if its checksum holds, it decodes in this version's format and it is not
ahead of the journal (its events could have been the torn tail just cut); otherwise the next
older one is tried, and with none left the whole journal is replayed. Each skipped snapshot is
reported with the reason. ``scan`` checks every record's frame and checksum and the sequence's
continuity without decoding payloads, which is what ``verify`` runs before recovering.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from openvenue.oms import snapshot
from openvenue.oms.manager import OrderManager
from openvenue.oms.projection import Projector
from openvenue.storage.codec import JournalCorrupt, check_record, checksum
from openvenue.storage.journal import Journal, TornTail


@dataclass
class Recovery:
    seq: int = 0  # where the recovered state stands
    snapshot_seq: int = 0  # the snapshot used; 0 = none, replayed from the first event
    events_replayed: int = 0
    torn_tail: TornTail | None = None
    skipped_snapshots: list[tuple[int, str]] = field(default_factory=list)


def load_snapshot(journal: Journal, oms: OrderManager, report: Recovery) -> None:
    store = journal.store
    for seq in store.snapshot_seqs():
        if seq > journal.last_seq:
            report.skipped_snapshots.append((seq, f"ahead of the journal's end {journal.last_seq}"))
            continue
        crc, payload = store.snapshot(seq)
        if checksum(seq, seq, payload) != crc:
            report.skipped_snapshots.append((seq, "checksum mismatch"))
            continue
        try:
            state = snapshot.decode(payload)
        except snapshot.SnapshotError as error:
            report.skipped_snapshots.append((seq, str(error)))
            continue
        if state.seq != seq:
            report.skipped_snapshots.append((seq, f"holds the state at {state.seq}"))
            continue
        snapshot.restore(oms, state)
        report.snapshot_seq = seq
        return


def recover(journal: Journal, oms: OrderManager, *, use_snapshots: bool = True,
            progress: Callable[[int, int], None] | None = None) -> Recovery:
    """Rebuild ``oms`` (fresh) from ``journal``. ``progress(done, total)`` follows the tail."""
    report = Recovery(torn_tail=journal.torn_tail)
    if use_snapshots:
        load_snapshot(journal, oms, report)
    start = oms.seq
    total = journal.durable_seq - start
    apply_all = Projector(oms).apply_all
    done = 0
    for events in journal.events(after_seq=start):
        apply_all(events)
        done += len(events)
        if progress is not None:
            progress(done, total)
    report.events_replayed = done
    report.seq = oms.seq
    return report


@dataclass
class Scan:
    records: int = 0
    events: int = 0


def scan(journal: Journal) -> Scan:
    """Check every record's checksum and that the sequence runs 1..end without a gap."""
    result = Scan()
    expected = 1
    for first, last, crc, payload in journal.records():
        if first != expected:
            if first > expected:
                raise JournalCorrupt(expected, first - 1, "these events are missing")
            raise JournalCorrupt(first, last, f"overlaps the record before (expected {expected})")
        why = check_record(first, last, crc, payload)
        if why is not None:
            raise JournalCorrupt(first, last, why)
        result.records += 1
        result.events += last - first + 1
        expected = last + 1
    if expected <= journal.durable_seq:
        raise JournalCorrupt(expected, journal.durable_seq, "these events are missing")
    return result
