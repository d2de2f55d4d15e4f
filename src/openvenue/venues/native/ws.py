"""WebSocket /ws: an authenticated stream of an account's order and fill events.

Protocol (JSON text frames; every client message may carry an ``id`` that the reply echoes):

- Authenticate with ``Authorization: Bearer <api key>`` on the upgrade request, or by sending
  ``{"op": "auth", "api_key": "..."}`` first (browsers cannot set headers). The server answers
  ``{"type": "hello", "session_id", "user_id", "cancel_on_disconnect", "seq"}``.
- ``{"op": "subscribe", "account_id": 1, "since_seq": 41}`` -> ``{"type": "subscribed", ...}``,
  then every retained event of that account after sequence 41 (omit ``since_seq`` for live events
  only), then live events ``{"type": "event", "seq", "event", "account_id", ...}``. Sequence
  numbers are the core's global ones: an account's stream has gaps, never reorders.
- ``{"op": "cancel_on_disconnect", "enabled": true}`` (or ``?cancel_on_disconnect=true`` on the
  URL): when this connection drops, every open order placed with its ``session_id`` is canceled
  (reason DISCONNECT) by the venue itself.
- ``{"op": "unsubscribe", "account_id": 1}``, ``{"op": "ping"}``.

Events are queued per connection and written by one task, so a slow reader never blocks the
core; a reader that falls too far behind is disconnected (code 1013) and can resume.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import parse_qsl

import msgspec

from openvenue.domain.commands import CancelAllOrders
from openvenue.domain.events import Event
from openvenue.domain.reasons import CancelReason
from openvenue.oms.manager import SYSTEM_USER_ID
from openvenue.venues.core import Core
from openvenue.venues.feed import ResumeUnavailable
from openvenue.venues.native.auth import user_for_key
from openvenue.venues.native.mapping import event_view
from openvenue.venues.wire import bearer_token
from openvenue.venues.ws_outbox import OutboxConnection

log = logging.getLogger("openvenue.native.ws")

AUTH_TIMEOUT_S = 10.0
MAX_MESSAGE = 4096


class ClientMessage(msgspec.Struct, kw_only=True):
    op: str
    id: Any = None
    api_key: str | None = None
    account_id: int | None = None
    since_seq: int | None = None
    enabled: bool | None = None


_decode = msgspec.json.Decoder(ClientMessage).decode
_encode = msgspec.json.Encoder(decimal_format="string").encode


class _Closed(Exception):
    pass


class Connection(OutboxConnection):
    slow_consumer_reason = "slow consumer: reconnect and resume"

    def __init__(self, core: Core, send, cancel_on_disconnect: bool) -> None:
        super().__init__(send)
        self.core = core
        self.user = None
        self.session_id = 0
        self.cancel_on_disconnect = cancel_on_disconnect
        self.accounts: set[int] = set()

    # listener for the feed: runs synchronously inside the core's publish
    def on_event(self, event: Event) -> None:
        self._queue(event)

    def reply(self, message: dict, request_id: Any = None) -> None:
        if request_id is not None:
            message["id"] = request_id
        self._queue(message)

    def error(self, code: str, message: str, request_id: Any = None, **extra) -> None:
        self.reply({"type": "error", "error": {"code": code, "message": message, **extra}},
                   request_id)

    def render(self, item: Event | dict) -> str:
        data = _encode(item) if type(item) is dict else _encode(event_view(item, self.core.oms))
        return data.decode()


class NativeWebSocket:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def __call__(self, scope, receive, send) -> None:
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        cod = query.get("cancel_on_disconnect", "").lower() in ("1", "true", "yes")
        await send({"type": "websocket.accept"})
        conn = Connection(self.core, send, cod)
        metrics = self.core.metrics
        metrics.ws_connections["native"] += 1
        writer = asyncio.create_task(conn.writer())
        try:
            header_key = None
            for key, value in scope["headers"]:
                if key == b"authorization":
                    header_key = bearer_token(value.decode("latin-1"))
            if header_key is not None:
                if not self._authenticate(conn, header_key, None):
                    return
            await self._read(conn, receive)
        finally:
            metrics.ws_connections["native"] -= 1
            await self._disconnect(conn)
            await conn.stop_writer(writer)

    def _authenticate(self, conn: Connection, api_key: str | None, request_id: Any) -> bool:
        user = user_for_key(self.core, api_key)
        if user is None:
            conn.error("UNAUTHENTICATED", "invalid API key", request_id)
            conn.close_code = 1008
            conn.wakeup.set()
            return False
        conn.user = user
        conn.session_id = self.core.open_session(user.id)
        conn.reply({"type": "hello", "session_id": conn.session_id, "user_id": user.id,
                    "cancel_on_disconnect": conn.cancel_on_disconnect,
                    "seq": self.core.feed.head_seq}, request_id)
        return True

    async def _read(self, conn: Connection, receive) -> None:
        while conn.close_code is None:
            try:
                timeout = None if conn.user is not None else AUTH_TIMEOUT_S
                message = await asyncio.wait_for(receive(), timeout)
            except TimeoutError:
                conn.error("UNAUTHENTICATED", "authenticate first: {\"op\": \"auth\", \"api_key\": ...}")
                conn.close_code = 1008
                conn.wakeup.set()
                return
            if message["type"] == "websocket.disconnect":
                return
            raw = message.get("text")
            if raw is None:
                raw = (message.get("bytes") or b"").decode("utf-8", "replace")
            if len(raw) > MAX_MESSAGE:
                conn.error("INVALID_REQUEST", f"messages are limited to {MAX_MESSAGE} bytes")
                continue
            try:
                request = _decode(raw)
            except msgspec.MsgspecError as exc:
                conn.error("INVALID_REQUEST", f"not a valid message: {exc}")
                continue
            self._handle(conn, request)

    def _handle(self, conn: Connection, request: ClientMessage) -> None:
        op, rid = request.op, request.id
        if op == "auth":
            if conn.user is not None:
                conn.error("INVALID_REQUEST", "already authenticated", rid)
            else:
                self._authenticate(conn, request.api_key, rid)
            return
        if conn.user is None:
            conn.error("UNAUTHENTICATED", "authenticate first", rid)
            conn.close_code = 1008
            conn.wakeup.set()
            return
        if op == "ping":
            conn.reply({"type": "pong", "seq": self.core.feed.head_seq}, rid)
        elif op == "subscribe":
            self._subscribe(conn, request)
        elif op == "unsubscribe":
            account_id = request.account_id or 0
            if account_id in conn.accounts:
                conn.accounts.discard(account_id)
                self.core.feed.unsubscribe(account_id, conn.on_event)
            conn.reply({"type": "unsubscribed", "account_id": account_id}, rid)
        elif op == "cancel_on_disconnect":
            conn.cancel_on_disconnect = bool(request.enabled)
            conn.reply({"type": "cancel_on_disconnect", "enabled": conn.cancel_on_disconnect,
                        "session_id": conn.session_id}, rid)
        else:
            conn.error("INVALID_REQUEST", f"unknown op {op!r}; expected auth, subscribe, "
                       "unsubscribe, cancel_on_disconnect or ping", rid)

    def _subscribe(self, conn: Connection, request: ClientMessage) -> None:
        rid, account_id = request.id, request.account_id
        if account_id is None:
            conn.error("INVALID_REQUEST", "subscribe needs an account_id", rid)
            return
        if not conn.user.may_read(account_id):
            conn.error("NOT_AUTHORIZED", f"not permitted to read account {account_id}", rid)
            return
        if account_id not in self.core.oms.accounts:
            conn.error("UNKNOWN_ACCOUNT", f"no account {account_id}", rid)
            return
        if account_id in conn.accounts:
            conn.error("INVALID_REQUEST", f"already subscribed to account {account_id}", rid)
            return
        feed = self.core.feed
        try:
            backlog = feed.subscribe(account_id, request.since_seq, conn.on_event)
        except ResumeUnavailable as gap:
            conn.error("RESUME_UNAVAILABLE", str(gap), rid, oldest_seq=gap.oldest_seq)
            return
        conn.accounts.add(account_id)
        # the reply, then the backlog, both queued before any later live event can be
        conn.reply({"type": "subscribed", "account_id": account_id, "seq": feed.head_seq,
                    "replayed": len(backlog)}, rid)
        conn.outbox.extend(backlog)

    async def _disconnect(self, conn: Connection) -> None:
        for account_id in conn.accounts:
            self.core.feed.unsubscribe(account_id, conn.on_event)
        conn.accounts.clear()
        if not conn.session_id:
            return
        self.core.close_session(conn.session_id)  # no order can join the session from now on
        if conn.cancel_on_disconnect:
            try:
                await self.core.execute(CancelAllOrders(
                    user_id=SYSTEM_USER_ID, session_id=conn.session_id,
                    reason=CancelReason.DISCONNECT))
            except Exception:
                log.exception("cancel-on-disconnect failed for session %s", conn.session_id)
