"""The APEX WebSocket gateway: frames in, one call at a time, replies and account events out.

Each connection reads frames in order and answers each before reading the next, so a reply
always leaves before the events its call caused: while a call runs, events for this connection
are held and queued right after its reply (events of other connections' calls flow at once).
Everything is written by one task per connection from a queue, so a slow reader never blocks
the core; one that falls too far behind is disconnected.

A frame that cannot be parsed gets an ``m: 5`` error; everything else — unknown functions,
bad requests, refusals — gets an ``m: 1`` reply, because the npm client never settles a call
answered with ``m: 5``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec

from openvenue.domain.accounts import User
from openvenue.domain.commands import CancelAllOrders
from openvenue.domain.events import Event
from openvenue.domain.reasons import CancelReason
from openvenue.oms.manager import SYSTEM_USER_ID
from openvenue.venues.alphapoint_apex import schemas
from openvenue.venues.alphapoint_apex.auth import Logins, Sessions
from openvenue.venues.alphapoint_apex.calls import CALLS, UNAUTHENTICATED_CALLS, Calls, Params
from openvenue.venues.alphapoint_apex.mapping import (
    INVALID_REQUEST,
    NOT_AUTHORIZED,
    NOT_SUPPORTED,
    SERVER_ERROR,
    ApexError,
    Views,
)
from openvenue.venues.core import Core
from openvenue.venues.ws_outbox import OutboxConnection

log = logging.getLogger("openvenue.alphapoint_apex")

FACE = "alphapoint_apex"
MAX_FRAME = 64 * 1024
_encode = schemas.encode


def _frame(m: int, i: int, n: str, body: Any) -> str:
    return _encode(schemas.Frame(m, i, n, _encode(body).decode())).decode()


class Connection(OutboxConnection):
    def __init__(self, gateway: ApexGateway, send) -> None:
        super().__init__(send)
        self.gateway = gateway
        self.core = gateway.core
        self.user: User | None = None
        self.token = ""
        self.session_id = 0  # the core session its orders carry, for cancel-on-disconnect
        self.cancel_on_disconnect = False
        self.subscriptions: dict[int, int] = {}  # account id -> the i of its subscribe call
        self.request_i = 0
        self.held: list[str] | None = None  # events waiting for the running call's reply

    # -- session ----------------------------------------------------------------------------------

    def login(self, user: User, token: str, *, cancel_on_disconnect: bool) -> None:
        self.user = user
        self.token = token
        self.session_id = self.core.open_session(user.id)
        self.cancel_on_disconnect = cancel_on_disconnect

    async def logout(self) -> None:
        """End the session as a disconnect would, but keep the socket for a new login."""
        await self.end_session()
        if self.token:
            self.gateway.sessions.close(self.token)
        self.user, self.token = None, ""

    async def end_session(self) -> None:
        for account_id in list(self.subscriptions):
            self.unsubscribe(account_id)
        session_id, self.session_id = self.session_id, 0
        if not session_id:
            return
        self.core.close_session(session_id)  # no order can join the session from now on
        if self.cancel_on_disconnect:
            try:
                await self.core.execute(CancelAllOrders(
                    user_id=SYSTEM_USER_ID, session_id=session_id,
                    reason=CancelReason.DISCONNECT))
            except Exception:
                log.exception("cancel-on-disconnect failed for session %s", session_id)

    def subscribe(self, account_id: int) -> None:
        if account_id not in self.subscriptions:
            self.core.feed.subscribe(account_id, None, self.on_event)
        self.subscriptions[account_id] = self.request_i

    def unsubscribe(self, account_id: int) -> None:
        if self.subscriptions.pop(account_id, None) is not None:
            self.core.feed.unsubscribe(account_id, self.on_event)

    # -- output -----------------------------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        """The feed's listener: runs synchronously inside the core's publish."""
        i = self.subscriptions.get(event.account_id)  # type: ignore[union-attr]
        if i is None:
            return
        gateway = self.gateway
        try:
            messages = gateway.views.event_messages(event, gateway.calls.find)
        except Exception:
            log.exception("cannot map %s to APEX events", type(event).__name__)
            return
        for name, body in messages:
            frame = _frame(schemas.EVENT, i, name, body)
            if self.held is not None:
                self.held.append(frame)
            else:
                self._queue(frame)

    def reply(self, m: int, i: int, n: str, body: Any) -> None:
        self._queue(_frame(m, i, n, body))
        held, self.held = self.held, None
        if held:
            self.outbox.extend(held)


class ApexGateway:
    """The ASGI WebSocket handler of the face, shared by every connection."""

    def __init__(self, core: Core, logins: Logins) -> None:
        self.core = core
        self.logins = logins
        self.sessions = Sessions()
        self.views = Views(core.oms)
        self.calls = Calls(self)
        self.faults = None  # the sandbox's shared fault injector (sandbox.faults), when it is on

    async def __call__(self, scope, receive, send) -> None:
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        conn = Connection(self, send)
        metrics = self.core.metrics
        metrics.ws_connections[FACE] += 1
        writer = asyncio.create_task(conn.writer())
        try:
            await self._read(conn, receive)
        finally:
            metrics.ws_connections[FACE] -= 1
            await conn.end_session()
            await conn.stop_writer(writer)

    async def _read(self, conn: Connection, receive) -> None:
        while conn.close_code is None:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            raw = message.get("text")
            if raw is None:
                raw = (message.get("bytes") or b"").decode("utf-8", "replace")
            await self._handle(conn, raw)

    async def _handle(self, conn: Connection, raw: str) -> None:
        if len(raw) > MAX_FRAME:
            conn.reply(schemas.ERROR, 0, "", ApexError(
                INVALID_REQUEST, f"frames are limited to {MAX_FRAME} bytes").body())
            return
        try:
            frame = schemas.decode_frame(raw)
        except (msgspec.MsgspecError, RecursionError) as exc:
            conn.reply(schemas.ERROR, 0, "", ApexError(
                INVALID_REQUEST, f"not an APEX frame {{\"m\",\"i\",\"n\",\"o\"}}: {exc}").body())
            return
        i, name = frame.i, frame.n
        conn.request_i = i
        conn.held = []
        try:
            if self.faults is None:
                body = await self._call(conn, frame)
            else:
                body = await self._faulty_call(conn, frame)
                if body is None:  # an injected dropped connection: no reply, ever
                    conn.held = None
                    conn.close_code = 1011
                    conn.wakeup.set()
                    return
        except ApexError as error:
            body = error.body()
        except Exception:
            log.exception("APEX call %s failed", name)
            body = ApexError(SERVER_ERROR).body()
        conn.reply(schemas.REPLY, i, name, body)
        if conn.token:
            self.sessions.touch(conn.token)

    async def _faulty_call(self, conn: Connection, frame: schemas.Frame) -> Any:
        """A call under the sandbox's fault rules (the same rules as every HTTP face): an
        injected error is answered as APEX answers a failed call; None means drop the socket."""
        from openvenue.sandbox.faults import APEX_OPERATIONS, InjectedFault, current

        operation = APEX_OPERATIONS.get(frame.n.lower(), "read")
        try:
            context = await self.faults.before_call(FACE, operation)
            if context.operation == "dropped":
                return None
            try:
                body = await self._call(conn, frame)
            except ApexError as error:
                body = error.body()
            finally:
                current.set(None)
            if context.after:
                rule = context.after[0]
                if rule.effect == "drop":
                    return None
                raise InjectedFault(rule)
            return body
        except InjectedFault as fault:
            code = SERVER_ERROR if fault.status >= 500 else INVALID_REQUEST
            return ApexError(code, f"{fault.status} {fault.message}").body()

    async def _call(self, conn: Connection, frame: schemas.Frame) -> Any:
        if frame.m not in (schemas.REQUEST, schemas.SUBSCRIBE, schemas.UNSUBSCRIBE):
            raise ApexError(INVALID_REQUEST, f"m must be 0 (request), 2 (subscribe) or "
                            f"4 (unsubscribe), not {frame.m}")
        key = frame.n.lower()
        handler = CALLS.get(key)
        if handler is None:
            raise ApexError(NOT_SUPPORTED, f"unknown function {frame.n!r}")
        if conn.user is None and key not in UNAUTHENTICATED_CALLS:
            raise ApexError(NOT_AUTHORIZED)
        payload = frame.o
        if type(payload) is str:
            try:
                payload = schemas.decode_payload(payload) if payload.strip() else {}
            except (msgspec.MsgspecError, RecursionError):
                raise ApexError(INVALID_REQUEST, "o is not valid JSON") from None
        elif payload is None:
            payload = {}
        if type(payload) is not dict:
            raise ApexError(INVALID_REQUEST, "o must be a JSON object")
        return await handler(self.calls, conn, Params(payload))
