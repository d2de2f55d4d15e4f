"""The Fondo Partner API's routes and handlers, under /v2/partner.

Handlers authenticate the partner's token, resolve the path's client to core accounts the
partner's user may act on, build one command or query and map the outcome. Every rule — which
accounts a partner may use, what an order must satisfy, whether a cancel is still possible, when
an order is sent and settled — is the core's; this module renders it the way Fondo does.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from urllib.parse import parse_qsl

import msgspec

from openvenue.domain.accounts import User
from openvenue.domain.commands import CancelOrder, PlaceOrder
from openvenue.domain.orders import Order, OrderStatus, OrderType, Side
from openvenue.domain.reasons import CancelRejectReason, RejectReason
from openvenue.oms.validation import Rejection, validate_place
from openvenue.venues.core import Core
from openvenue.venues.fondo import auth, demo, schemas
from openvenue.venues.fondo.mapping import (
    FondoIds,
    OrderRequest,
    cancel_refusal,
    format_ms,
    instrument_view,
    invalid,
    order_view,
    parse_iso,
    place_refusal,
    sorted_id,
)
from openvenue.venues.fondo.refs import ExecutorRefs
from openvenue.venues.fondo.ws import SUBSCRIBE_PATH, Subscriptions
from openvenue.venues.http import HttpApp, HttpError, Request, Response, Router

log = logging.getLogger("openvenue.fondo")

PREFIX = "/v2/partner"
_encode = msgspec.json.Encoder(decimal_format="number").encode
_body = msgspec.json.Decoder(float_hook=Decimal)  # JSON numbers stay exact
_token_json = msgspec.json.Decoder(schemas.TokenRequest)
_CODES = {400: "invalid_request", 401: "unauthorized", 403: "forbidden", 500: "server_error",
          503: "service_unavailable"}
_FONDO_CODES = frozenset(_CODES.values())


def respond(value, status: int = 200) -> Response:
    return Response(status, _encode(value))


def render_error(status: int, code: str, message: str, request_id: str) -> Response:
    """Every error in Fondo's body; toolkit codes (unknown route, bad JSON…) map by status."""
    if code not in _FONDO_CODES:
        code = _CODES.get(status, "server_error" if status >= 500 else "invalid_request")
        if status >= 500:
            message = "The server failed to process the request"
    return respond(schemas.Error(code, message), status)


def _limit(text: str | None) -> int | None:
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise invalid("limit must be a positive integer")
    return int(text)


def _page(items: list, key, start: str | None, limit: int | None) -> list:
    """Ascending by sort key; ``start`` is exclusive; no default cap (contract section 8)."""
    items.sort(key=key)
    if start:
        items = [i for i in items if key(i) > start.upper()]
    return items if limit is None else items[:limit]


class FondoApi:
    def __init__(self, core: Core, config) -> None:
        self.core = core
        self.oms = core.oms
        self.ids = FondoIds(core.oms)
        data = config.data_path
        self.partners = auth.Partners(data / "fondo-partners.json")
        self.tokens = auth.Tokens()
        self.auth = auth.Authenticator(self.partners, self.tokens, core.oms.users)
        self.refs = ExecutorRefs(data / "fondo-executors.jsonl")
        self._seeding: asyncio.Task | None = None
        if config.demo:
            # definitions are awaited commands; build() is not async, so they run beside start-up
            # and every request waits for them
            self._seeding = asyncio.get_running_loop().create_task(demo.seed(core, self.partners))
        self.router = router = Router()
        p = PREFIX
        router.add("POST", p + "/auth/token", self.token)
        router.add("GET", p + "/client", self.clients)
        router.add("GET", p + "/client/{client_id}", self.client)
        router.add("GET", p + "/client/{client_id}/account", self.accounts)
        router.add("GET", p + "/client/{client_id}/account/{account_id}", self.account)
        router.add("GET", p + "/instrument", self.instruments)
        router.add("GET", p + "/instrument/{instrument_id}", self.instrument)
        # before /order/{order_id}: the router takes the first template that fits
        router.add("POST", p + "/client/{client_id}/order/withdrawal", self.create_withdrawal)
        router.add("POST", p + "/client/{client_id}/order", self.create_order)
        router.add("GET", p + "/client/{client_id}/order", self.list_orders)
        router.add("GET", p + "/client/{client_id}/order/{order_id}", self.get_order)
        router.add("DELETE", p + "/client/{client_id}/order/{order_id}", self.cancel_order)
        self.subscriptions = Subscriptions(self)

    async def ready(self) -> None:
        if self._seeding is not None:
            await self._seeding  # raises the seeding's own failure, answered as server_error
            self._seeding = None

    # -- helpers ------------------------------------------------------------------------------

    async def _user(self, request: Request, scope: str) -> User:
        await self.ready()
        return self.auth.require(request, scope)

    def client_accounts(self, user: User, client_text: str) -> tuple[int, list[int]]:
        """The core client a path names and its accounts, if the partner's user may read them."""
        client_id = self.ids.client_id(client_text)
        accounts = [] if client_id is None else sorted(
            a.id for a in self.oms.accounts.values() if a.client_id == client_id and user.may_read(a.id))
        if not accounts:  # unknown, or another partner's client: the same answer, no leak
            raise HttpError(403, "forbidden", "The client is not assigned to this partner")
        return client_id, accounts

    def _visible_clients(self, user: User) -> list[int]:
        return sorted({a.client_id for a in self.oms.accounts.values() if user.may_read(a.id)})

    def _client_view(self, client_id: int) -> schemas.Client:
        client = self.oms.clients[client_id]
        created = format_ms(0)
        return schemas.Client(
            id=self.ids.client_uuid(client_id), sortedId=sorted_id(client_id), name=client.name,
            displayName=client.name, bankAccounts=[], serviceTypes=["fund"], createdDate=created,
            modifiedDate=created, crn=demo.CLIENT_CRN.get(client_id, ""), country="SE")

    def _account_view(self, account_id: int) -> schemas.Account:
        account = self.oms.accounts[account_id]
        created = format_ms(0)
        return schemas.Account(id=self.ids.account_uuid(account_id), sortedId=sorted_id(account_id),
                               client=self.ids.client_uuid(account.client_id), name=account.name,
                               currency="SEK", createdDate=created, modifiedDate=created)

    def view(self, order: Order) -> schemas.Order:
        return order_view(order, self.oms, self.refs.get(order.id))

    def _find_order(self, user: User, accounts: list[int], order_text: str) -> Order:
        order_id = self.oms.ids.order_id_from_uuid(order_text) if len(order_text) <= 64 else None
        order = None if not order_id else self.core.queries.get_order(user.id, order_id=order_id)
        if order is None or order.account_id not in accounts or not self.oms.instruments[
                order.instrument].is_fund:
            raise invalid("Order not found", 404)
        return order

    # -- auth ---------------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        await self.ready()
        content_type = (request.header(b"content-type") or "").split(";")[0].strip().lower()
        if content_type == "application/json":
            try:
                body = _token_json.decode(request.body)
            except msgspec.MsgspecError:
                raise invalid("The request body is not a valid token request") from None
            form = {k: v for k, v in msgspec.structs.asdict(body).items() if v is not None}
        else:
            form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        if form.get("grant_type") != "client_credentials":
            raise invalid("grant_type must be client_credentials")
        partner = self.partners.verify(form.get("client_id") or "", form.get("client_secret") or "")
        if partner is None:
            raise invalid("Invalid client credentials")
        scopes = auth.granted_scopes(form.get("scope"), frozenset(partner.scopes))
        if scopes is None:
            raise invalid("scope: a requested scope is not granted to this client")
        token = self.tokens.issue(partner, scopes)
        return respond(schemas.Token(access_token=token, expires_in=self.tokens.ttl,
                                     state=form.get("state")))

    # -- clients, accounts, instruments ---------------------------------------------------------

    async def clients(self, request: Request) -> Response:
        user = await self._user(request, auth.CLIENT_READ)
        views = [self._client_view(c) for c in self._visible_clients(user)]
        q = request.query
        return respond(_page(views, lambda v: v.sortedId, q.get("start"), _limit(q.get("limit"))))

    async def client(self, request: Request) -> Response:
        user = await self._user(request, auth.CLIENT_READ)
        client_id, _ = self.client_accounts(user, request.params["client_id"])
        return respond(self._client_view(client_id))

    async def accounts(self, request: Request) -> Response:
        user = await self._user(request, auth.ACCOUNT_READ)
        _, accounts = self.client_accounts(user, request.params["client_id"])
        q = request.query
        views = [self._account_view(a) for a in accounts]
        return respond(_page(views, lambda v: v.sortedId, q.get("start"), _limit(q.get("limit"))))

    async def account(self, request: Request) -> Response:
        user = await self._user(request, auth.ACCOUNT_READ)
        _, accounts = self.client_accounts(user, request.params["client_id"])
        account_id = self.ids.account_id(request.params["account_id"])
        if account_id not in accounts:
            raise invalid("Account not found", 404)
        return respond(self._account_view(account_id))

    def _instrument_view(self, symbol: str) -> schemas.Instrument:
        schedule = self.oms.fund_schedule
        return instrument_view(self.oms.instruments[symbol], demo.FUND_NAMES.get(symbol, symbol),
                               None if schedule is None else schedule.navs.get(symbol))

    async def instruments(self, request: Request) -> Response:
        await self._user(request, auth.INSTRUMENT_READ)
        views = [self._instrument_view(s) for s, i in self.oms.instruments.items() if i.is_fund]
        q = request.query
        return respond(_page(views, lambda v: v.id, q.get("start"), _limit(q.get("limit"))))

    async def instrument(self, request: Request) -> Response:
        await self._user(request, auth.INSTRUMENT_READ)
        inst = self.oms.instruments.get(request.params["instrument_id"])
        if inst is None or not inst.is_fund:
            raise invalid("Instrument not found", 404)
        return respond(self._instrument_view(inst.symbol))

    # -- orders -------------------------------------------------------------------------------

    async def create_order(self, request: Request) -> Response:
        return await self._create(request, withdrawal=False)

    async def create_withdrawal(self, request: Request) -> Response:
        return await self._create(request, withdrawal=True)

    async def _create(self, request: Request, withdrawal: bool) -> Response:
        user = await self._user(request, auth.ORDER_WRITE)
        _, accounts = self.client_accounts(user, request.params["client_id"])
        validate_only = request.query.get("validate-only", "").lower() == "true"
        try:
            body = _body.decode(request.body) if request.body else None
        except msgspec.DecodeError:
            raise invalid("The request body is not valid JSON") from None

        def account_of(text: str) -> int | None:
            account_id = self.ids.account_id(text)
            return account_id if account_id in accounts else None

        wanted = OrderRequest(body, account_of, withdrawal)
        command = PlaceOrder(
            user_id=user.id, account_id=wanted.account_id, instrument=wanted.instrument,
            side=Side.BUY if wanted.is_buy else Side.SELL, type=OrderType.MARKET,
            quantity=wanted.units, cash_amount=wanted.amount, client_order_id=wanted.client_ref)
        inst = self.oms.instruments.get(wanted.instrument)
        if inst is None or not inst.is_fund:
            raise invalid("instrument: unknown instrument")
        if validate_only:
            return respond(self._would_be(user, command, wanted.executor_ref))
        if not self.core.accepting:
            raise HttpError(503, "service_unavailable", "The venue is shutting down")
        outcome = await self.core.execute(command)
        if outcome.reason is not None or outcome.order is None:
            raise place_refusal(outcome.reason, outcome.text)
        order = outcome.order
        self.refs.put(order.id, wanted.executor_ref)
        return respond(self.view(order))

    def _would_be(self, user: User, command: PlaceOrder, executor_ref: str) -> schemas.Order:
        """validate-only: the core's own checks, read-only; nothing is executed or stored."""
        if not user.may_trade(command.account_id):
            raise place_refusal(RejectReason.NOT_AUTHORIZED, "")
        now = self.oms.clock.now_ns()
        try:
            lots, _, _, cash = validate_place(command, self.oms.grids.get(command.instrument), now)
        except Rejection as refused:
            raise place_refusal(refused.reason, refused.text) from None
        inst = self.oms.instruments[command.instrument]
        stamp = format_ms(now)
        return schemas.Order(
            id=None, status="received", sortedId=None,
            orderType="subscription" if command.side is Side.BUY else "redemption",
            account=self.ids.account_uuid(command.account_id), clientRef=command.client_order_id,
            executorRef=executor_ref, instrument=inst.symbol,
            units=inst.quantity(lots).normalize() if lots else Decimal(0),
            amount=inst.amount(cash) if cash else Decimal(0),
            createdDate=stamp, modifiedDate=stamp, canceledDate=None)

    async def list_orders(self, request: Request) -> Response:
        user = await self._user(request, auth.ORDER_READ)
        _, accounts = self.client_accounts(user, request.params["client_id"])
        q = request.query
        status = q.get("status")
        if status is not None and status not in ("received", "pending", "sent", "settled",
                                                 "canceled", "hold"):
            raise invalid("status must be one of received, pending, sent, settled, canceled, hold")
        account_text = q.get("account")
        if account_text is not None:
            account_id = self.ids.account_id(account_text)
            if account_id not in accounts:
                raise invalid("account must be one of the client's accounts")
            accounts = [account_id]
        modified_from = parse_iso(q["modifiedFrom"], "modifiedFrom") if "modifiedFrom" in q else 0
        limit = _limit(q.get("limit"))
        index = self.oms.index.accounts
        instruments = self.oms.instruments
        views = []
        for account_id in accounts:
            held = index.get(account_id)
            for order in ([] if held is None else held.orders):
                if not instruments[order.instrument].is_fund or order.updated_ns < modified_from:
                    continue
                view = self.view(order)
                if status is None or view.status == status:
                    views.append(view)
        return respond(_page(views, lambda v: v.sortedId, q.get("start"), limit))

    async def get_order(self, request: Request) -> Response:
        user = await self._user(request, auth.ORDER_READ)
        _, accounts = self.client_accounts(user, request.params["client_id"])
        return respond(self.view(self._find_order(user, accounts, request.params["order_id"])))

    async def cancel_order(self, request: Request) -> Response:
        user = await self._user(request, auth.ORDER_WRITE)
        _, accounts = self.client_accounts(user, request.params["client_id"])
        order = self._find_order(user, accounts, request.params["order_id"])
        if not self.core.accepting:
            raise HttpError(503, "service_unavailable", "The venue is shutting down")
        outcome = await self.core.execute(CancelOrder(user_id=user.id, order_id=order.id))
        if outcome.reason is None:
            return respond(self.view(outcome.order or order))
        # DELETE is idempotent: the core says "too late" for a canceled order; Fondo answers
        # with the order as it stands
        if outcome.reason is CancelRejectReason.TOO_LATE_TO_CANCEL and (
                order.status is OrderStatus.CANCELED):
            return respond(self.view(order))
        raise cancel_refusal(outcome.reason)


class FondoApp:
    """The face's ASGI callable: HTTP through the shared toolkit, plus the subscription
    WebSocket, whose path carries the client id (the toolkit routes WebSockets by fixed path)."""

    def __init__(self, api: FondoApi, http: HttpApp) -> None:
        self.api = api
        self.http = http

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket":
            match = SUBSCRIBE_PATH.match(scope["path"])
            if match is None:
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.api.subscriptions.serve(match.group(1), scope, receive, send)
            return
        await self.http(scope, receive, send)


def build(core: Core, config) -> FondoApp:
    api = FondoApi(core, config)
    http = HttpApp(api.router, render_error, face="fondo", max_body=config.max_body_bytes,
                   on_response=core.metrics.on_response)
    return FondoApp(api, http)
