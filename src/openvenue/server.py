"""Composition root: builds the core, its command port and every face, and runs the listeners.

One process, one event loop, one HTTP listener per face (each venue's official client expects a
base URL of its own). Faces are found by name (see ``openvenue.venues``); a face that does not
exist yet has no listener. Start-up binds every port first (so a busy port fails before anything
else happens), seeds the demo if asked, starts the listeners, and only then reports ready
(``/healthz``) and writes the manifest. Shutdown stops accepting, lets in-flight requests finish
(new commands are refused with 503 meanwhile), then closes the command port, which flushes the
journal.
"""

from __future__ import annotations

import asyncio
import fcntl
import gc
import importlib
import logging
import os
import secrets
import signal
import socket
import sys
from pathlib import Path

import uvicorn

from openvenue import demo
from openvenue import sandbox as sandbox_controls
from openvenue.config import Config
from openvenue.domain.commands import Command
from openvenue.engine.fund_calendar import FundSchedule
from openvenue.metrics import Metrics
from openvenue.oms.clock import SandboxClock
from openvenue.oms.durable import DurableOMS
from openvenue.oms.manager import OrderManager
from openvenue.oms.outcome import Outcome
from openvenue.oms.retention import Retention
from openvenue.storage.journal import Journal, open_journal
from openvenue.storage.recovery import recover
from openvenue.venues import FACE_PORT_OFFSETS, Face
from openvenue.venues.core import CommandPort, Core, ReferenceData
from openvenue.venues.credentials import Credentials
from openvenue.venues.feed import Feed

log = logging.getLogger("openvenue.server")


class InMemoryCommands:
    """The command port for durability ``memory``: no journal, acknowledged at once.

    For tests and benchmarks: nothing survives a restart. It skips ``DurableOMS`` entirely,
    whose memory mode would only add an always-complete acknowledgement per command.
    """

    durable = False

    def __init__(self, oms: OrderManager) -> None:
        self.oms = oms

    async def execute(self, command: Command) -> Outcome:
        return self.oms.execute(command)

    async def define(self, item: ReferenceData) -> Outcome:
        return self.oms.define(item)

    async def tick(self) -> Outcome:
        return self.oms.tick()

    async def close(self) -> None:
        return None


class JournaledCommands:
    """The command port over ``DurableOMS``: a reply waits for its events' journal commit."""

    durable = True

    def __init__(self, durable: DurableOMS, journal: Journal, metrics: Metrics) -> None:
        self._durable = durable
        self._journal = journal
        durable.observe_latency = metrics.journal_commit.observe
        # the durable wrapper's future, awaited as it is: no coroutine of ours per request
        self.execute = durable.execute_async

    async def define(self, item: ReferenceData) -> Outcome:
        return await self._durable.run(self._durable.oms.define, item)

    async def tick(self) -> Outcome:
        return await self._durable.tick()

    def on_durable(self, loop: asyncio.AbstractEventLoop, follower) -> None:
        self._durable.on_durable(loop, follower)

    async def close(self) -> None:
        # commits everything queued, then stops the writer thread: off the loop, it blocks
        await asyncio.to_thread(self._journal.close)


def make_port(config: Config, oms: OrderManager, metrics: Metrics) -> tuple[CommandPort, Journal | None]:
    """The command port for the configured durability; recovers ``oms`` from the journal first."""
    if config.durability == "memory":
        log.warning("durability memory: nothing is journaled; orders do not survive a restart")
        return InMemoryCommands(oms), None
    journal = open_journal(config.journal or config.data_path, config.durability,
                           schema=config.journal_schema)
    try:
        if journal.torn_tail is not None:
            log.warning("journal: cut a torn last record, %s", journal.torn_tail)
        report = recover(journal, oms)
        log.info("recovered to event %d (snapshot %d, %d events replayed)", report.seq,
                 report.snapshot_seq, report.events_replayed)
        oms.archive = journal
        retention = Retention(oms, journal, keep_closed=config.keep_closed_orders)
        durable = DurableOMS(oms, journal, snapshot_every=config.snapshot_every,
                             after_command=retention.sweep)
    except BaseException:
        journal.close()
        raise
    return JournaledCommands(durable, journal, metrics), journal


def resolve_admin_key(config: Config) -> str:
    if config.admin_key:
        return config.admin_key
    if config.demo:
        return demo.DEMO_ADMIN_KEY
    path = config.data_path / "admin.key"
    if path.exists():
        return path.read_text().strip()
    key = "ova_" + secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    log.info("generated the admin key in %s", path)
    return key


def build_core(config: Config) -> Core:
    # the sandbox clock (moved by the admin API) drives timers and the fund desk's calendar
    oms = OrderManager(SandboxClock(), id_key=config.id_key.encode(), fund_schedule=FundSchedule())
    metrics = Metrics()
    port, journal = make_port(config, oms, metrics)
    feed = Feed(config.ws_retained_events, start_seq=oms.seq, gated=journal is not None)
    oms.subscribe(feed.publish)
    oms.subscribe(metrics.on_events)
    if isinstance(port, JournaledCommands):
        # live events reach WebSocket clients only once journaled, like every other reply
        port.on_durable(asyncio.get_running_loop(), feed.release)
    core = Core(oms, port, feed, Credentials(config.data_path / "credentials.json"), metrics,
                admin_key=resolve_admin_key(config))
    index = oms.index
    metrics.gauge("openvenue_open_orders", "Orders currently open.",
                  lambda: sum(len(a.open) for a in index.accounts.values()))
    metrics.gauge("openvenue_orders", "Orders known to the core.", lambda: len(index.orders))
    metrics.gauge("openvenue_last_sequence", "Sequence number of the core's last event.",
                  lambda: oms.seq)
    metrics.gauge("openvenue_sessions", "Open WebSocket sessions.", lambda: len(core.sessions))
    if journal is not None:
        metrics.gauge("openvenue_journal_commits", "Group commits since start; events per commit "
                      "is how well commits are shared.", lambda: journal.commits)
    return core


def available_faces() -> list[Face]:
    """Every face package that exists, in port order."""
    faces = []
    for name in FACE_PORT_OFFSETS:
        module_name = f"openvenue.venues.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # not built yet: no listener
            raise
        faces.append(module.FACE)
    return faces


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def _base_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


class Listener:
    def __init__(self, face: Face, sock: socket.socket, server: uvicorn.Server, base_url: str) -> None:
        self.face = face
        self.sock = sock
        self.server = server
        self.base_url = base_url


class Server:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.data_dir = config.data_path
        self.core: Core | None = None
        self.listeners: list[Listener] = []
        self._tick_task: asyncio.Task | None = None
        self._lock_file = None

    def _lock_data_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(self.data_dir / "serve.lock", "w")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another openvenue server is using {self.data_dir}") from None

    async def start(self) -> dict:
        config = self.config
        self._lock_data_dir()
        (self.data_dir / demo.MANIFEST_NAME).unlink(missing_ok=True)  # stale until we are up
        faces = available_faces()
        sockets = [(face, _bind(config.host, config.port_for(face.name))) for face in faces]
        core = self.core = build_core(config)
        if config.demo:
            seeded = await demo.seed(core)
            log.info("demo: %s", f"seeded {seeded} definitions" if seeded else "already seeded")
        try:
            sandbox = await sandbox_controls.build(config, core)
        except ValueError as exc:  # a scenario or market setting that cannot be used
            raise RuntimeError(str(exc)) from None
        for face, sock in sockets:
            app = face.build(core, config)
            if sandbox is not None:
                sandbox.attach(app)
            uv_config = uvicorn.Config(
                app, http="httptools", ws="websockets-sansio", lifespan="off", log_config=None,
                access_log=False, server_header=False, date_header=False,
                timeout_graceful_shutdown=int(config.shutdown_timeout_s) or None,
                ws_per_message_deflate=False, proxy_headers=False)
            uv_config.load()
            server = uvicorn.Server(uv_config)
            server.lifespan = uv_config.lifespan_class(uv_config)
            await server.startup(sockets=[sock])
            port = sock.getsockname()[1]
            listener = Listener(face, sock, server, _base_url(config.host, port))
            self.listeners.append(listener)
            core.listeners[face.name] = listener.base_url
            log.info("%s listening on %s", face.name, listener.base_url,
                     extra={"face": face.name, "port": port})
        self._tick_task = asyncio.create_task(self._tick())
        if sandbox is not None:
            sandbox.start()
        core.ready = True
        manifest = self.manifest()
        demo.write_manifest(self.data_dir, manifest)
        return manifest

    def manifest(self) -> dict:
        manifest: dict = {}
        for listener in self.listeners:
            face = listener.face
            entry = (face.manifest(self.core, self.config, listener.base_url) if face.manifest
                     else {"base_url": listener.base_url})
            manifest[face.name] = entry
        manifest["data_dir"] = str(self.data_dir.resolve())
        manifest["pid"] = os.getpid()
        manifest["durable"] = bool(getattr(self.core.port, "durable", False))
        return manifest

    async def _tick(self) -> None:
        """Run due timers (DAY/GTD expiries, delayed cancels) even when no command arrives."""
        interval = self.config.tick_interval_ms / 1000
        port = self.core.port
        while True:
            await asyncio.sleep(interval)
            try:
                await port.tick()
            except Exception:
                log.exception("timer tick failed")

    async def stop(self) -> None:
        core = self.core
        if core is not None:
            core.accepting = False
            core.ready = False
        # stop accepting everywhere at once, then wait for in-flight requests to finish
        await asyncio.gather(*(listener.server.shutdown(sockets=[listener.sock])
                               for listener in self.listeners), return_exceptions=True)
        if self._tick_task is not None:
            self._tick_task.cancel()
        if core is not None and core.sandbox is not None:
            await core.sandbox.stop()
        if core is not None:
            await core.port.close()
        (self.data_dir / demo.MANIFEST_NAME).unlink(missing_ok=True)
        if self._lock_file is not None:
            self._lock_file.close()
        log.info("stopped")


async def run(config: Config) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server = Server(config)
    try:
        manifest = await server.start()
    except (OSError, RuntimeError) as exc:
        log.error("%s", exc)
        await server.stop()
        return 1
    # Everything built so far (reference data, imported code) lives as long as the process:
    # take it out of the cyclic collector's scans, and collect young objects less often — the
    # hot path allocates many short-lived objects and almost no cycles.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    if config.demo:
        print(demo.describe(manifest), flush=True)
        print(f"manifest: {server.data_dir / demo.MANIFEST_NAME}", flush=True)
    log.info("ready")
    await stop.wait()
    log.info("shutting down")
    await server.stop()
    return 0


def serve(config: Config) -> int:
    """Run the server until SIGINT/SIGTERM, on uvloop when it is installed."""
    try:
        import uvloop
        loop_factory = uvloop.new_event_loop
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        loop_factory = None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(run(config))


def data_dir_of(path: str | None) -> Path:
    return Path(path or os.environ.get("OPENVENUE_DATA_DIR") or "./openvenue-data")


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: openvenue serve")
