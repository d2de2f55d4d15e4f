"""Fault injection: rules that make a face misbehave on purpose, the way real venues do.

A rule names what it matches — face, operation (place, cancel, replace, cancel_all, get, list,
auth, read, websocket), account, probability and how many times it may fire — and what it does:
answer with a venue-shaped error before or after the command is applied ("timed out but did
happen"), add latency, turn a cancel into a delayed one (``CancelOrder.delay_ns``, a real
cancel/fill race), drop a WebSocket connection, or duplicate / reorder events on a WebSocket.

One mechanism serves every face: ``FaultInjector.run`` sits in the shared HTTP toolkit's request
path (errors then travel through each face's own error renderer), the APEX gateway calls
``before_call`` / ``after_call`` for its frames, ``SandboxPort`` (see ``sandbox.port``) applies
rules that name an account where the command names it, and ``FaultyFeed`` wraps WebSocket
listeners. Every fault that fires is logged and counted in /metrics.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from openvenue.venues.http import HttpError
from openvenue.venues.ws_outbox import OutboxConnection

log = logging.getLogger("openvenue.sandbox.faults")

Operation = Literal["place", "cancel", "replace", "cancel_all", "get", "list", "auth", "read",
                    "websocket", "any"]
Effect = Literal["error", "latency", "delay_cancel", "drop", "duplicate_event", "reorder_event"]

COMMAND_OPERATIONS = frozenset({"place", "cancel", "replace", "cancel_all"})
REASONS = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable", 504: "Gateway Timeout"}
CODES = {429: "RATE_LIMITED", 500: "INTERNAL_ERROR", 502: "BAD_GATEWAY",
         503: "SERVICE_UNAVAILABLE", 504: "GATEWAY_TIMEOUT"}
# paths that are never faulted: operators' tools must keep working during an injected outage
_EXEMPT_PREFIXES = ("/v1/admin", "/healthz", "/metrics", "/openapi.json", "/docs")


class FaultRule(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One rule. ``count`` 0 means unlimited; ``probability`` is drawn from the sandbox's seeded
    generator, so a schedule replays the same way with the same seed and the same requests."""

    effect: Effect = "error"
    face: str = "any"
    operation: Operation = "any"
    account_id: int = 0  # 0: any account
    probability: float = 1.0
    count: int = 0
    status: int = 503  # effect error
    apply: bool = False  # effect error / drop: run the command first, then fail
    code: str = ""  # error code/title; default by status
    message: str = ""
    latency_ms: int = 0  # effect latency
    delay_ms: int = 500  # effect delay_cancel
    id: int = 0
    fired: int = 0

    def matches(self, face: str, operation: str, account_id: int | None) -> bool:
        if self.count and self.fired >= self.count:
            return False
        if self.face not in ("any", face):
            return False
        if self.operation not in ("any", operation):
            return False
        if self.account_id and account_id != self.account_id:
            return False
        return True


class InjectedFault(HttpError):
    """An injected error: rendered by the face's own error renderer like any other HttpError."""

    def __init__(self, rule: FaultRule) -> None:
        status = rule.status
        message = rule.message or REASONS.get(status, "Injected fault")
        headers = [(b"retry-after", b"1")] if status in (429, 503) else []
        # "TITLE" lets faces that answer with a title (INTX) use the message as it is
        super().__init__(status, rule.code or CODES.get(status, "TITLE"), message, headers)
        self.rule = rule


@dataclass
class RequestContext:
    """What the request being served is, so rules deeper down (the command port) can match."""

    face: str
    operation: str
    cancel_delay_ns: int = 0
    after: list[FaultRule] = field(default_factory=list)  # errors/drops once the command ran


current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "openvenue_sandbox_request", default=None)


def classify(method: str, path: str) -> str | None:
    """The operation an HTTP request is, from its method and path, for every face alike."""
    if path.startswith(_EXEMPT_PREFIXES):
        return None
    lowered = path.lower().rstrip("/")
    parts = lowered.split("/")
    last = parts[-1] if parts else ""
    if "token" in lowered or "oauth" in lowered or "auth" in last:
        return "auth"
    if last == "cancel":
        return "cancel"
    if last == "replace":
        return "replace"
    if last == "preview":
        return "read"
    if method == "DELETE":
        return "cancel" if len(parts) >= 2 and parts[-2] == "orders" else "cancel_all"
    if method in ("PUT", "PATCH"):
        return "replace"
    if method == "POST":
        return "place" if last == "orders" else "read"
    if method == "GET":
        if last in ("orders", "fills", "executions", "history"):
            return "list"
        if len(parts) >= 2 and parts[-2] in ("orders", "client-orders"):
            return "get"
        return "read"
    return "read"


APEX_OPERATIONS = {
    "sendorder": "place", "cancelorder": "cancel", "cancelreplaceorder": "replace",
    "modifyorder": "replace", "cancelallorders": "cancel_all", "getorderstatus": "get",
    "getopenorders": "list", "getorderhistory": "list", "getordershistory": "list",
    "gettradeshistory": "list", "getaccounttrades": "list",
    "getorderhistorybyorderid": "get", "authenticateuser": "auth", "webauthenticateuser": "auth",
    "logout": "auth", "subscribeaccountevents": "websocket",
}


class FaultInjector:
    def __init__(self, rng: random.Random, on_fired: Callable[[str, str, str], None]) -> None:
        self.rules: list[FaultRule] = []
        self._rng = rng
        self._on_fired = on_fired
        self._next_id = 1

    # -- rules ------------------------------------------------------------------------------------

    def add(self, rule: FaultRule) -> FaultRule:
        if rule.effect == "error" and not 400 <= rule.status <= 599:
            raise ValueError("status must be a 4xx or 5xx")
        if not 0.0 <= rule.probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        if rule.count < 0 or rule.latency_ms < 0 or rule.delay_ms < 0:
            raise ValueError("count, latency_ms and delay_ms must not be negative")
        rule.id, rule.fired = self._next_id, 0
        self._next_id += 1
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: int) -> bool:
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.id != rule_id]
        return len(self.rules) != before

    def clear(self) -> None:
        self.rules = []

    def fire(self, face: str, operation: str, account_id: int | None,
             effects: frozenset[str], *, with_account: bool) -> list[FaultRule]:
        """The rules that fire now, counted. ``with_account`` picks the rules that name an
        account (matched at the command port) or those that do not (matched per request)."""
        fired = []
        for rule in self.rules:
            if rule.effect not in effects or bool(rule.account_id) != with_account:
                continue
            if not rule.matches(face, operation, account_id):
                continue
            if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                continue
            rule.fired += 1
            self._on_fired(face, operation, rule.effect)
            log.warning("injected fault: rule %d %s on %s %s%s", rule.id, _describe(rule), face,
                        operation, f" account {account_id}" if account_id else "")
            fired.append(rule)
        return fired

    # -- HTTP faces -------------------------------------------------------------------------------

    def run(self, face: str, request, handler: Callable[[Any], Awaitable[Any]]) -> Awaitable[Any]:
        """Serve one HTTP request under the rules (the toolkit's hook).

        With no rule (the common case) the handler's own awaitable comes back: no
        classification, and no coroutine of this hook's own on every request."""
        if not self.rules:
            return handler(request)
        return self._run(face, request, handler)

    async def _run(self, face: str, request, handler: Callable[[Any], Awaitable[Any]]):
        operation = classify(request.method, request.path)
        if operation is None:
            return await handler(request)
        context = RequestContext(face, operation)
        token = current.set(context)
        try:
            await self._before(context, None, with_account=False)
            try:
                response = await handler(request)
            except HttpError:
                if context.after:
                    raise InjectedFault(context.after[0]) from None
                raise
            if context.after:
                raise InjectedFault(context.after[0])
            return response
        finally:
            current.reset(token)

    async def _before(self, context: RequestContext, account_id: int | None, *,
                      with_account: bool) -> None:
        rules = self.fire(context.face, context.operation, account_id,
                          frozenset({"error", "latency", "delay_cancel", "drop"}),
                          with_account=with_account)
        for rule in rules:
            if rule.effect == "latency":
                await asyncio.sleep(rule.latency_ms / 1000)
        for rule in rules:
            if rule.effect == "delay_cancel":
                context.cancel_delay_ns = max(context.cancel_delay_ns, rule.delay_ms * 1_000_000)
            elif rule.effect in ("error", "drop"):
                if rule.apply:
                    context.after.append(rule)
                else:
                    raise InjectedFault(rule)

    async def before_command(self, account_id: int) -> RequestContext | None:
        """The command port's hook: rules that name the command's account."""
        context = current.get()
        if context is not None and any(r.account_id for r in self.rules):
            await self._before(context, account_id, with_account=True)
        return context

    # -- WebSocket faces --------------------------------------------------------------------------

    def enter(self, face: str, operation: str) -> contextvars.Token:
        return current.set(RequestContext(face, operation))

    def leave(self, token: contextvars.Token) -> None:
        current.reset(token)

    async def before_call(self, face: str, operation: str) -> RequestContext:
        """A WebSocket call (APEX frame) about to run; raises InjectedFault or returns the
        context whose ``after`` rules (errors, drops) apply once it ran."""
        context = RequestContext(face, operation)
        current.set(context)
        if self.rules:
            try:
                await self._before(context, None, with_account=False)
            except InjectedFault as fault:
                if fault.rule.effect == "drop":
                    context.after.append(fault.rule)
                    context.operation = "dropped"  # the call must not run
                    return context
                raise
        return context


def _describe(rule: FaultRule) -> str:
    if rule.effect == "error":
        return f"error {rule.status}{' after applying' if rule.apply else ''}"
    if rule.effect == "latency":
        return f"latency {rule.latency_ms} ms"
    if rule.effect == "delay_cancel":
        return f"cancel delayed {rule.delay_ms} ms"
    return rule.effect


class FaultyFeed:
    """The account feed as faces see it, with WebSocket event faults (duplicate, reorder).

    Listeners are wrapped when they subscribe, under the face that subscribes them; everything
    else is the real feed's."""

    def __init__(self, feed, faults: FaultInjector) -> None:
        self._feed = feed
        self._faults = faults
        self._wrapped: dict[tuple[int, int], Callable] = {}

    def __getattr__(self, name: str):
        return getattr(self._feed, name)

    def subscribe(self, account_id: int, since_seq, listener):
        context = current.get()
        face = context.face if context is not None else "any"
        wrapper = _FaultyListener(self._faults, face, account_id, listener)
        self._wrapped[(account_id, id(listener))] = wrapper
        return self._feed.subscribe(account_id, since_seq, wrapper)

    def unsubscribe(self, account_id: int, listener) -> None:
        wrapper = self._wrapped.pop((account_id, id(listener)), listener)
        self._feed.unsubscribe(account_id, wrapper)


_EVENT_EFFECTS = frozenset({"duplicate_event", "reorder_event", "drop"})
DROPPED = 1011  # the close code of a dropped WebSocket: an unexpected server condition


class _FaultyListener:
    __slots__ = ("_account_id", "_face", "_faults", "_held", "_listener")

    def __init__(self, faults: FaultInjector, face: str, account_id: int, listener) -> None:
        self._faults = faults
        self._face = face
        self._account_id = account_id
        self._listener = listener
        self._held = None

    def __call__(self, event) -> None:
        faults = self._faults
        fired = faults.fire(self._face, "websocket", self._account_id, _EVENT_EFFECTS,
                            with_account=False)
        fired += faults.fire(self._face, "websocket", self._account_id, _EVENT_EFFECTS,
                             with_account=True)
        if any(r.effect == "drop" for r in fired):
            # the connection goes down instead of delivering: a client resumes from its last
            # sequence number and finds the event there
            connection = getattr(self._listener, "__self__", None)
            if isinstance(connection, OutboxConnection) and connection.close_code is None:
                connection.close_code = DROPPED
                connection.wakeup.set()
                return
        held, self._held = self._held, None
        if any(r.effect == "reorder_event" for r in fired) and held is None:
            self._held = event  # delivered after the next event (or shortly, if none comes)
            asyncio.get_running_loop().call_later(0.2, self._flush, event)
            return
        self._listener(event)
        if held is not None:
            self._listener(held)
        if any(r.effect == "duplicate_event" for r in fired):
            self._listener(event)

    def _flush(self, event) -> None:
        if self._held is event:
            self._held = None
            self._listener(event)
