"""Crash test with a real process: SIGKILL a writer under load, restart it, lose nothing.

A writer subprocess (crash_writer.py) places, cancels and replaces orders through the OMS and the
durable wrapper, printing each command before it runs and each acknowledgement once released;
the runs take turns committing from the journal's writer thread and from an event loop, as the
server does.
The test kills it at random moments, restarts it on the same store each time, and then checks:
every acknowledged sequence number is at or below what the restarted process recovered; the
recovered state hash equals an in-memory manager that re-ran the printed commands up to that
sequence number; and at the end every event in the store equals the in-memory run's event, so
the sequence resumed each time without a gap or a fork.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import msgspec
from workload import decode_command, define_reference_data

from openvenue.oms.clock import ManualClock
from openvenue.oms.manager import OrderManager
from openvenue.oms.state_hash import state_hash
from openvenue.storage import recover

WRITER = Path(__file__).with_name("crash_writer.py")
KILLS = 12


def _start(target, seed: int, log: Path, mode: str) -> subprocess.Popen:
    with open(log, "wb") as out:  # a file, not a pipe: a full pipe would stall the writer
        return subprocess.Popen(
            [sys.executable, str(WRITER), target.location, target.schema, str(seed), mode],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONHASHSEED": "random"})


def _wait_for_recovered(log: Path, process: subprocess.Popen, timeout: float = 60) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = log.read_text().splitlines()
        if lines and lines[0].startswith("RECOVERED"):
            return lines[0].split()
        if process.poll() is not None:
            raise AssertionError(f"writer exited early:\n{log.read_text()}")
        time.sleep(0.01)
    raise AssertionError(f"writer did not recover in {timeout}s:\n{log.read_text()}")


class InMemoryRun:
    """The same commands, re-run in memory with the same clock readings."""

    def __init__(self) -> None:
        self.clock = ManualClock(0)
        self.oms = OrderManager(self.clock)
        self.events: list = []
        self.oms.subscribe(self.events.extend)

    def run_until(self, lines: list[str], seq: int) -> None:
        """Apply a run's printed commands until the state reaches ``seq`` (what was committed)."""
        oms = self.oms
        for line in lines:
            if oms.seq >= seq:
                break
            kind, _, rest = line.partition(" ")
            if kind == "REF":
                self.clock.set(int(rest))
                define_reference_data(oms)
            elif kind == "CMD":
                ts, _, command = rest.partition(" ")
                self.clock.set(int(ts))
                oms.execute(decode_command(command))
        assert oms.seq == seq, f"in-memory run reached {oms.seq}, the store recovered {seq}"


def test_sigkill_under_load_loses_no_acknowledged_event(target, tmp_path):
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    memory = InMemoryRun()
    lines: list[str] = []  # what the last killed run printed
    acknowledged = 0
    acks_checked = 0
    for run in range(KILLS):
        log = tmp_path / f"run{run}.log"
        process = _start(target, seed + run, log, "loop" if run % 2 else "thread")
        _, seq, recovered_hash, _snapshot = _wait_for_recovered(log, process)
        _check_restart(memory, lines, int(seq), recovered_hash, acknowledged)
        time.sleep(rng.uniform(0.1, 0.4))
        process.send_signal(signal.SIGKILL)
        process.wait()
        # a line cut by the kill is not a command the test can replay; it was not executed either
        lines = [line for line in log.read_text().splitlines()[1:] if _complete(line)]
        acks = [int(line.split()[1]) for line in lines if line.startswith("ACK ")]
        assert acks, f"run {run} acknowledged nothing:\n{log.read_text()[-2000:]}"
        assert acks == sorted(acks)
        acks_checked += len(acks)
        acknowledged = acks[-1]

    # the last kill is checked by recovering here, read-only, like `openvenue verify`
    with target.open(readonly=True) as journal:
        recovered = OrderManager(ManualClock(0))
        recover(journal, recovered)
        stored = [e for batch in journal.events() for e in batch]
    _check_restart(memory, lines, recovered.seq, state_hash(recovered), acknowledged)
    assert acks_checked > KILLS * 10
    encode = msgspec.msgpack.encode
    assert len(stored) == memory.oms.seq
    assert [encode(e) for e in stored] == [encode(e) for e in memory.events]


def _check_restart(memory: InMemoryRun, lines: list[str], seq: int, recovered_hash: str,
                   acknowledged: int) -> None:
    # every event acknowledged before the kill is back ...
    assert seq >= acknowledged, f"acknowledged {acknowledged}, recovered only {seq}"
    # ... and the state is exactly that of the commands that ran up to there
    memory.run_until(lines, seq)
    assert state_hash(memory.oms) == recovered_hash, f"recovered state differs at {seq}"


def _complete(line: str) -> bool:
    kind = line.split(" ", 1)[0]
    if kind == "CMD":
        return line.endswith("}")
    if kind in ("ACK", "REF"):
        return line.split()[-1].isdigit()
    return False
