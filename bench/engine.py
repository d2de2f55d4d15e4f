"""Matching throughput and latency of openvenue against its peer, on one workload, in one run.

The design names matching-engine (PyPI, MIT) as the engine to beat on speed, on the same
workload, in the same run; this script keeps that comparison honest. The workload is the peer's
own seeded ``order_flow``. The peer needs Python >= 3.12, so it runs in a virtualenv of its own
(bench/.venv-peer312, created on first use) through bench/_peer.py, which also dumps the
commands it generated; openvenue then replays exactly those commands in this process. Both sides
are timed by bench/_timing.py: best of 3 runs on a fresh engine, commands built before the
clock starts, the garbage collector paused, latencies from a separate run. The peer, the engine
and the OMS take turns for ``--rounds`` rounds (3) and each side's fastest round counts, so that
the ratios survive a noisy, shared machine. Last, the two final books are compared, because a
speed-up that matches differently is not a speed-up.

openvenue's core runs compiled (setup.py); an install with OPENVENUE_PURE_PYTHON=1 measures the
plain Python source instead.

Usage: python bench/engine.py [--count N] [--seed S] [--rounds R] [--json] [--peer-venv DIR]
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from time import perf_counter_ns

import msgspec

from _timing import best_throughput, fastest, gc_paused, percentiles_us
from openvenue.domain.accounts import Account, Client, Permission, User
from openvenue.domain.commands import CancelOrder, PlaceOrder
from openvenue.domain.instruments import Instrument, InstrumentKind
from openvenue.domain.orders import Order, OrderStatus, OrderType, Side, StpMode, TimeInForce
from openvenue.engine.matching import MatchingEngine
from openvenue.oms.clock import WallClock
from openvenue.oms.manager import OrderManager

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_PEER_VENV = BENCH_DIR / ".venv-peer312"
PEER_VERSION = "0.1.1"
PEER_REQUIREMENT = f"matching-engine=={PEER_VERSION}"
INSTRUMENT = "BENCH"
MID = 100_000  # ticks
_NEW = OrderStatus.NEW
PERCENTILES = ("p50_us", "p99_us", "p999_us")


def log(message: str) -> None:
    # stderr, so that --json leaves exactly one JSON object on stdout
    print(message, file=sys.stderr, flush=True)


# -- the workload ---------------------------------------------------------------------------------


class WireCommand(msgspec.Struct, frozen=True):
    """One peer command as dumped by bench/_peer.py; cancels carry only the first three fields."""

    kind: str  # "new" | "cancel"
    order_id: int
    account: int
    side: str = ""
    price: int = 0
    qty: int = 0
    order_type: str = ""
    tif: str = ""
    stp: str = ""


def load_workload(path: Path) -> list[WireCommand]:
    return msgspec.json.Decoder(WireCommand).decode_lines(path.read_bytes())


def mixed_flow(seed: int, count: int, accounts: int = 1_000) -> list[WireCommand]:
    """openvenue's own seeded mix, used when the peer (and so its workload) cannot run here.

    About a quarter cancels of a random earlier limit, one command in twenty a market IOC, the
    rest limits placed up to 50 ticks behind the mid or up to 5 through it (about one in ten
    crossing). Cancels may name orders that have filled meanwhile, as real cancels do.
    """
    rng = random.Random(seed)
    limits: list[tuple[int, int]] = []
    flow: list[WireCommand] = []
    for order_id in range(1, count + 1):
        draw = rng.random()
        if draw < 0.25 and limits:
            flow.append(WireCommand("cancel", *limits[rng.randrange(len(limits))]))
            continue
        account = rng.randint(1, accounts)
        side = rng.choice(("buy", "sell"))
        qty = rng.randint(1, 100)
        if draw < 0.30:
            flow.append(WireCommand("new", order_id, account, side, 0, qty, "market", "ioc",
                                    "cancel_taker"))
            continue
        behind = rng.randint(-5, 50)
        price = MID - behind if side == "buy" else MID + behind
        limits.append((order_id, account))
        flow.append(WireCommand("new", order_id, account, side, price, qty, "limit", "gtc",
                                "cancel_taker"))
    return flow


# -- the peer, in its Python 3.12 virtualenv ------------------------------------------------------


class PeerUnavailable(RuntimeError):
    """The peer cannot run here; the benchmark goes on without it."""


def find_python312() -> str | None:
    probe = "import sys; assert sys.version_info[:2] == (3, 12)"
    candidates = [shutil.which("python3.12")]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.12*/bin/python3.12")))
    for candidate in candidates:
        # a pyenv shim is on PATH even when 3.12 is not the selected version, and then fails
        if candidate and _run([candidate, "-c", probe], check=False).returncode == 0:
            return candidate
    return None


def ensure_peer_venv(venv: Path) -> Path:
    """The virtualenv's interpreter, with the pinned peer installed; created on first use."""
    python = venv / "bin" / "python"
    probe = (f"import importlib.metadata as m; "
             f"assert m.version('matching-engine') == {PEER_VERSION!r}")
    if python.exists() and _run([str(python), "-c", probe], check=False).returncode == 0:
        return python
    base = find_python312()
    if base is None:
        raise PeerUnavailable("no Python 3.12 found (python3.12 on PATH, ~/.pyenv/versions/3.12*)")
    log(f"peer: creating {venv} with {base} and installing {PEER_REQUIREMENT}")
    _run([base, "-m", "venv", str(venv)])
    _run([str(python), "-m", "pip", "install", "--quiet", PEER_REQUIREMENT])
    return python


def run_peer(python: Path, seed: int, count: int, workload: Path) -> dict:
    """Dump the workload to ``workload`` and return the peer's numbers (see bench/_peer.py)."""
    helper = BENCH_DIR / "_peer.py"
    args = [str(python), str(helper), "--seed", str(seed), "--count", str(count),
            "--out", str(workload)]
    return json.loads(_run(args).stdout)


def _run(args: list[str], check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise PeerUnavailable(f"{' '.join(args[:3])}... failed:\n{done.stderr.strip()[-2000:]}")
    return done


# -- openvenue: the bare engine -------------------------------------------------------------------

_SIDES = {"buy": (Side.BUY, True), "sell": (Side.SELL, False)}
_TYPES = {"limit": OrderType.LIMIT, "market": OrderType.MARKET}
_TIFS = {"gtc": TimeInForce.GTC, "ioc": TimeInForce.IOC, "fok": TimeInForce.FOK}
# the peer's self-trade modes name the orders by role; openvenue names them by what they did
_STP_MODES = {
    "none": StpMode.NONE,
    "cancel_taker": StpMode.CANCEL_AGGRESSING,
    "cancel_maker": StpMode.CANCEL_RESTING,
    "cancel_both": StpMode.CANCEL_BOTH,
}


def engine_commands(wire: list[WireCommand]) -> list[tuple]:
    """Flat tuples with openvenue's enums, built before the clock starts.

    The peer's commands reach its engine already parsed into structs with enum fields; this is
    the same head start for openvenue. ``Order`` objects, though, are built in the timed loop,
    as the peer builds its resting-order objects inside ``process``.
    """
    out = []
    for c in wire:
        if c.kind == "new":
            side, is_buy = _SIDES[c.side]
            out.append((True, c.order_id, c.account, side, is_buy, _TYPES[c.order_type],
                        _TIFS[c.tif], _STP_MODES[c.stp], c.price, c.qty))
        else:
            out.append((False, c.order_id, c.account, None, None, None, None, None, 0, 0))
    return out


class CountingSink:
    """The engine's execution sink with the OMS taken out: it only counts."""

    __slots__ = ("canceled", "reduced", "traded_qty", "trades", "triggered")

    def __init__(self) -> None:
        self.trades = self.traded_qty = self.canceled = self.reduced = self.triggered = 0

    def on_trade(self, taker: Order, maker: Order, price: int, quantity: int) -> None:
        self.trades += 1
        self.traded_qty += quantity

    def on_canceled(self, order: Order, quantity: int, reason: object) -> None:
        self.canceled += 1

    def on_reduced(self, order: Order, quantity: int) -> None:
        self.reduced += 1

    def on_triggered(self, order: Order, last_price: int) -> None:
        self.triggered += 1


def _fresh_engine() -> tuple[MatchingEngine, CountingSink, dict[int, Order]]:
    sink = CountingSink()
    engine = MatchingEngine(sink)
    engine.add_book(INSTRUMENT)
    # the engine has no order-id index (the OMS keeps it); the peer's book does, so we keep one
    return engine, sink, {}


def run_openvenue_engine(wire: list[WireCommand]) -> dict:
    """Book and matching only: every command straight into ``openvenue.engine.matching``.

    A cancel of an order that is no longer on the book (filled, canceled, never rested) or that
    belongs to another account is answered "unknown" without touching the engine, exactly as
    the peer rejects it; it still counts as a processed command on both sides.
    """
    commands = engine_commands(wire)

    def prepare():
        engine, _, orders = _fresh_engine()
        submit, cancel = engine.submit, engine.cancel

        # The body of _engine_step, written out: the peer's timed loop makes one call into its
        # engine per command, and so does this one (the latency loop may pay for the extra call).
        def run() -> None:
            for new, order_id, account, side, is_buy, typ, tif, stp, price, qty in commands:
                if new:
                    order = Order(order_id, account, account, INSTRUMENT, "", side, typ, tif, qty,
                                  price, 0, 0, False, stp, 0, 0, is_buy, _NEW, None, 0, qty)
                    orders[order_id] = order
                    submit(order)
                else:
                    order = orders.get(order_id)
                    if order is not None and order.on_book and order.account_id == account:
                        cancel(order)

        return run

    return {"cmds_per_s": best_throughput(prepare, len(commands)),
            **_openvenue_latency_and_state(commands)}


def _engine_step(engine: MatchingEngine, sink: CountingSink, orders: dict[int, Order]):
    """One command into the bare engine; the Order is built here, inside the timed section."""
    submit, cancel = engine.submit, engine.cancel

    def step(command: tuple) -> None:
        new, order_id, account, side, is_buy, typ, tif, stp, price, qty = command
        if new:
            # positional, as the OMS builds orders: keywords cost 3x on a struct this wide
            order = Order(order_id, account, account, INSTRUMENT, "", side, typ, tif, qty, price,
                          0, 0, False, stp, 0, 0, is_buy, _NEW, None, 0, qty)
            orders[order_id] = order
            submit(order)
        else:
            order = orders.get(order_id)
            if order is not None and order.on_book and order.account_id == account:
                cancel(order)

    return step


def _openvenue_latency_and_state(commands: list[tuple]) -> dict:
    """The loop of ``run_openvenue_engine`` with the clock read around each command."""
    engine, sink, orders = _fresh_engine()
    step = _engine_step(engine, sink, orders)
    clock = perf_counter_ns
    latencies = [0] * len(commands)
    with gc_paused():
        for i, command in enumerate(commands):
            start = clock()
            step(command)
            latencies[i] = clock() - start
    book = engine.books[INSTRUMENT]
    digest = hashlib.blake2b(digest_size=16)  # same encoding as bench/_peer.py
    resting = 0
    for o in book.resting():
        resting += 1
        digest.update(f"{'b' if o.is_buy else 's'},{o.id},{o.price},{o.leaves};".encode())
    return {**percentiles_us(latencies), "resting": resting, "trades": sink.trades,
            "traded_qty": sink.traded_qty, "book_digest": digest.hexdigest()}


# -- openvenue: the OMS ---------------------------------------------------------------------------


TICK = Decimal("0.01")


def oms_commands(wire: list[WireCommand]) -> list[PlaceOrder | CancelOrder]:
    """The workload as the OMS's own commands, built before the clock starts.

    Each peer account is a TRADING user of its own account; prices become exact decimals on a
    0.01 tick (the OMS converts them back to ticks, as it must for any face); every order gets a
    client order id and cancels name the order by account + client order id, so the OMS's
    client-order-id index is exercised on every command.
    """
    out: list[PlaceOrder | CancelOrder] = []
    for c in wire:
        client_order_id = f"b{c.order_id}"
        if c.kind == "cancel":
            out.append(CancelOrder(user_id=c.account, account_id=c.account,
                                   client_order_id=client_order_id))
            continue
        market = c.order_type == "market"
        out.append(PlaceOrder(
            user_id=c.account, account_id=c.account, instrument=INSTRUMENT,
            side=_SIDES[c.side][0], type=_TYPES[c.order_type],
            quantity=Decimal(c.qty), price=None if market else c.price * TICK,
            time_in_force=_TIFS[c.tif], client_order_id=client_order_id,
            stp=_STP_MODES[c.stp],
        ))
    return out


def _fresh_oms(accounts: int) -> OrderManager:
    oms = OrderManager(WallClock())
    oms.define_instrument(Instrument(id=1, symbol=INSTRUMENT, kind=InstrumentKind.CRYPTO_PERP,
                                     tick_size=TICK, lot_size=Decimal(1), min_size=Decimal(1)))
    oms.define_client(Client(id=1, name="bench"))
    for n in range(1, accounts + 1):
        oms.define_account(Account(id=n, client_id=1))
        oms.define_user(User(id=n, name=f"trader{n}", permissions=frozenset({Permission.TRADING}),
                             account_ids=frozenset({n})))
    return oms


def run_openvenue_oms(wire: list[WireCommand]) -> dict:
    """The whole OMS path: authorise, validate, de-duplicate, index, match, status machine and
    sequenced events for every command, through the public ``OrderManager.execute``."""
    commands = oms_commands(wire)
    accounts = max(c.account for c in wire)

    def prepare():
        execute = _fresh_oms(accounts).execute

        def run() -> None:
            for command in commands:
                execute(command)

        return run

    throughput = best_throughput(prepare, len(commands))
    execute = _fresh_oms(accounts).execute
    clock = perf_counter_ns
    latencies = [0] * len(commands)
    with gc_paused():
        for i, command in enumerate(commands):
            start = clock()
            execute(command)
            latencies[i] = clock() - start
    return {"cmds_per_s": throughput, **percentiles_us(latencies)}


# -- report ---------------------------------------------------------------------------------------

SANITY_KEYS = ("resting", "trades", "traded_qty", "book_digest")


def sanity(engine: dict, peer: dict | None) -> dict:
    if peer is None:
        return {"checked": False, "match": None}
    pairs = {key: {"openvenue": engine[key], "peer": peer[key]} for key in SANITY_KEYS}
    return {"checked": True, "match": all(p["openvenue"] == p["peer"] for p in pairs.values()),
            **pairs}


def build_report(args: argparse.Namespace, workload: str, peer: dict | None, engine: dict,
                 oms: dict | None) -> dict:
    def ratio(ours: dict | None) -> float | None:
        return round(ours["cmds_per_s"] / peer["cmds_per_s"], 3) if ours and peer else None

    report = {
        "count": args.count,
        "seed": args.seed,
        "rounds": args.rounds,
        "python": platform.python_version(),
        "workload": workload,
        "peer_python": peer and peer["python"],
        "peer_package": peer and peer["package"],
        "openvenue_engine_cmds_per_s": round(engine["cmds_per_s"]),
        "openvenue_oms_cmds_per_s": oms and round(oms["cmds_per_s"]),
        "peer_cmds_per_s": peer and round(peer["cmds_per_s"]),
        "engine_ratio": ratio(engine),
        "oms_ratio": ratio(oms),
    }
    for path, result in (("openvenue_engine", engine), ("openvenue_oms", oms), ("peer", peer)):
        for key in PERCENTILES:
            report[f"{path}_{key}"] = result[key] if result else None
    report["sanity"] = sanity(engine, peer)
    return report


def table_rows(report: dict) -> list[tuple[str, ...]]:
    def cell(value: object, spec: str) -> str:
        return "-" if value is None else format(value, spec)

    rows = []
    if report["peer_package"]:
        peer_name = f"peer {report['peer_package']} (py{report['peer_python']})"
    else:
        peer_name = f"peer matching-engine {PEER_VERSION} (skipped)"
    for name, path, ratio in (
        (peer_name, "peer", None),
        ("openvenue engine", "openvenue_engine", report["engine_ratio"]),
        ("openvenue OMS", "openvenue_oms", report["oms_ratio"]),
    ):
        rows.append((name, cell(report[f"{path}_cmds_per_s"], ",d"), cell(ratio, ".2f"),
                     *(cell(report[f"{path}_{key}"], ".2f") for key in PERCENTILES)))
    return rows


def print_table(report: dict) -> None:
    title = (f"{report['count']:,} commands, seed {report['seed']}, python {report['python']}, "
             f"workload: {report['workload']}")
    header = ("path", "cmds/s", "x peer", "p50 µs", "p99 µs", "p99.9 µs")
    rows = table_rows(report)
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
        print(title)
        for row in (header, *rows):
            print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                            for i, (c, w) in enumerate(zip(row, widths))))
    else:
        table = Table(title=title)
        for i, name in enumerate(header):
            table.add_column(name, justify="left" if i == 0 else "right")
        for row in rows:
            table.add_row(*row)
        Console().print(table)
    check = report["sanity"]
    if not check["checked"]:
        print("sanity: not checked (no peer)")
    else:
        print("sanity: " + ", ".join(f"{key} openvenue={check[key]['openvenue']} "
                                     f"peer={check[key]['peer']}" for key in SANITY_KEYS[:3])
              + (", books identical" if check["match"] else ", MISMATCH"))


def warn_if_mismatch(report: dict) -> None:
    check = report["sanity"]
    if check["checked"] and not check["match"]:
        diffs = "; ".join(f"{key}: openvenue={check[key]['openvenue']} peer={check[key]['peer']}"
                          for key in SANITY_KEYS
                          if check[key]["openvenue"] != check[key]["peer"])
        log(f"WARNING: openvenue and the peer matched the same workload differently: {diffs}")


# -- main -----------------------------------------------------------------------------------------


def peer_and_workload(
    args: argparse.Namespace, tmp: Path
) -> tuple[dict | None, list[WireCommand], str]:
    """Run the peer (which also writes the workload); without it, use openvenue's own flow."""
    try:
        python = ensure_peer_venv(args.peer_venv)
        log(f"peer: timing matching-engine {PEER_VERSION} ({args.count:,} commands)")
        peer = run_peer(python, args.seed, args.count, tmp / "workload.jsonl")
    except PeerUnavailable as exc:
        log(f"peer skipped: {exc}\n"
            "openvenue runs on its own mixed flow instead; peer fields are null")
        return None, mixed_flow(args.seed, args.count), "openvenue mixed_flow"
    return peer, load_workload(tmp / "workload.jsonl"), f"matching-engine {PEER_VERSION} order_flow"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=3,
                        help="peer, engine and OMS timed in turn this many times; best of each")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--peer-venv", type=Path, default=DEFAULT_PEER_VENV,
                        help="Python 3.12 virtualenv for the peer (created if missing)")
    args = parser.parse_args()

    # The sides take turns, round after round, so that a noisy spell on a shared machine falls
    # on both rather than on whichever ran during it; each side's fastest round is reported.
    peers, engines, omss = [], [], []
    for round_number in range(1, max(1, args.rounds) + 1):
        log(f"round {round_number} of {args.rounds}")
        with tempfile.TemporaryDirectory(prefix="openvenue-bench-") as tmp:
            peer, wire, workload = peer_and_workload(args, Path(tmp))
        peers.append(peer)
        log(f"openvenue: timing the engine ({len(wire):,} commands)")
        engines.append(run_openvenue_engine(wire))
        log(f"openvenue: timing the OMS ({len(wire):,} commands)")
        omss.append(run_openvenue_oms(wire))
    # each round is itself a best of three (bench/_timing.py)
    report = build_report(args, workload, fastest(peers, "cmds_per_s"),
                          fastest(engines, "cmds_per_s"), fastest(omss, "cmds_per_s"))
    warn_if_mismatch(report)
    if args.json:
        print(json.dumps(report))
    else:
        print_table(report)


if __name__ == "__main__":
    main()
