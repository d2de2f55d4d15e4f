"""The writer process of the crash test: trades through the OMS and the durable wrapper until it
is killed.

Usage: crash_writer.py TARGET SCHEMA SEED [thread|loop]

It recovers from the store, prints ``RECOVERED <seq> <state hash> <snapshot seq>``, then loops:
for each command it prints ``CMD <clock ns> <command>`` before executing it and ``ACK <seq>`` once
the command's acknowledgement is released (durable). Every line is flushed at once, so whatever
the test reads after a SIGKILL is exactly what the process had said.

``thread`` (the default) pipelines up to ``IN_FLIGHT`` commands and waits on the oldest, so the
journal's writer thread commits under real load. ``loop`` runs the commands on an event loop in
bursts, as the server does, and awaits each burst: its commits are made on the loop itself
(those that carry a snapshot aside).
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections import deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workload import define_reference_data, encode_command, random_command

from openvenue.oms.clock import ManualClock
from openvenue.oms.durable import DurableOMS
from openvenue.oms.manager import OrderManager
from openvenue.oms.state_hash import state_hash
from openvenue.storage import open_journal, recover

IN_FLIGHT = 256
MAX_BURST = 64
SNAPSHOT_EVERY = 3_000


def main() -> None:
    target, schema, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    mode = sys.argv[4] if len(sys.argv) > 4 else "thread"
    out = sys.stdout
    journal = open_journal(target, schema=schema, lock_timeout=30)
    clock = ManualClock(0)
    oms = OrderManager(clock)
    report = recover(journal, oms)
    durable = DurableOMS(oms, journal, snapshot_every=SNAPSHOT_EVERY)
    out.write(f"RECOVERED {oms.seq} {state_hash(oms)} {report.snapshot_seq}\n")
    out.flush()
    last_ts = 0
    if oms.seq == 0:
        last_ts = time.time_ns()
        clock.set(last_ts)
        out.write(f"REF {last_ts}\n")
        out.flush()
        durable.run(define_reference_data, oms)
    rng = random.Random(seed * 1_000_003 + oms.seq)
    pending: deque = deque()

    def execute_next() -> None:
        nonlocal last_ts
        ts = max(time.time_ns(), last_ts + 1)
        last_ts = ts
        clock.set(ts)
        command = random_command(oms, rng, oms.seq)
        out.write(f"CMD {ts} {encode_command(command)}\n")
        out.flush()
        pending.append(durable.execute(command))

    def report_acks() -> None:
        while pending and pending[0].done:
            out.write(f"ACK {pending.popleft().seq}\n")
        out.flush()

    async def on_loop() -> None:
        while True:
            for _ in range(rng.randint(1, MAX_BURST)):
                execute_next()
            await pending[-1]  # acks are released in order: the whole burst is durable
            report_acks()

    if mode == "loop":
        asyncio.run(on_loop())
    while True:
        execute_next()
        if len(pending) >= IN_FLIGHT:
            pending[0].wait()
        report_acks()


if __name__ == "__main__":
    main()
