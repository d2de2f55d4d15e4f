"""HTTP round trips over loopback: openvenue's native API against a bare ASGI hello and the peer.

Each target runs as its own server process on 127.0.0.1 and is driven by the same load
generator: 32 keep-alive connections, each sending its next request as soon as the previous
answer is in (closed loop), raw HTTP/1.1 from an asyncio Protocol so the client costs as little
as it can on a 2-core machine. Measured, in one run:

- openvenue place round trips (resting limit orders), then cancel round trips of exactly those
  orders, with durability ``fsync`` and ``memory`` (``openvenue serve --demo``, its simulated
  market makers running on their timers as in any demo: the server does that work too);
- a bare ASGI "hello" on the same stack (uvicorn + httptools + uvloop): the ceiling any face
  can reach on this machine;
- the peer, matching-engine 0.1.1's FastAPI gateway (``matching-engine serve``, fsync on), on
  the same place load; it needs Python 3.12, so it runs from bench/.venv-peer312 (made by
  bench/engine.py, the gateway extra installed here on first use).

Every load is bounded in count and in time, and only ever targets 127.0.0.1.

Besides rates and latencies, each phase reports what the server spent on it, read from /proc
(Linux) before and after: CPU per request over all its threads, and how busy its event loop
(the main thread) was. Those two say why a rate moved: a costlier request path, or a loop left
waiting (on a commit's flush, say) with nothing to do.

The targets take turns for ``--rounds`` rounds (3), each on a fresh server, and each phase
reports its fastest round (with that round's latencies): on a shared machine one slow minute
would otherwise decide a ratio between two phases measured a minute apart.

Usage: python bench/http.py [--count N] [--connections C] [--max-seconds S] [--rounds R] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httptools
import msgspec

from _timing import fastest

BENCH_DIR = Path(__file__).resolve().parent
PEER_VENV = BENCH_DIR / ".venv-peer312"
PEER_REQUIREMENT = "matching-engine[gateway]==0.1.1"
HOST = "127.0.0.1"
TRADER_KEY = "demo-trader-1-key"

HELLO_APP = """
import asyncio, socket, sys, uvicorn, uvloop
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"5")]})
    await send({"type": "http.response.body", "body": b"hello"})
config = uvicorn.Config(app, host="127.0.0.1", port=int(sys.argv[1]), http="httptools",
                        lifespan="off", access_log=False, log_level="warning",
                        server_header=False, date_header=False, proxy_headers=False)
with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
    runner.run(uvicorn.Server(config).serve())
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port_base(count: int) -> int:
    for base in range(31_000, 60_000, 17):
        try:
            for port in range(base, base + count):
                with socket.socket() as sock:
                    sock.bind((HOST, port))
            return base
        except OSError:
            continue
    raise RuntimeError("no free ports")


def wait_http(port: int, path: str, timeout: float = 30.0) -> None:
    request = f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1) as sock:
                sock.sendall(request)
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"nothing answered 200 on {HOST}:{port}{path}")


class ServerProcess:
    def __init__(self, argv: list[str], port: int, health: str, env: dict | None = None):
        self.process = subprocess.Popen(argv, env={**os.environ, **(env or {})},
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.port = port
        try:
            wait_http(port, health)
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# -- the load generator ---------------------------------------------------------------------------


def http_request(method: str, path: str, body: bytes = b"", headers: str = "") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\n{headers}"
    if body or method in ("POST", "PATCH", "PUT"):
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


class _Connection(asyncio.Protocol):
    """One keep-alive connection in a closed loop: the next request leaves when the previous
    answer is complete. A Protocol with httptools' response parser rather than streams: the
    client shares the 2 cores with the server, and the stream layer's futures and buffering per
    response cost as much as the parsing."""

    def __init__(self, requests: list[bytes], latencies: list[int], bodies: list | None,
                 statuses: dict[int, int], deadline: float, done: asyncio.Future) -> None:
        self.requests = iter(requests)
        self.latencies = latencies
        self.bodies = bodies
        self.statuses = statuses
        self.deadline = deadline
        self.done = done
        self.parser = httptools.HttpResponseParser(self)
        self.body: list[bytes] = []
        self.started = 0
        self.finished = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self._send_next()

    def _send_next(self) -> None:
        request = next(self.requests, None)
        if request is None or time.monotonic() > self.deadline:
            self.finished = True
            self.transport.close()
            return
        self.started = time.perf_counter_ns()
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    # httptools parser callbacks
    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.latencies.append(time.perf_counter_ns() - self.started)
        status = self.parser.get_status_code()
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if self.bodies is not None:
            self.bodies.append(b"".join(self.body))
        self.body = []
        self._send_next()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.done.done():
            return
        if exc is None and not self.finished:
            exc = RuntimeError("the server closed a connection with requests outstanding")
        if exc is None:
            self.done.set_result(None)
        else:
            self.done.set_exception(exc)


async def _connection(requests: list[bytes], port: int, latencies: list[int], bodies: list | None,
                      deadline: float, statuses: dict[int, int]) -> None:
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    await loop.create_connection(
        lambda: _Connection(requests, latencies, bodies, statuses, deadline, done), HOST, port)
    await done


def cpu_ticks(pid: int) -> dict[int, int] | None:
    """User + system time of each thread of process ``pid`` in clock ticks; None without /proc."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    ticks = {}
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as stat_file:
                stat = stat_file.read()
        except OSError:  # the thread ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # (the name in parentheses may hold spaces)
        ticks[int(tid)] = int(fields[11]) + int(fields[12])
    return ticks


def server_cost(pid: int, before: dict[int, int] | None, after: dict[int, int] | None,
                requests: int, elapsed: float) -> dict:
    """CPU per request (µs, all threads) and the share of the time the main thread was busy."""
    if before is None or after is None or not requests:
        return {"server_cpu_us": None, "loop_busy": None}
    hz = os.sysconf("SC_CLK_TCK")
    spent = sum(t - before.get(tid, 0) for tid, t in after.items()) / hz
    loop = (after.get(pid, 0) - before.get(pid, 0)) / hz
    return {"server_cpu_us": round(spent / requests * 1e6, 1),
            "loop_busy": round(loop / elapsed, 3)}


async def drive(port: int, per_connection: list[list[bytes]], max_seconds: float,
                keep_bodies: bool = False, server_pid: int | None = None) -> dict:
    latencies: list[int] = []
    bodies: list[bytes] | None = [] if keep_bodies else None
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + max_seconds
    ticks_before = None if server_pid is None else cpu_ticks(server_pid)
    started = time.perf_counter()
    await asyncio.gather(*(_connection(reqs, port, latencies, bodies, deadline, statuses)
                           for reqs in per_connection))
    elapsed = time.perf_counter() - started
    cost = {} if server_pid is None else server_cost(
        server_pid, ticks_before, cpu_ticks(server_pid), len(latencies), elapsed)
    latencies.sort()
    n = len(latencies)

    def pct(per_mille: int) -> float:
        return round(latencies[max(0, -(-per_mille * n // 1000) - 1)] / 1e6, 3) if n else 0.0

    return {"requests": n, "seconds": round(elapsed, 3), "per_s": round(n / elapsed, 1),
            "p50_ms": pct(500), "p99_ms": pct(990), "p999_ms": pct(999), "statuses": statuses,
            "bodies": bodies, **cost}


def split(items: list[bytes], connections: int) -> list[list[bytes]]:
    return [items[i::connections] for i in range(connections)]


# -- scenarios ------------------------------------------------------------------------------------

_OrderId = msgspec.json.Decoder(dict)


def openvenue_scenario(durability: str, count: int, connections: int, max_seconds: float) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix=f"ov-bench-{durability}-"))
    port = free_port_base(6)
    server = ServerProcess([sys.executable, "-m", "openvenue.cli", "serve", "--demo",
                            "--data-dir", str(data_dir), "--port-base", str(port),
                            "--durability", durability, "--log-level", "warning"],
                           port, "/healthz")
    auth = f"Authorization: Bearer {TRADER_KEY}\r\n"
    try:
        def places(n: int, tag: str) -> list[bytes]:
            # resting buys far from any sell: every place rests, every cancel finds its order
            return [http_request("POST", "/v1/orders", msgspec.json.encode({
                "account_id": 1, "instrument": "AAPL", "side": "BUY", "type": "LIMIT",
                "quantity": "1", "price": f"{100 + (i % 50) / 100:.2f}",
                "client_order_id": f"{tag}-{i}"}), auth) for i in range(n)]

        def cancels(bodies: list[bytes]) -> list[bytes]:
            return [http_request("DELETE", f"/v1/orders/{_OrderId.decode(b)['id']}", b"", auth)
                    for b in bodies]

        warm = asyncio.run(drive(port, split(places(min(2000, count), "warm"), connections),
                                 max_seconds, keep_bodies=True))
        asyncio.run(drive(port, split(cancels(warm["bodies"]), connections), max_seconds))
        pid = server.process.pid
        place = asyncio.run(drive(port, split(places(count, "p"), connections), max_seconds,
                                  keep_bodies=True, server_pid=pid))
        cancel = asyncio.run(drive(port, split(cancels(place["bodies"]), connections), max_seconds,
                                   server_pid=pid))
        for result in (place, cancel):
            result.pop("bodies", None)
        if set(place["statuses"]) != {201} or set(cancel["statuses"]) != {200}:
            raise RuntimeError(f"unexpected statuses: place {place['statuses']}, "
                               f"cancel {cancel['statuses']}")
        return {"place": place, "cancel": cancel}
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def hello_scenario(count: int, connections: int, max_seconds: float) -> dict:
    port = free_port_base(1)
    server = ServerProcess([sys.executable, "-c", HELLO_APP, str(port)], port, "/")
    try:
        request = http_request("GET", "/")
        asyncio.run(drive(port, split([request] * min(2000, count), connections), max_seconds))
        result = asyncio.run(drive(port, split([request] * count, connections), max_seconds,
                                   server_pid=server.process.pid))
        result.pop("bodies", None)
        return result
    finally:
        server.stop()


def peer_python() -> Path | None:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        log(f"peer: no virtualenv at {PEER_VENV}; run bench/engine.py once to create it")
        return None
    check = subprocess.run([str(python), "-c", "import fastapi, uvicorn, matching_engine.gateway"],
                           capture_output=True)
    if check.returncode != 0:
        log(f"peer: installing {PEER_REQUIREMENT}")
        subprocess.run([str(python), "-m", "pip", "install", "-q", PEER_REQUIREMENT], check=True)
    return python


def peer_scenario(count: int, connections: int, max_seconds: float) -> dict | None:
    python = peer_python()
    if python is None:
        return None
    data_dir = Path(tempfile.mkdtemp(prefix="me-bench-"))
    port = free_port_base(1)
    server = ServerProcess(
        [str(python), "-m", "matching_engine", "serve", "--port", str(port)], port, "/healthz",
        env={"ME_DATA_DIR": str(data_dir), "ME_FSYNC": "1"})
    try:
        def places(n: int) -> list[bytes]:
            return [http_request("POST", "/markets/BTC-USDT/orders", msgspec.json.encode({
                "account": 1, "side": "buy", "type": "limit",
                "price": f"{100 + (i % 50) / 100:.2f}", "quantity": "0.001"})) for i in range(n)]

        asyncio.run(drive(port, split(places(min(2000, count)), connections), max_seconds))
        result = asyncio.run(drive(port, split(places(count), connections), max_seconds,
                                   server_pid=server.process.pid))
        result.pop("bodies", None)
        if set(result["statuses"]) != {200}:
            raise RuntimeError(f"peer answered {result['statuses']}")
        return result
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000, help="requests per measured phase")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--max-seconds", type=float, default=60.0, help="cap per phase")
    parser.add_argument("--rounds", type=int, default=3, help="turns each target takes")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    try:
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    n, c, t = args.count, args.connections, args.max_seconds
    results: dict = {"machine": f"{platform.machine()} {os.cpu_count()} cores, Python "
                                f"{platform.python_version()}", "connections": c, "count": n}
    rounds: dict[str, list] = {}  # phase -> its result in each round
    for turn in range(1, args.rounds + 1):
        log(f"round {turn} of {args.rounds}")
        for durability in ("fsync", "memory"):
            log(f"openvenue, durability {durability}...")
            run = openvenue_scenario(durability, n, c, t)
            for phase in ("place", "cancel"):
                rounds.setdefault(f"openvenue_{durability}/{phase}", []).append(run[phase])
        log("bare ASGI hello...")
        rounds.setdefault("hello", []).append(hello_scenario(n, c, t))
        if not args.no_peer:
            log("peer gateway (matching-engine 0.1.1, fsync)...")
            rounds.setdefault("peer", []).append(peer_scenario(n, c, t))
    for name, runs in rounds.items():
        scenario, _, phase = name.partition("/")
        best = fastest(runs, "per_s")
        if phase:
            results.setdefault(scenario, {})[phase] = best
        else:
            results[scenario] = best
    peer = results.get("peer")
    fsync = results["openvenue_fsync"]
    summary = {
        "cancel_per_s_fsync": fsync["cancel"]["per_s"],
        "cancel_p99_ms_fsync": fsync["cancel"]["p99_ms"],
        "place_per_s_fsync": fsync["place"]["per_s"],
        "place_p99_ms_fsync": fsync["place"]["p99_ms"],
        "cancel_per_s_memory": results["openvenue_memory"]["cancel"]["per_s"],
        "place_per_s_memory": results["openvenue_memory"]["place"]["per_s"],
        "hello_per_s": results["hello"]["per_s"],
        "peer_place_per_s": None if peer is None else peer["per_s"],
        "peer_place_p99_ms": None if peer is None else peer["p99_ms"],
        "place_vs_peer_fsync": None if peer is None else round(
            fsync["place"]["per_s"] / peer["per_s"], 2),
        "cancel_vs_hello_fsync": round(fsync["cancel"]["per_s"] / results["hello"]["per_s"], 3),
        "cancel_server_cpu_us_fsync": fsync["cancel"]["server_cpu_us"],
        "cancel_loop_busy_fsync": fsync["cancel"]["loop_busy"],
        "cancel_server_cpu_us_memory": results["openvenue_memory"]["cancel"]["server_cpu_us"],
        "hello_server_cpu_us": results["hello"]["server_cpu_us"],
        "rounds": args.rounds,
    }
    if args.json:
        print(json.dumps({**summary, "details": results}))
        return
    print(f"{results['machine']}; {c} keep-alive connections, {n} requests per phase, "
          f"fastest of {args.rounds} rounds")
    print(f"{'':32} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} "
          f"{'server µs/req':>14} {'loop busy':>10}")
    rows = [("openvenue place (fsync)", fsync["place"]), ("openvenue cancel (fsync)", fsync["cancel"]),
            ("openvenue place (memory)", results["openvenue_memory"]["place"]),
            ("openvenue cancel (memory)", results["openvenue_memory"]["cancel"]),
            ("bare ASGI hello", results["hello"])]
    if peer is not None:
        rows.append(("matching-engine gateway place", peer))
    for name, r in rows:
        cpu, busy = r.get("server_cpu_us"), r.get("loop_busy")
        print(f"{name:32} {r['per_s']:>10,.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
              f"{r['p999_ms']:>9.2f} {'-' if cpu is None else f'{cpu:.1f}':>14} "
              f"{'-' if busy is None else f'{busy:.0%}':>10}")
    if peer is not None:
        print(f"durable places {summary['place_vs_peer_fsync']:.2f}x the peer; ", end="")
    print(f"durable cancels {summary['cancel_vs_hello_fsync']:.0%} of hello")


if __name__ == "__main__":
    main()
