"""What every face is given: the one way to change the core, ways to read it, and shared state.

Faces change the core only through ``Core.execute`` and ``Core.define`` (awaited, because a
durable command port answers only once its events are journaled) and read it through
``Core.queries`` and the manager's reference data. The command port behind them is chosen by
the composition root (``server.py``); faces never know whether it journals.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import Protocol

from openvenue.domain.accounts import Account, Client, User
from openvenue.domain.commands import Command
from openvenue.domain.instruments import Instrument
from openvenue.metrics import Metrics
from openvenue.oms.manager import OrderManager
from openvenue.oms.outcome import Outcome
from openvenue.oms.queries import OrderQueries
from openvenue.venues.credentials import Credentials
from openvenue.venues.feed import Feed

ReferenceData = Instrument | Client | Account | User


class CommandPort(Protocol):
    """Executes commands against the order manager; a durable port returns after the commit.

    ``execute`` returns an awaitable (a coroutine, or one a wrapping port passes through)."""

    def execute(self, command: Command) -> Awaitable[Outcome]: ...

    async def define(self, item: ReferenceData) -> Outcome: ...

    async def tick(self) -> Outcome: ...

    async def close(self) -> None: ...


class Core:
    def __init__(self, oms: OrderManager, port: CommandPort, feed: Feed, credentials: Credentials,
                 metrics: Metrics, *, admin_key: str) -> None:
        self.oms = oms
        self.port = port
        self.queries = OrderQueries(oms)
        self.feed = feed
        self.credentials = credentials
        self.metrics = metrics
        self.admin_key = admin_key
        self.listeners: dict[str, str] = {}  # face -> base URL, once it accepts connections
        self.ready = False  # every listener accepts connections
        self.accepting = True  # False once shutdown begins: new commands are refused
        # Session ids tag orders for cancel-on-disconnect. They start from the clock so that ids
        # of sessions from before a restart (still on persisted orders) are never reused.
        self._next_session = time.time_ns() // 1000
        self.sessions: dict[int, int] = {}  # open session id -> user id
        self.sandbox = None  # openvenue.sandbox.Sandbox, when the sandbox controls are on

    def execute(self, command: Command) -> Awaitable[Outcome]:
        # Hands back the port's own awaitable instead of awaiting it in a coroutine of its own:
        # on the hot path every coroutine layer costs once when made and again on each resume.
        self.metrics.commands[type(command).__name__] += 1
        return self.port.execute(command)

    async def define(self, item: ReferenceData) -> Outcome:
        self.metrics.commands["Define" + type(item).__name__] += 1
        return await self.port.define(item)

    def open_session(self, user_id: int) -> int:
        self._next_session += 1
        self.sessions[self._next_session] = user_id
        return self._next_session

    def close_session(self, session_id: int) -> None:
        self.sessions.pop(session_id, None)
