"""The ``openvenue`` command.

Each subcommand is one ``add_*`` function that declares its arguments and the function that runs
it, so ``serve``, ``demo`` and the admin commands join the same way. A store is named by a data
directory (SQLite) or a ``postgresql://`` DSN with ``--schema``.

- ``verify STORE``: read-only. Checks every record's checksum and the sequence's continuity,
  recovers as a restart would (newest valid snapshot + tail) and prints the snapshot used, the
  events replayed, any torn tail and the state hash. Exit 1 if anything is corrupt — a torn tail
  included, since opening the store for writing would cut those events.
- ``replay STORE``: rebuilds the state from the first event (or ``--from-snapshot``) with a
  progress bar and prints the state hash.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence

from openvenue import cli_server
from openvenue.oms.clock import ManualClock
from openvenue.oms.manager import OrderManager
from openvenue.oms.projection import ReplayDivergence
from openvenue.oms.state_hash import state_hash
from openvenue.storage import JournalError, open_journal, recover, scan
from openvenue.storage.postgres import DEFAULT_SCHEMA

OK, CORRUPT, UNUSABLE = 0, 1, 2


def _store_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("store", metavar="DATA_DIR_OR_DSN",
                        help="data directory (SQLite) or postgresql:// DSN")
    parser.add_argument("--schema", default=DEFAULT_SCHEMA,
                        help=f"PostgreSQL schema of the journal (default {DEFAULT_SCHEMA})")


def _fresh_manager() -> OrderManager:
    # replay decides nothing by the clock: every timestamp comes from the events
    return OrderManager(ManualClock(0))


# -- verify ---------------------------------------------------------------------------------------


def add_verify(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("verify", help="check a store read-only and print its state hash")
    _store_arguments(parser)
    parser.set_defaults(run=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    out = print
    with open_journal(args.store, readonly=True, schema=args.schema) as journal:
        out(f"store: {journal.store.describe}")
        try:
            checked = scan(journal)
            out(f"records: {checked.records} checked, events 1..{checked.events}, checksums ok")
            started = time.perf_counter()
            oms = _fresh_manager()
            report = recover(journal, oms)
        except (JournalError, ReplayDivergence) as error:
            out(f"CORRUPT: {error}")
            return CORRUPT
        for seq, why in report.skipped_snapshots:
            out(f"snapshot at {seq} skipped: {why}")
        out(f"snapshot used: {report.snapshot_seq or 'none (replayed from the first event)'}")
        out(f"events replayed: {report.events_replayed} "
            f"in {time.perf_counter() - started:.2f}s")
        if report.torn_tail is not None:
            out(f"torn tail: {report.torn_tail} - the next writable open cuts it")
        else:
            out("torn tail: none")
        out(f"state hash: {state_hash(oms)} at seq {oms.seq}")
        return CORRUPT if report.torn_tail is not None else OK


# -- replay ---------------------------------------------------------------------------------------


def add_replay(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("replay", help="rebuild the state from the journal")
    _store_arguments(parser)
    parser.add_argument("--from-snapshot", action="store_true",
                        help="start from the newest valid snapshot instead of the first event")
    parser.set_defaults(run=run_replay)


def run_replay(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with open_journal(args.store, readonly=True, schema=args.schema) as journal:
        oms = _fresh_manager()
        with Progress(TextColumn("replaying"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task("replay", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            try:
                report = recover(journal, oms, use_snapshots=args.from_snapshot,
                                 progress=progress)
            except (JournalError, ReplayDivergence) as error:
                print(f"CORRUPT: {error}")
                return CORRUPT
    if report.snapshot_seq:
        print(f"snapshot used: {report.snapshot_seq}")
    print(f"events replayed: {report.events_replayed}")
    print(f"state hash: {state_hash(oms)} at seq {oms.seq}")
    return OK


# -- entry point ----------------------------------------------------------------------------------

SUBCOMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    add_verify, add_replay, cli_server.register,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openvenue", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except JournalError as error:
        print(f"openvenue {args.command}: {error}", file=sys.stderr)
        return UNUSABLE


if __name__ == "__main__":
    sys.exit(main())
