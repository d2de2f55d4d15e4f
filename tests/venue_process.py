"""A real ``openvenue serve --demo`` subprocess on free loopback ports, for tests to drive.

Kept apart from conftest.py so that test modules and per-face conftests import it by name
(``from venue_process import VenueProcess``) without shadowing one another's conftest.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

PORTS_PER_SERVER = 6  # native + the five venue faces


def free_port_base(count: int = PORTS_PER_SERVER) -> int:
    """A base port with ``count`` consecutive free ports on 127.0.0.1."""
    for _ in range(200):
        base = random.randrange(20_000, 60_000 - count)
        sockets = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no free port range")


def server_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "openvenue.cli", *args]


class VenueProcess:
    def __init__(self, data_dir: Path, port_base: int | None = None, extra: tuple[str, ...] = ()):
        self.data_dir = data_dir
        self.port_base = port_base or free_port_base()
        self.extra = extra
        self.process: subprocess.Popen | None = None
        self.manifest: dict = {}
        self.log_path = data_dir.parent / f"{data_dir.name}-serve.log"

    def start(self, timeout: float = 20.0) -> VenueProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        manifest_path = self.data_dir / "manifest.json"
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            server_command("serve", "--demo", "--data-dir", str(self.data_dir),
                           "--port-base", str(self.port_base), *self.extra),
            stdout=log, stderr=subprocess.STDOUT,
            # tests own their books: no simulated market makers unless a test asks for them
            # (``--liquidity on`` or a scenario; flags win over the environment)
            env={"OPENVENUE_LIQUIDITY": "false", **os.environ, "PYTHONUNBUFFERED": "1"})
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"openvenue serve exited {self.process.returncode}:\n"
                                   + self.log_path.read_text())
            if manifest_path.exists():
                try:
                    manifest = json.loads(manifest_path.read_text())
                except ValueError:
                    manifest = None  # being written
                if manifest and manifest.get("pid") == self.process.pid:
                    self.manifest = manifest
                    return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("openvenue serve did not write its manifest in time:\n"
                           + self.log_path.read_text())

    @property
    def base_url(self) -> str:
        return self.manifest["native"]["base_url"]

    @property
    def ws_url(self) -> str:
        return self.manifest["native"]["ws_url"]

    def key(self, name: str) -> str:
        for user in self.manifest["native"]["users"]:
            if user["name"] == name:
                return user["api_key"]
        raise KeyError(name)

    def stop(self, timeout: float = 15.0) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
