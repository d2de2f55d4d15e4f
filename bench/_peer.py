"""The peer's half of bench/engine.py, run inside the Python 3.12 virtualenv by that script.

matching-engine (PyPI, MIT) needs Python >= 3.12 while openvenue runs on 3.11, so the peer cannot
be imported next to openvenue. This helper owns everything that needs the peer's package: it
generates the seeded workload with ``matching_engine.workload.order_flow`` and dumps it as JSON
lines so openvenue replays exactly the same commands, then times the peer's bare
``MatchingEngine.process`` with the same helpers (bench/_timing.py) openvenue is timed with, and
prints one JSON object with its numbers and the final book for the sanity check.

Usage: python _peer.py --seed S --count N --out WORKLOAD.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from importlib.metadata import version
from time import perf_counter_ns

from _timing import best_throughput, gc_paused, percentiles_us
from matching_engine import CancelOrder, NewOrder, SequencedCommand, Side
from matching_engine.engine import MatchingEngine
from matching_engine.events import Trade
from matching_engine.workload import order_flow


def dump_workload(commands: list, path: str) -> None:
    """One JSON object per line: the fields openvenue needs to replay a command."""
    with open(path, "w") as out:
        for c in commands:
            if type(c) is CancelOrder:
                row = {"kind": "cancel", "order_id": c.order_id, "account": c.account}
            else:
                assert type(c) is NewOrder
                row = {
                    "kind": "new", "order_id": c.order_id, "account": c.account,
                    "side": str(c.side), "price": c.price, "qty": c.qty,
                    "order_type": str(c.order_type), "tif": str(c.tif), "stp": str(c.stp),
                }
            out.write(json.dumps(row, separators=(",", ":")))
            out.write("\n")


def throughput(sequenced: list[SequencedCommand]) -> float:
    def prepare():
        # a fresh engine per run, built before the clock starts
        process = MatchingEngine().process

        def run() -> None:
            for sc in sequenced:
                process(sc)

        return run

    return best_throughput(prepare, len(sequenced))


def latency_and_state(sequenced: list[SequencedCommand]) -> dict:
    """Per-command latencies from a run of its own, then the state that run left behind.

    Kept apart from the throughput runs because reading the clock twice per command slows
    the loop it measures. Trades are counted after the clock stops.
    """
    engine = MatchingEngine()
    process = engine.process
    clock = perf_counter_ns
    latencies = [0] * len(sequenced)
    trades = traded_qty = 0
    with gc_paused():
        for i, sc in enumerate(sequenced):
            start = clock()
            events = process(sc)
            latencies[i] = clock() - start
            for event in events:
                if type(event) is Trade:
                    trades += 1
                    traded_qty += event.qty
    return {
        **percentiles_us(latencies),
        "resting": len(engine.book),
        "trades": trades,
        "traded_qty": traded_qty,
        "book_digest": book_digest(engine),
    }


def book_digest(engine: MatchingEngine) -> str:
    """Resting orders in priority order (bids best first, then asks), as engine.py hashes them."""
    digest = hashlib.blake2b(digest_size=16)
    for e in engine.book.entries():
        side = "b" if e.side is Side.BUY else "s"
        digest.update(f"{side},{e.order_id},{e.price},{e.qty};".encode())
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    commands = list(order_flow(seed=args.seed, count=args.count))
    dump_workload(commands, args.out)
    # stamped up front, like a replay of the WAL: sequencing is not the engine's cost
    sequenced = [SequencedCommand(seq, 0, c) for seq, c in enumerate(commands, 1)]
    result = {
        "python": sys.version.split()[0],
        "package": f"matching-engine {version('matching-engine')}",
        "cmds_per_s": throughput(sequenced),
        **latency_and_state(sequenced),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
