"""The native API's routes and handlers: REST over the core's commands and queries.

Handlers authenticate, decode, build one command or query, and map the outcome; every rule
(permissions, validation, idempotency, cancel semantics) is the core's. Each route is declared
once with its OpenAPI description, so the document served at /openapi.json is the route table.
"""

from __future__ import annotations

import logging
import uuid as uuidlib
from collections.abc import Awaitable, Callable
from datetime import date
from importlib.metadata import PackageNotFoundError, version

import msgspec

from openvenue.domain.accounts import Account, Client, User
from openvenue.domain.commands import (
    CancelAllOrders,
    CancelOrder,
    ExecuteFundOrders,
    FillOrder,
    PlaceOrder,
    ReplaceOrder,
)
from openvenue.domain.events import OrderFilled
from openvenue.domain.instruments import Instrument
from openvenue.domain.orders import OrderType, Side
from openvenue.domain.reasons import RejectReason
from openvenue.oms.manager import SYSTEM_USER_ID
from openvenue.oms.queries import MAX_PAGE, StatusFilter
from openvenue.venues.core import Core
from openvenue.venues.http import (
    HttpApp,
    HttpError,
    Request,
    Response,
    Router,
    decode_json,
    json_response,
)
from openvenue.venues.native import schemas
from openvenue.venues.native.auth import authenticate, require_admin, require_readable
from openvenue.venues.native.mapping import (
    fill_view,
    format_ns,
    instrument_view,
    order_view,
    parse_admin_decimal,
    parse_decimal,
    parse_time,
    refusal,
)
from openvenue.venues.native.openapi import Operation, Param, build_document, docs_page
from openvenue.venues.native.schemas import INT64_MAX
from openvenue.venues.native.ws import NativeWebSocket

log = logging.getLogger("openvenue.native")

try:
    VERSION = version("openvenue")
except PackageNotFoundError:  # running from a source tree that is not installed
    VERSION = "0.0.0"

DESCRIPTION = (
    "openvenue's own API. Decimals are strings; ids are integers; times are RFC 3339 UTC. "
    "Every error is {\"error\": {\"code\", \"message\", \"request_id\"}}. Unknown request fields "
    "are refused with 400 UNKNOWN_FIELD; unknown query parameters are ignored. Authenticate with "
    "'Authorization: Bearer <api key>'; admin endpoints take the admin key. Live order and fill "
    "events: WebSocket /ws (see the README)."
)

_ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": INT64_MAX}
_ACCOUNT_Q = Param("account_id", "query", _ID_SCHEMA, "only this account")
_INSTRUMENT_Q = Param("instrument", "query", {"type": "string", "maxLength": 64}, "only this instrument")
_SIDE_Q = Param("side", "query", {"enum": [s.value for s in Side]}, "only this side")
_TYPE_Q = Param("type", "query", {"enum": [t.value for t in OrderType]}, "only this order type")
_CURSOR_Q = Param("cursor", "query", {"type": "string", "pattern": "^[0-9]{1,19}$"},
                  "next_cursor of the previous page")
_LIMIT_Q = Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                 "page size (default 100)")
_ORDER_P = Param("order_id", "path", {"type": "string", "maxLength": 64},
                 "the order's id, UUID or ULID")

_place = msgspec.json.Decoder(schemas.PlaceOrderRequest)
_replace = msgspec.json.Decoder(schemas.ReplaceOrderRequest)
_decoders: dict[type, msgspec.json.Decoder] = {}


def _decode(request: Request, kind: type):
    decoder = _decoders.get(kind)
    if decoder is None:
        decoder = _decoders[kind] = msgspec.json.Decoder(kind)
    return decode_json(request.body, decoder)


def render_error(status: int, code: str, message: str, request_id: str) -> Response:
    return json_response(schemas.Error(error=schemas.ErrorDetail(code=code, message=message,
                                                           request_id=request_id)), status)


# -- parameter parsing ----------------------------------------------------------------------------


def _int(text: str | None, name: str, low: int = 1, high: int = INT64_MAX) -> int | None:
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise HttpError(400, "INVALID_REQUEST", f"{name} must be an integer from {low} to {high}")
    return int(text)


def _enum(text: str | None, kind, name: str):
    if text is None:
        return None
    try:
        return kind(text)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise HttpError(400, "INVALID_REQUEST", f"{name} must be one of {allowed}") from None


def _text(text: str | None, name: str, limit: int = 64) -> str | None:
    if text is not None and (not text or len(text) > limit):
        raise HttpError(400, "INVALID_REQUEST", f"{name} must be 1 to {limit} characters")
    return text


class NativeApi:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.oms = core.oms
        self.router = Router()
        self.operations: list[Operation] = []
        self._declare_routes()
        self.websocket = NativeWebSocket(core)
        self.router.websocket("/ws", self.websocket)
        self.openapi = msgspec.json.encode(build_document(
            self.operations, title="openvenue native API", version=VERSION, description=DESCRIPTION))
        self.docs = docs_page(self.openapi)

    def _route(self, op: Operation, handler: Callable[[Request], Awaitable[Response]]) -> None:
        self.operations.append(op)
        self.router.add(op.method, op.path, handler)

    # -- routes -----------------------------------------------------------------------------------

    def _declare_routes(self) -> None:
        O, r = Operation, self._route
        r(O("GET", "/healthz", "Readiness: 200 once every listener accepts connections", "Service",
            auth=None, responses={200: schemas.Health}), self.healthz)
        r(O("GET", "/metrics", "Prometheus metrics", "Service", auth=None,
            responses={200: "text/plain"}), self.metrics)
        r(O("GET", "/openapi.json", "This document", "Service", auth=None,
            responses={200: "application/json"}), self.openapi_json)
        r(O("GET", "/docs", "Human-readable API documentation", "Service", auth=None,
            responses={200: "text/html"}), self.docs_html)

        r(O("POST", "/v1/orders", "Place an order", "Orders", body=schemas.PlaceOrderRequest,
            responses={201: schemas.Order, 200: schemas.Order}, errors=(403, 404, 409, 422),
            description="201 with the new order; 200 with the original order when the same "
                        "request is retried with the same client_order_id."), self.place)
        r(O("GET", "/v1/orders", "List orders (open by default), newest first", "Orders",
            params=[_ACCOUNT_Q, Param("status", "query", {"enum": ["open", "closed", "all"]},
                                      "default open"),
                    _INSTRUMENT_Q, _SIDE_Q, _TYPE_Q, _CURSOR_Q, _LIMIT_Q],
            responses={200: schemas.OrderPage}, errors=(403,)), self.list_orders)
        r(O("DELETE", "/v1/orders", "Cancel all open orders matching the filters", "Orders",
            params=[_ACCOUNT_Q, _INSTRUMENT_Q, _SIDE_Q, _TYPE_Q],
            responses={200: schemas.CancelAllResult}, errors=(403,)), self.cancel_all)
        r(O("GET", "/v1/orders/{order_id}", "Get an order", "Orders", params=[_ORDER_P],
            responses={200: schemas.Order}, errors=(404,)), self.get_order)
        r(O("DELETE", "/v1/orders/{order_id}", "Cancel an order", "Orders", params=[_ORDER_P],
            responses={200: schemas.Order}, errors=(403, 404, 409)), self.cancel_order)
        r(O("PATCH", "/v1/orders/{order_id}", "Replace (amend) an order", "Orders",
            params=[_ORDER_P], body=schemas.ReplaceOrderRequest, responses={200: schemas.Order},
            errors=(403, 404, 409, 422),
            description="A lower quantity keeps time priority; a new price or a higher quantity "
                        "loses it. With as_new_order the original ends REPLACED and the new "
                        "order is returned."), self.replace_order)
        coid_params = [Param("account_id", "path", _ID_SCHEMA),
                       Param("client_order_id", "path", {"type": "string", "maxLength": 128})]
        r(O("GET", "/v1/accounts/{account_id}/client-orders/{client_order_id}",
            "Get an order by client order id", "Orders", params=coid_params,
            responses={200: schemas.Order}, errors=(403, 404)), self.get_by_client_id)
        r(O("DELETE", "/v1/accounts/{account_id}/client-orders/{client_order_id}",
            "Cancel an order by client order id", "Orders", params=coid_params,
            responses={200: schemas.Order}, errors=(403, 404, 409)), self.cancel_by_client_id)
        r(O("GET", "/v1/fills", "List fills, newest first", "Orders",
            params=[_ACCOUNT_Q, Param("order_id", "query", _ID_SCHEMA, "only this order"),
                    _CURSOR_Q, _LIMIT_Q],
            responses={200: schemas.FillPage}, errors=(403,)), self.fills)
        r(O("GET", "/v1/instruments", "List instruments", "Reference data",
            responses={200: schemas.InstrumentList}), self.instruments)
        r(O("GET", "/v1/instruments/{symbol}", "Get an instrument", "Reference data",
            params=[Param("symbol", "path", {"type": "string", "maxLength": 64})],
            responses={200: schemas.Instrument}, errors=(404,)), self.instrument)
        r(O("GET", "/v1/accounts", "List the accounts this user may read", "Reference data",
            responses={200: schemas.AccountList}), self.accounts)

        admin = "Admin"
        r(O("GET", "/v1/admin/instruments", "List instruments", admin, auth="admin",
            responses={200: schemas.InstrumentList}), self.admin_instruments)
        r(O("POST", "/v1/admin/instruments", "Create an instrument", admin, auth="admin",
            body=schemas.CreateInstrumentRequest, responses={201: schemas.Instrument},
            errors=(409, 422)), self.admin_create_instrument)
        r(O("PATCH", "/v1/admin/instruments/{symbol}", "Halt, close or resume trading", admin,
            auth="admin", params=[Param("symbol", "path", {"type": "string", "maxLength": 64})],
            body=schemas.UpdateInstrumentRequest, responses={200: schemas.Instrument},
            errors=(404,)), self.admin_update_instrument)
        r(O("GET", "/v1/admin/clients", "List clients", admin, auth="admin",
            responses={200: schemas.ClientList}), self.admin_clients)
        r(O("POST", "/v1/admin/clients", "Create a client", admin, auth="admin",
            body=schemas.CreateClientRequest, responses={201: schemas.Client},
            errors=(409,)), self.admin_create_client)
        r(O("GET", "/v1/admin/accounts", "List accounts", admin, auth="admin",
            responses={200: schemas.AccountList}), self.admin_accounts)
        r(O("POST", "/v1/admin/accounts", "Create an account", admin, auth="admin",
            body=schemas.CreateAccountRequest, responses={201: schemas.Account},
            errors=(404, 409)), self.admin_create_account)
        r(O("GET", "/v1/admin/users", "List users", admin, auth="admin",
            responses={200: schemas.UserList}), self.admin_users)
        r(O("POST", "/v1/admin/users", "Create a user", admin, auth="admin",
            body=schemas.CreateUserRequest, responses={201: schemas.User},
            errors=(404, 409)), self.admin_create_user)
        r(O("PATCH", "/v1/admin/users/{user_id}", "Change a user's name, permissions or accounts",
            admin, auth="admin", params=[Param("user_id", "path", _ID_SCHEMA)],
            body=schemas.UpdateUserRequest, responses={200: schemas.User},
            errors=(404,)), self.admin_update_user)
        r(O("GET", "/v1/admin/keys", "List API keys (never the keys themselves)", admin,
            auth="admin", responses={200: schemas.ApiKeyList}), self.admin_keys)
        r(O("POST", "/v1/admin/keys", "Create an API key for a user (shown once)", admin,
            auth="admin", body=schemas.CreateApiKeyRequest, responses={201: schemas.CreatedApiKey},
            errors=(404,)), self.admin_create_key)
        r(O("DELETE", "/v1/admin/keys/{key_id}", "Revoke an API key", admin, auth="admin",
            params=[Param("key_id", "path", {"type": "string", "maxLength": 64})],
            responses={204: None}, errors=(404,)), self.admin_revoke_key)
        r(O("GET", "/v1/admin/clock", "Read the sandbox clock", admin, auth="admin",
            responses={200: schemas.Clock}), self.admin_clock)
        r(O("POST", "/v1/admin/clock", "Freeze, advance, set or resume the sandbox clock", admin,
            auth="admin", body=schemas.ClockRequest, responses={200: schemas.Clock},
            errors=(409,), description="Timers, expiries and the fund desk's cut-offs, NAV strikes "
            "and settlements that the move makes due run before the reply."), self.admin_set_clock)
        r(O("POST", "/v1/admin/funds/{symbol}/nav", "Set a fund's NAV and execute its sent orders",
            admin, auth="admin", params=[Param("symbol", "path", {"type": "string", "maxLength": 64})],
            body=schemas.FundNavRequest, responses={200: schemas.FundNav},
            errors=(404, 422)), self.admin_fund_nav)
        sandbox = "Sandbox"
        r(O("GET", "/v1/admin/sandbox", "The sandbox: seed, simulated markets, fault rules", sandbox,
            auth="admin", responses={200: schemas.SandboxState}, errors=(404,)), self.sandbox_show)
        r(O("GET", "/v1/admin/sandbox/faults", "List fault injection rules", sandbox, auth="admin",
            responses={200: schemas.FaultRuleList}, errors=(404,)), self.sandbox_faults)
        r(O("POST", "/v1/admin/sandbox/faults", "Add a fault injection rule", sandbox, auth="admin",
            body=schemas.FaultRule, responses={201: schemas.FaultRule}, errors=(404, 422),
            description="Matched by face, operation, account, probability and count; see README "
                        "'Testing your client'."), self.sandbox_add_fault)
        r(O("DELETE", "/v1/admin/sandbox/faults", "Remove every fault rule", sandbox, auth="admin",
            responses={204: None}, errors=(404,)), self.sandbox_clear_faults)
        r(O("DELETE", "/v1/admin/sandbox/faults/{rule_id}", "Remove a fault rule", sandbox,
            auth="admin", params=[Param("rule_id", "path", _ID_SCHEMA)], responses={204: None},
            errors=(404,)), self.sandbox_remove_fault)
        r(O("POST", "/v1/admin/sandbox/orders/{order_id}/fill",
            "The market maker trades against a resting order", sandbox, auth="admin",
            params=[_ORDER_P], body=schemas.SandboxFillRequest, responses={200: schemas.Order},
            errors=(404, 409, 422), description="Without a price: through the book, at the "
            "order's limit price, orders ahead of it first. With a price (the limit or better for "
            "the order): the venue fills it directly."), self.sandbox_fill)
        r(O("POST", "/v1/admin/sandbox/reject-next", "Refuse the next order(s)", sandbox,
            auth="admin", body=schemas.RejectNextRequest, responses={204: None},
            errors=(404,)), self.sandbox_reject_next)
        r(O("POST", "/v1/admin/sandbox/prices/{symbol}", "Move an instrument's reference price",
            sandbox, auth="admin", params=[Param("symbol", "path", {"type": "string", "maxLength": 64})],
            body=schemas.SandboxPriceRequest, responses={200: schemas.SandboxMarket},
            errors=(404, 422)), self.sandbox_move_price)

    # -- service ----------------------------------------------------------------------------------

    async def healthz(self, request: Request) -> Response:
        if not self.core.ready:
            raise HttpError(503, "NOT_READY", "not every listener accepts connections yet")
        return json_response(schemas.Health(status="ok", listeners=self.core.listeners))

    async def metrics(self, request: Request) -> Response:
        return Response(200, self.core.metrics.render().encode(),
                        b"text/plain; version=0.0.4; charset=utf-8")

    async def openapi_json(self, request: Request) -> Response:
        return Response(200, self.openapi)

    async def docs_html(self, request: Request) -> Response:
        return Response(200, self.docs, b"text/html; charset=utf-8")

    # -- orders -----------------------------------------------------------------------------------

    def _accepting(self) -> None:
        if not self.core.accepting:
            raise HttpError(503, "SHUTTING_DOWN", "the venue is shutting down")

    async def place(self, request: Request) -> Response:
        user = authenticate(self.core, request)
        body: schemas.PlaceOrderRequest = decode_json(request.body, _place)
        if body.session_id and self.core.sessions.get(body.session_id) != user.id:
            raise HttpError(400, "UNKNOWN_SESSION",
                            f"session {body.session_id} is not an open WebSocket session of yours")
        expire_ns = parse_time(body.expire_time, "expire_time") if body.expire_time else 0
        command = PlaceOrder(
            user_id=user.id, account_id=body.account_id, instrument=body.instrument,
            side=body.side, type=body.type, quantity=parse_decimal(body.quantity, "quantity"),
            price=parse_decimal(body.price, "price"),
            stop_price=parse_decimal(body.stop_price, "stop_price"),
            time_in_force=body.time_in_force, expire_ns=expire_ns,
            client_order_id=body.client_order_id, post_only=body.post_only, stp=body.stp_mode,
            cash_amount=parse_decimal(body.cash_amount, "cash_amount"), session_id=body.session_id,
        )
        self._accepting()
        outcome = await self.core.execute(command)
        if outcome.reason is not None:
            raise refusal(outcome.reason, outcome.text)
        # no events: the same request retried under its client order id; the original answers
        return json_response(order_view(outcome.order, self.oms), 201 if outcome.events else 200)

    async def list_orders(self, request: Request) -> Response:
        user = authenticate(self.core, request)
        q = request.query
        account_id = _int(q.get("account_id"), "account_id") or 0
        if account_id:
            require_readable(user, account_id)
        status = _enum(q.get("status", "open"), StatusFilter, "status")
        page = self.core.queries.order_history(
            user.id, account_id=account_id, status=status,
            instrument=_text(q.get("instrument"), "instrument"), side=_enum(q.get("side"), Side, "side"),
            order_type=_enum(q.get("type"), OrderType, "type"),
            cursor=_int(q.get("cursor"), "cursor"),
            limit=_int(q.get("limit"), "limit", 1, MAX_PAGE) or 100)
        oms = self.oms
        return json_response(schemas.OrderPage(
            orders=[order_view(o, oms) for o in page.items],
            next_cursor=None if page.next_cursor is None else str(page.next_cursor)))

    async def cancel_all(self, request: Request) -> Response:
        user = authenticate(self.core, request)
        q = request.query
        command = CancelAllOrders(
            user_id=user.id, account_id=_int(q.get("account_id"), "account_id") or 0,
            instrument=_text(q.get("instrument"), "instrument"), side=_enum(q.get("side"), Side, "side"),
            type=_enum(q.get("type"), OrderType, "type"))
        self._accepting()
        outcome = await self.core.execute(command)
        if outcome.reason is not None:
            raise refusal(outcome.reason, outcome.text)
        results = []
        for order, reason in outcome.results:
            error = None
            if reason is not None:
                detail = refusal(reason)
                error = schemas.ErrorDetail(code=detail.code, message=detail.message,
                                            request_id=request.request_id)
            results.append(schemas.CancelResult(order=order_view(order, self.oms),
                                                canceled=reason is None, error=error))
        return json_response(schemas.CancelAllResult(results=results))

    def _order_id(self, text: str) -> int:
        """The sequence id a path names by id, UUID or ULID; 0 when it names none of ours."""
        if text.isascii() and text.isdigit():
            value = int(text)
            return value if 0 < value <= INT64_MAX else 0
        ids = self.oms.ids
        if len(text) == 26:  # a ULID: its id part must also carry the order's creation time
            order_id = ids.order_id_from_ulid(text) or 0
            order = self.oms.index.orders.get(order_id)
            if order is None or ids.ulid_text(order_id, order.created_ns) != text.upper():
                return 0
            return order_id
        try:
            uuidlib.UUID(text)
        except ValueError:
            return 0
        return ids.order_id_from_uuid(text) or 0

    async def get_order(self, request: Request) -> Response:
        user = authenticate(self.core, request)
        order_id = self._order_id(request.params["order_id"])
        order = self.core.queries.get_order(user.id, order_id=order_id) if order_id else None
        if order is None:
            raise HttpError(404, "UNKNOWN_ORDER", "no such order")
        return json_response(order_view(order, self.oms))

    # The two cancel handlers return ``_cancel``'s coroutine rather than awaiting it in one of
    # their own: a handler is any callable returning an awaitable, and this spares a coroutine
    # per cancel. What they raise before that comes from the call instead of the await, both
    # inside the toolkit's one try.
    def cancel_order(self, request: Request) -> Awaitable[Response]:
        user = authenticate(self.core, request)
        order_id = self._order_id(request.params["order_id"])
        return self._cancel(CancelOrder(user_id=user.id, order_id=order_id))

    async def _cancel(self, command: CancelOrder) -> Response:
        self._accepting()
        outcome = await self.core.execute(command)
        if outcome.reason is not None:
            raise refusal(outcome.reason, outcome.text)
        return json_response(order_view(outcome.order, self.oms))

    async def replace_order(self, request: Request) -> Response:
        user = authenticate(self.core, request)
        body: schemas.ReplaceOrderRequest = decode_json(request.body, _replace)
        order_id = self._order_id(request.params["order_id"])
        if not order_id:
            raise HttpError(404, "UNKNOWN_ORDER", "no such order")
        command = ReplaceOrder(
            user_id=user.id, order_id=order_id, quantity=parse_decimal(body.quantity, "quantity"),
            price=parse_decimal(body.price, "price"),
            stop_price=parse_decimal(body.stop_price, "stop_price"),
            new_client_order_id=body.client_order_id, as_new_order=body.as_new_order)
        self._accepting()
        outcome = await self.core.execute(command)
        if outcome.reason is not None:
            raise refusal(outcome.reason, outcome.text)
        return json_response(order_view(outcome.order, self.oms))

    def _client_order_ref(self, request: Request, user: User) -> tuple[int, str]:
        account_id = _int(request.params["account_id"], "account_id")
        require_readable(user, account_id)
        return account_id, request.params["client_order_id"]

    async def get_by_client_id(self, request: Request) -> Response:
        user = authenticate(self.core, request)
        account_id, coid = self._client_order_ref(request, user)
        order = self.core.queries.get_order(user.id, account_id=account_id, client_order_id=coid)
        if order is None:
            raise HttpError(404, "UNKNOWN_ORDER", "no such order")
        return json_response(order_view(order, self.oms))

    def cancel_by_client_id(self, request: Request) -> Awaitable[Response]:
        user = authenticate(self.core, request)
        account_id, coid = self._client_order_ref(request, user)
        return self._cancel(CancelOrder(user_id=user.id, account_id=account_id,
                                        client_order_id=coid))

    async def fills(self, request: Request) -> Response:
        user = authenticate(self.core, request)
        q = request.query
        account_id = _int(q.get("account_id"), "account_id") or 0
        if account_id:
            require_readable(user, account_id)
        page = self.core.queries.fills(
            user.id, account_id=account_id, order_id=_int(q.get("order_id"), "order_id") or 0,
            cursor=_int(q.get("cursor"), "cursor"),
            limit=_int(q.get("limit"), "limit", 1, MAX_PAGE) or 100)
        return json_response(schemas.FillPage(
            fills=[fill_view(f, self.oms) for f in page.items],
            next_cursor=None if page.next_cursor is None else str(page.next_cursor)))

    # -- reference data ---------------------------------------------------------------------------

    def _instrument_list(self) -> schemas.InstrumentList:
        ordered = sorted(self.oms.instruments.values(), key=lambda i: i.id)
        return schemas.InstrumentList([instrument_view(i) for i in ordered])

    async def instruments(self, request: Request) -> Response:
        authenticate(self.core, request)
        return json_response(self._instrument_list())

    async def instrument(self, request: Request) -> Response:
        authenticate(self.core, request)
        inst = self.oms.instruments.get(request.params["symbol"])
        if inst is None:
            raise HttpError(404, "UNKNOWN_INSTRUMENT", "no such instrument")
        return json_response(instrument_view(inst))

    def _account_view(self, account: Account) -> schemas.Account:
        client = self.oms.clients.get(account.client_id)
        return schemas.Account(id=account.id, client_id=account.client_id, name=account.name,
                               client_name="" if client is None else client.name)

    async def accounts(self, request: Request) -> Response:
        user = authenticate(self.core, request)
        visible = [a for a in self.oms.accounts.values() if user.may_read(a.id)]
        return json_response(schemas.AccountList(
            [self._account_view(a) for a in sorted(visible, key=lambda a: a.id)]))

    # -- admin ------------------------------------------------------------------------------------

    async def admin_instruments(self, request: Request) -> Response:
        require_admin(self.core, request)
        return json_response(self._instrument_list())

    async def admin_create_instrument(self, request: Request) -> Response:
        require_admin(self.core, request)
        body: schemas.CreateInstrumentRequest = _decode(request, schemas.CreateInstrumentRequest)
        oms = self.oms
        if body.symbol in oms.instruments:
            raise HttpError(409, "ALREADY_EXISTS", f"instrument {body.symbol} already exists")
        inst_id = body.id or max(oms.instruments_by_id, default=0) + 1
        if inst_id in oms.instruments_by_id:
            raise HttpError(409, "ALREADY_EXISTS", f"instrument id {inst_id} is already used")
        d = parse_admin_decimal
        try:
            expiry = None if body.expiry is None else date.fromisoformat(body.expiry)
            lot = d(body.lot_size, "lot_size")
            inst = Instrument(
                id=inst_id, symbol=body.symbol, kind=body.kind, tick_size=d(body.tick_size, "tick_size"),
                lot_size=lot, min_size=lot if body.min_size is None else d(body.min_size, "min_size"),
                trading_state=body.trading_state, currency=body.currency,
                base_asset=body.base_asset, quote_asset=body.quote_asset,
                underlying=body.underlying, put_call=body.put_call,
                strike=None if body.strike is None else d(body.strike, "strike"), expiry=expiry,
                isin=body.isin, amount_increment=d(body.amount_increment, "amount_increment"),
                min_amount=d(body.min_amount, "min_amount"),
                maker_fee_rate=d(body.maker_fee_rate, "maker_fee_rate"),
                taker_fee_rate=d(body.taker_fee_rate, "taker_fee_rate"))
        except ValueError as exc:  # the instrument's own grid rules, or an impossible date
            raise HttpError(422, "INVALID_INSTRUMENT", str(exc)) from None
        if inst.min_size < 0 or inst.maker_fee_rate < 0 or inst.taker_fee_rate < 0 or inst.min_amount < 0:
            raise HttpError(422, "INVALID_INSTRUMENT", "sizes, amounts and fee rates must not be negative")
        await self.core.define(inst)
        return json_response(instrument_view(inst), 201)

    async def admin_update_instrument(self, request: Request) -> Response:
        require_admin(self.core, request)
        body: schemas.UpdateInstrumentRequest = _decode(request, schemas.UpdateInstrumentRequest)
        inst = self.oms.instruments.get(request.params["symbol"])
        if inst is None:
            raise HttpError(404, "UNKNOWN_INSTRUMENT", "no such instrument")
        updated = msgspec.structs.replace(inst, trading_state=body.trading_state)
        await self.core.define(updated)
        return json_response(instrument_view(updated))

    async def admin_clients(self, request: Request) -> Response:
        require_admin(self.core, request)
        return json_response(schemas.ClientList(
            [schemas.Client(id=c.id, name=c.name) for c in sorted(self.oms.clients.values(),
                                                                  key=lambda c: c.id)]))

    async def admin_create_client(self, request: Request) -> Response:
        require_admin(self.core, request)
        body: schemas.CreateClientRequest = _decode(request, schemas.CreateClientRequest)
        client_id = body.id or max(self.oms.clients, default=0) + 1
        if client_id in self.oms.clients:
            raise HttpError(409, "ALREADY_EXISTS", f"client {client_id} already exists")
        await self.core.define(Client(id=client_id, name=body.name))
        return json_response(schemas.Client(id=client_id, name=body.name), 201)

    async def admin_accounts(self, request: Request) -> Response:
        require_admin(self.core, request)
        return json_response(schemas.AccountList(
            [self._account_view(a) for a in sorted(self.oms.accounts.values(), key=lambda a: a.id)]))

    async def admin_create_account(self, request: Request) -> Response:
        require_admin(self.core, request)
        body: schemas.CreateAccountRequest = _decode(request, schemas.CreateAccountRequest)
        if body.client_id not in self.oms.clients:
            raise HttpError(404, "UNKNOWN_CLIENT", f"no client {body.client_id}")
        account_id = body.id or max(self.oms.accounts, default=0) + 1
        if account_id in self.oms.accounts:
            raise HttpError(409, "ALREADY_EXISTS", f"account {account_id} already exists")
        account = Account(id=account_id, client_id=body.client_id, name=body.name)
        await self.core.define(account)
        return json_response(self._account_view(account), 201)

    @staticmethod
    def _user_view(user: User) -> schemas.User:
        return schemas.User(id=user.id, name=user.name, permissions=sorted(user.permissions),
                            account_ids=sorted(user.account_ids))

    def _check_accounts(self, account_ids: list[int]) -> frozenset[int]:
        missing = sorted(set(account_ids) - set(self.oms.accounts))
        if missing:
            raise HttpError(404, "UNKNOWN_ACCOUNT", f"no such account(s): {missing}")
        return frozenset(account_ids)

    async def admin_users(self, request: Request) -> Response:
        require_admin(self.core, request)
        users = [u for u in self.oms.users.values() if u.id != SYSTEM_USER_ID]
        return json_response(schemas.UserList([self._user_view(u) for u in
                                               sorted(users, key=lambda u: u.id)]))

    async def admin_create_user(self, request: Request) -> Response:
        require_admin(self.core, request)
        body: schemas.CreateUserRequest = _decode(request, schemas.CreateUserRequest)
        user_id = body.id or max(self.oms.users, default=0) + 1
        if user_id in self.oms.users:
            raise HttpError(409, "ALREADY_EXISTS", f"user {user_id} already exists")
        user = User(id=user_id, name=body.name, permissions=frozenset(body.permissions),
                    account_ids=self._check_accounts(body.account_ids))
        await self.core.define(user)
        return json_response(self._user_view(user), 201)

    async def admin_update_user(self, request: Request) -> Response:
        require_admin(self.core, request)
        body: schemas.UpdateUserRequest = _decode(request, schemas.UpdateUserRequest)
        user_id = _int(request.params["user_id"], "user_id")
        user = self.oms.users.get(user_id) if user_id != SYSTEM_USER_ID else None
        if user is None:
            raise HttpError(404, "UNKNOWN_USER", f"no user {user_id}")
        updated = User(
            id=user.id, name=user.name if body.name is None else body.name,
            permissions=user.permissions if body.permissions is None else frozenset(body.permissions),
            account_ids=user.account_ids if body.account_ids is None
            else self._check_accounts(body.account_ids))
        await self.core.define(updated)
        return json_response(self._user_view(updated))

    async def admin_keys(self, request: Request) -> Response:
        require_admin(self.core, request)
        return json_response(schemas.ApiKeyList([
            schemas.ApiKey(key_id=k.key_id, user_id=k.user_id, label=k.label,
                           created_at=format_ns(k.created_ns))
            for k in self.core.credentials.keys()]))

    async def admin_create_key(self, request: Request) -> Response:
        require_admin(self.core, request)
        body: schemas.CreateApiKeyRequest = _decode(request, schemas.CreateApiKeyRequest)
        if body.user_id not in self.oms.users:
            raise HttpError(404, "UNKNOWN_USER", f"no user {body.user_id}")
        record, api_key = self.core.credentials.create(body.user_id, body.label)
        return json_response(schemas.CreatedApiKey(
            key_id=record.key_id, user_id=record.user_id, label=record.label,
            created_at=format_ns(record.created_ns), api_key=api_key), 201)

    def _clock_view(self) -> schemas.Clock:
        clock = self.oms.clock
        now = clock.now_ns()
        return schemas.Clock(time=format_ns(now), time_ns=now,
                             frozen=bool(getattr(clock, "frozen", False)),
                             offset_ns=getattr(clock, "offset_ns", 0))

    async def admin_clock(self, request: Request) -> Response:
        require_admin(self.core, request)
        return json_response(self._clock_view())

    async def admin_set_clock(self, request: Request) -> Response:
        require_admin(self.core, request)
        body: schemas.ClockRequest = _decode(request, schemas.ClockRequest)
        clock = self.oms.clock
        if not hasattr(clock, "advance"):
            raise HttpError(409, "CLOCK_NOT_CONTROLLABLE", "this server runs on wall time")
        if body.action == "advance":
            if body.seconds is None:
                raise HttpError(400, "INVALID_REQUEST", "advance needs seconds")
            seconds = parse_admin_decimal(body.seconds, "seconds")
            if seconds < 0 or seconds > 10 * 366 * 86_400:
                raise HttpError(400, "INVALID_REQUEST", "seconds must be from 0 to ten years")
            clock.advance(int(seconds * 1_000_000_000))
        elif body.action == "set":
            if body.time is None:
                raise HttpError(400, "INVALID_REQUEST", "set needs time (RFC 3339)")
            clock.set(parse_time(body.time, "time"))
        elif body.action == "freeze":
            clock.freeze()
        else:
            clock.resume()
        await self.core.port.tick()  # whatever the move made due happens before the reply
        return json_response(self._clock_view())

    async def admin_fund_nav(self, request: Request) -> Response:
        require_admin(self.core, request)
        body: schemas.FundNavRequest = _decode(request, schemas.FundNavRequest)
        inst = self.oms.instruments.get(request.params["symbol"])
        if inst is None or not inst.is_fund:
            raise HttpError(404, "UNKNOWN_INSTRUMENT", "no such fund")
        nav = parse_admin_decimal(body.nav, "nav")
        if nav <= 0 or inst.price_to_ticks(nav) is None:
            raise HttpError(422, "INVALID_NAV", f"nav must be positive and a multiple of {inst.tick_size}")
        outcome = await self.core.execute(ExecuteFundOrders(instrument=inst.symbol, nav=nav))
        if outcome.reason is not None:
            raise HttpError(422, "INVALID_NAV", outcome.text or str(outcome.reason))
        now = self.oms.clock.now_ns()
        schedule = self.oms.fund_schedule
        if schedule is not None:  # later days' sent orders execute at it too, when it is struck
            schedule.set_nav(inst.symbol, nav, now)
        executed = sum(1 for e in outcome.events if type(e) is OrderFilled)
        return json_response(schemas.FundNav(symbol=inst.symbol, nav=str(nav), time=format_ns(now),
                                             executed=executed))

    async def admin_revoke_key(self, request: Request) -> Response:
        require_admin(self.core, request)
        if not self.core.credentials.revoke(request.params["key_id"]):
            raise HttpError(404, "UNKNOWN_KEY", "no such API key")
        return Response(204, b"")


    # -- sandbox ----------------------------------------------------------------------------------

    def _sandbox(self, request: Request):
        require_admin(self.core, request)
        sandbox = self.core.sandbox
        if sandbox is None:
            raise HttpError(404, "SANDBOX_OFF", "the sandbox controls are off: start the server "
                            "with --demo or --scenario, or set sandbox = true")
        return sandbox

    async def sandbox_show(self, request: Request) -> Response:
        return json_response(msgspec.convert(self._sandbox(request).describe(),
                                             schemas.SandboxState))

    async def sandbox_faults(self, request: Request) -> Response:
        return json_response(schemas.FaultRuleList(rules=self._sandbox(request).faults.rules))

    async def sandbox_add_fault(self, request: Request) -> Response:
        sandbox = self._sandbox(request)
        rule: schemas.FaultRule = _decode(request, schemas.FaultRule)
        try:
            return json_response(sandbox.faults.add(rule), 201)
        except ValueError as exc:
            raise HttpError(422, "INVALID_RULE", str(exc)) from None

    async def sandbox_clear_faults(self, request: Request) -> Response:
        self._sandbox(request).faults.clear()
        return Response(204, b"")

    async def sandbox_remove_fault(self, request: Request) -> Response:
        sandbox = self._sandbox(request)
        if not sandbox.faults.remove(_int(request.params["rule_id"], "rule_id")):
            raise HttpError(404, "UNKNOWN_RULE", "no such fault rule")
        return Response(204, b"")

    async def sandbox_fill(self, request: Request) -> Response:
        sandbox = self._sandbox(request)
        body: schemas.SandboxFillRequest = _decode(request, schemas.SandboxFillRequest)
        order_id = self._order_id(request.params["order_id"])
        order = self.oms.index.orders.get(order_id) if order_id else None
        if order is None:
            raise HttpError(404, "UNKNOWN_ORDER", "no such order")
        if body.price is not None:
            outcome = await self.core.execute(FillOrder(
                order_id=order.id, price=parse_admin_decimal(body.price, "price"),
                quantity=None if body.quantity is None else parse_admin_decimal(
                    body.quantity, "quantity")))
            if outcome.reason is RejectReason.NOT_RESTING:
                raise HttpError(409, "NOT_FILLABLE", outcome.text)
            if outcome.reason is not None:
                raise HttpError(422, str(outcome.reason), outcome.text or str(outcome.reason))
            return json_response(order_view(order, self.oms))
        if sandbox.liquidity is None:
            raise HttpError(409, "LIQUIDITY_OFF", "the simulated market is off")
        if not order.is_open or not order.on_book or not order.price:
            raise HttpError(409, "NOT_FILLABLE", "only an open limit order resting in the book "
                            "can be filled")
        inst = self.oms.instruments[order.instrument]
        lots = order.leaves
        if body.quantity is not None:
            lots = inst.qty_to_lots(parse_admin_decimal(body.quantity, "quantity")) or 0
            if not 0 < lots <= order.leaves:
                raise HttpError(422, "INVALID_QUANTITY", "quantity must be on the lot grid and "
                                "at most the order's leaves")
        await sandbox.liquidity.fill(order, lots)
        return json_response(order_view(order, self.oms))

    async def sandbox_reject_next(self, request: Request) -> Response:
        sandbox = self._sandbox(request)
        body: schemas.RejectNextRequest = _decode(request, schemas.RejectNextRequest)
        sandbox.reject_next(body.count, body.account_id, body.reason, body.text)
        return Response(204, b"")

    async def sandbox_move_price(self, request: Request) -> Response:
        sandbox = self._sandbox(request)
        body: schemas.SandboxPriceRequest = _decode(request, schemas.SandboxPriceRequest)
        symbol = request.params["symbol"]
        if sandbox.liquidity is None or symbol not in sandbox.liquidity.makers:
            raise HttpError(404, "UNKNOWN_MARKET", f"no simulated market for {symbol}")
        try:
            await sandbox.liquidity.move(symbol, parse_admin_decimal(body.price, "price"))
        except ValueError as exc:
            raise HttpError(422, "INVALID_PRICE", str(exc)) from None
        return json_response(msgspec.convert(sandbox.liquidity.describe()["markets"][symbol],
                                             schemas.SandboxMarket))


def build(core: Core, config) -> HttpApp:
    api = NativeApi(core)
    return HttpApp(api.router, render_error, face="native", max_body=config.max_body_bytes,
                   on_response=core.metrics.on_response)


