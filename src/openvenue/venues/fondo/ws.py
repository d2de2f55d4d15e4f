"""The client subscription WebSocket: GET /v2/partner/client/{client_id}/subscribe.

Authenticated like every call (``Authorization: Bearer`` on the upgrade, or ``?access_token=``
for clients that cannot set headers; scope ``order:read``); a client not under the partner is
refused before the upgrade (HTTP 403). Then, as JSON text frames (contract section 8):

- ``{"event": "order.create", "current": <order>}`` when an order is placed for the client,
- ``{"event": "order.update", "current": <order>, "previous": <order>}`` when one changes
  (canceled, sent at cut-off, executed at NAV, settled),
- ``{"event": "heartbeat", "timestamp": "..."}`` every 30 seconds.

Each message is built from the core's event (not from the order as it is when the frame is
written), so a quick succession of changes streams every step, with ``previous`` the state the
event changed. Events reach the socket from the core's feed, after their journal commit.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import deque
from urllib.parse import parse_qsl

import msgspec

from openvenue.domain import events as ev
from openvenue.venues.fondo import auth, schemas
from openvenue.venues.fondo.mapping import format_ms, number
from openvenue.venues.http import HttpError
from openvenue.venues.wire import bearer_token

log = logging.getLogger("openvenue.fondo.ws")

SUBSCRIBE_PATH = re.compile(r"^/v2/partner/client/([^/]+)/subscribe$")
HEARTBEAT_S = 30.0
MAX_OUTBOX = 50_000
_encode = msgspec.json.Encoder(decimal_format="number").encode
_replace = msgspec.structs.replace


class _Connection:
    def __init__(self, api, send, accounts: list[int]) -> None:
        self.api = api
        self.send = send
        self.accounts = accounts
        self.outbox: deque[ev.Event] = deque()
        self.wakeup = asyncio.Event()
        self.views: dict[int, schemas.Order] = {}  # the last state streamed, per order
        self.overflow = False

    def on_event(self, event: ev.Event) -> None:  # the feed's listener, inside the core's publish
        self.outbox.append(event)
        if len(self.outbox) > MAX_OUTBOX:
            self.overflow = True
        self.wakeup.set()

    def message(self, event: ev.Event) -> dict | None:
        """The Fondo message for one core event, or None when it changes no fund order."""
        api = self.api
        oms = api.oms
        kind = type(event)
        if kind not in (ev.OrderAccepted, ev.OrderCanceled, ev.FundOrderSent, ev.OrderFilled,
                        ev.FundOrderSettled):
            return None
        order = oms.index.orders.get(event.order_id)
        if order is None or not oms.instruments[order.instrument].is_fund:
            return None
        inst = oms.instruments[order.instrument]
        stamp = format_ms(event.ts)
        if kind is ev.OrderAccepted:
            current = schemas.Order(
                id=oms.ids.uuid_text(event.order_id), status="pending",
                sortedId=oms.ids.ulid_text(event.order_id, event.ts),
                orderType="subscription" if order.is_buy else "redemption",
                account=api.ids.account_uuid(event.account_id), clientRef=event.client_order_id,
                executorRef=api.refs.get(event.order_id), instrument=event.instrument,
                units=number(inst.quantity(event.quantity)),
                amount=number(inst.amount(event.cash_amount)), createdDate=stamp,
                modifiedDate=stamp, canceledDate=None)
            self.views[event.order_id] = current
            return {"event": "order.create", "current": current}
        previous = self.views.get(event.order_id)
        if previous is None:  # placed before this subscription: start from the order as it is
            previous = _rewind(api.view(order), kind)
        if kind is ev.OrderCanceled:
            current = _replace(previous, status="canceled", canceledDate=stamp, modifiedDate=stamp)
        elif kind is ev.FundOrderSent:
            current = _replace(previous, status="sent", modifiedDate=stamp)
        elif kind is ev.OrderFilled:
            filled = number(inst.quantity(event.quantity))
            cash = number(inst.amount(event.cash_amount))
            current = _replace(previous, units=filled, amount=cash, modifiedDate=stamp)
        else:
            current = _replace(previous, status="settled", modifiedDate=stamp)
        self.views[event.order_id] = current
        if kind is ev.OrderCanceled or kind is ev.FundOrderSettled:
            self.views.pop(event.order_id)  # nothing follows
        return {"event": "order.update", "current": current, "previous": previous}

    async def writer(self) -> None:
        try:
            while True:
                try:
                    await asyncio.wait_for(self.wakeup.wait(), HEARTBEAT_S)
                except TimeoutError:
                    await self._send({"event": "heartbeat",
                                      "timestamp": format_ms(self.api.oms.clock.now_ns())})
                    continue
                self.wakeup.clear()
                if self.overflow:
                    await self.send({"type": "websocket.close", "code": 1013,
                                     "reason": "slow consumer"})
                    return
                while self.outbox:
                    message = self.message(self.outbox.popleft())
                    if message is not None:
                        await self._send(message)
        except (OSError, RuntimeError, asyncio.CancelledError):
            return
        except Exception:
            log.exception("fondo websocket writer failed")

    async def _send(self, message: dict) -> None:
        await self.send({"type": "websocket.send", "text": _encode(message).decode()})


def _rewind(view: schemas.Order, kind: type) -> schemas.Order:
    """The state an event found, for an order this connection has not streamed before."""
    if kind is ev.OrderCanceled or kind is ev.FundOrderSent:
        return _replace(view, status="pending", canceledDate=None)
    return _replace(view, status="sent")


class Subscriptions:
    def __init__(self, api) -> None:
        self.api = api

    async def serve(self, client_text: str, scope, receive, send) -> None:
        api = self.api
        if (await receive())["type"] != "websocket.connect":
            return
        token = None
        for key, value in scope["headers"]:
            if key == b"authorization":
                token = bearer_token(value.decode("latin-1"))
        if token is None:
            token = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))).get(
                "access_token")
        try:
            await api.ready()
            user = api.auth.user_for_token(token, auth.ORDER_READ)
            _, accounts = api.client_accounts(user, client_text)
        except HttpError:
            await send({"type": "websocket.close", "code": 1008})  # refused upgrade: HTTP 403
            return
        await send({"type": "websocket.accept"})
        conn = _Connection(api, send, accounts)
        feed = api.core.feed
        for account_id in accounts:
            feed.subscribe(account_id, None, conn.on_event)
        metrics = api.core.metrics
        metrics.ws_connections["fondo"] += 1
        writer = asyncio.create_task(conn.writer())
        try:
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    return
                # client frames carry nothing this API defines: ignored
        finally:
            metrics.ws_connections["fondo"] -= 1
            for account_id in accounts:
                feed.unsubscribe(account_id, conn.on_event)
            writer.cancel()
