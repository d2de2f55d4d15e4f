"""Clear Street v1 routes and handlers: the official ``clearstreet`` SDK's calls over the core.

Handlers authenticate, check the path's account, decode, build core commands or queries and
map the outcome into the venue's envelope ``{"data", "error": null, "metadata"}``. Rules stay
the core's: idempotent client order ids (a re-POST after a 5xx returns the existing order),
permissions, validation, cancel outcomes. What is the venue's own is translated here: filters
the core has no word for (several statuses, instrument type, time ranges) select among what the
core returns, and the cancel acknowledgement is PENDING_CANCEL although the core has already
completed the cancel (see ``mapping.Views.pending_cancel``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

import msgspec
from ulid import ULID

from openvenue.domain.commands import CancelAllOrders, CancelOrder, PlaceOrder, ReplaceOrder
from openvenue.domain.events import OrderCanceled, OrderFilled
from openvenue.domain.instruments import Instrument
from openvenue.domain.orders import Order
from openvenue.oms.queries import MAX_PAGE, StatusFilter
from openvenue.venues.clear_street import schemas
from openvenue.venues.clear_street.auth import account_id_of, authenticate
from openvenue.venues.clear_street.mapping import (
    ORDER_STATUSES,
    ORDER_TYPES,
    REQUEST_ORDER_TYPE,
    REQUEST_SIDE,
    REQUEST_TIME_IN_FORCE,
    SECURITY_TYPE,
    SECURITY_TYPES,
    SIDES_OF,
    InstrumentIndex,
    Views,
    error,
    format_ns,
    not_found,
    parse_time,
    refusal,
    status_of,
)
from openvenue.venues.clear_street.paging import paginate
from openvenue.venues.core import Core
from openvenue.venues.http import HttpApp, Request, RequestIds, Response, Router

_encode = msgspec.json.Encoder(decimal_format="string").encode
_submit = msgspec.json.Decoder(list[schemas.NewOrderRequest])
_replace = msgspec.json.Decoder(schemas.ReplaceOrderRequest)


def render_error(status: int, code: str, message: str, request_id: str) -> Response:
    if status >= 500 and code != str(status):  # a crash or the toolkit's own 5xx
        message = "Internal error" if status == 500 else message
    return Response(status, _encode(schemas.ErrorEnvelope(
        error=schemas.ApiError(code=status, message=message),
        metadata=schemas.Metadata(request_id=request_id))))


def ok(data: object, request_id: str, metadata: schemas.Metadata | None = None) -> Response:
    return Response(200, _encode(schemas.Envelope(
        data=data, error=None, metadata=metadata or schemas.Metadata(request_id=request_id))))


class UuidRequestIds(RequestIds):
    """Request ids shaped like the venue's (UUIDs), still without a random call per request:
    a per-process random part and a counter."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__()
        random = os.urandom(8).hex()
        self._prefix = random[:12] + "4" + random[13:]  # version nibble of a v4 UUID
        self._next = 0x8000 << 48  # variant bits of an RFC 4122 UUID

    def new(self) -> str:
        self._next += 1
        h = self._prefix + f"{self._next:016x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# -- request decoding -----------------------------------------------------------------------------


def _decode(body: bytes, decoder: msgspec.json.Decoder, root: str):
    """A JSON body, every way it can be wrong a 400 naming the field, e.g. ``orders[0].side``."""
    if not body.strip():
        raise error(400, f"{root}: a JSON body is required")
    try:
        return decoder.decode(body)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `")
        path = root + where.rstrip("`")[1:] if where else root
        if message.startswith("Object missing required field `"):
            field = message[len("Object missing required field `"):-1]
            raise error(400, f"{path}.{field}: required") from None
        raise error(400, f"{path}: {message}") from None
    except msgspec.DecodeError as exc:
        raise error(400, f"{root}: malformed JSON ({exc})") from None
    except (UnicodeDecodeError, RecursionError):
        raise error(400, f"{root}: malformed JSON") from None


def _csv(query: dict[str, str], name: str) -> list[str] | None:
    text = query.get(name)
    if text is None:
        return None
    values = [v.strip() for v in text.split(",") if v.strip()]
    return values or None  # an empty filter is no filter


def _choice(query: dict[str, str], name: str, allowed: Iterable[str]) -> str | None:
    value = query.get(name)
    if value is not None and value not in allowed:
        raise error(400, f"{name}: {value!r} is not one of {', '.join(sorted(allowed))}")
    return value


class TimeRange:
    """``from``/``to`` (inclusive) and ``<field>[gt|gte|lt|lte]`` bounds, in ns."""

    def __init__(self, query: dict[str, str], prefix: str | None) -> None:
        low = high = None
        if "from" in query:
            low = parse_time(query["from"], "from")
        if "to" in query:
            high = parse_time(query["to"], "to", end_of_day=True)
        self.created = (low, high)
        low = high = None
        if prefix is not None:
            # a bare date means: after that day (gt), from its start (gte), before it (lt),
            # through its end (lte)
            if f"{prefix}[gt]" in query:
                low = parse_time(query[f"{prefix}[gt]"], f"{prefix}[gt]", end_of_day=True) + 1
            if f"{prefix}[gte]" in query:
                low = max(low or 0, parse_time(query[f"{prefix}[gte]"], f"{prefix}[gte]"))
            if f"{prefix}[lt]" in query:
                high = parse_time(query[f"{prefix}[lt]"], f"{prefix}[lt]") - 1
            if f"{prefix}[lte]" in query:
                bound = parse_time(query[f"{prefix}[lte]"], f"{prefix}[lte]", end_of_day=True)
                high = bound if high is None else min(high, bound)
        self.updated = (low, high)
        for (lo, hi), name in ((self.created, "from/to"), (self.updated, f"{prefix}")):
            if lo is not None and hi is not None and lo > hi:
                raise error(400, f"{name}: the range is inverted")

    @staticmethod
    def _within(bounds: tuple[int | None, int | None], ns: int) -> bool:
        low, high = bounds
        return (low is None or ns >= low) and (high is None or ns <= high)

    def created_ok(self, ns: int) -> bool:
        return self._within(self.created, ns)

    def updated_ok(self, ns: int) -> bool:
        return self._within(self.updated, ns)


# -- the face -------------------------------------------------------------------------------------


class ClearStreetApi:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.oms = core.oms
        self.instruments = InstrumentIndex(core.oms)
        self.views = Views(core.oms, self.instruments)
        self.router = Router()
        r = self.router.add
        r("GET", "/v1/accounts", self.accounts)
        r("GET", "/v1/accounts/{account_id}", self.account)
        r("POST", "/v1/accounts/{account_id}/orders", self.submit_orders)
        r("GET", "/v1/accounts/{account_id}/orders", self.get_orders)
        r("DELETE", "/v1/accounts/{account_id}/orders", self.cancel_all_open_orders)
        r("GET", "/v1/accounts/{account_id}/orders/{order_id}", self.get_order)
        r("DELETE", "/v1/accounts/{account_id}/orders/{order_id}", self.cancel_open_order)
        r("PATCH", "/v1/accounts/{account_id}/orders/{order_id}", self.replace_order)
        r("GET", "/v1/accounts/{account_id}/executions", self.get_executions)
        r("GET", "/v1/instruments", self.get_instruments)
        r("GET", "/v1/instruments/{instrument_id}", self.get_instrument)
        r("GET", "/v1/clock", self.clock)

    # -- helpers ----------------------------------------------------------------------------------

    def _accepting(self) -> None:
        if not self.core.accepting:
            raise error(503, "Service unavailable")

    def _order(self, order_id: int) -> Order | None:
        order = self.oms.index.orders.get(order_id)
        if order is None and self.oms.archive is not None:
            order = self.oms.archive.find_order(order_id)
        return order

    def _find(self, user_id: int, account_id: int, ref: str) -> Order | None:
        """The account's order a path names: its id (UUID), or its client order id while open."""
        queries = self.core.queries
        order_id = self.oms.ids.order_id_from_uuid(ref) if len(ref) == 36 else None
        if order_id:
            order = queries.get_order(user_id, order_id=order_id, account_id=account_id)
            if order is not None:
                return order
        order = queries.get_order(user_id, account_id=account_id, client_order_id=ref)
        return order if order is not None and order.is_open else None

    def _instrument_filter(self, query: dict[str, str], ids: str, kind: str
                           ) -> set[str] | None:
        """Symbols the ``ids`` and ``kind`` filters allow; None when neither is given.
        Ids that name no listed instrument match nothing, as any filter value may."""
        refs = _csv(query, ids)
        wanted_type = _choice(query, kind, SECURITY_TYPES)
        if refs is None and wanted_type is None:
            return None
        candidates = self.instruments.listed()
        if refs is not None:
            resolved = (self.instruments.resolve(ref) for ref in refs)
            candidates = [i for i in resolved if i is not None]
        return {i.symbol for i in candidates
                if wanted_type is None or SECURITY_TYPE[i.kind] == wanted_type}

    def _underlying_filter(self, query: dict[str, str]) -> set[str] | None:
        refs = _csv(query, "underlying_instrument_ids")
        if refs is None:
            return None
        underlyings = {i.symbol for i in map(self.instruments.resolve, refs) if i is not None}
        return {i.symbol for i in self.instruments.listed() if i.underlying in underlyings}

    def _id_filter(self, query: dict[str, str], user_id: int, account_id: int) -> set[int] | None:
        """Order ids named by ``order_ids`` (each an id or a client order id, at any time)."""
        refs = _csv(query, "order_ids")
        if refs is None:
            return None
        ids: set[int] = set()
        queries = self.core.queries
        for ref in refs:
            order_id = self.oms.ids.order_id_from_uuid(ref) if len(ref) == 36 else None
            if order_id:
                ids.add(order_id)
            order = queries.get_order(user_id, account_id=account_id, client_order_id=ref)
            if order is not None:
                ids.add(order.id)
        return ids

    def _history(self, user_id: int, account_id: int, instrument: str | None) -> Iterator[Order]:
        """The account's orders, newest first, as the core pages them."""
        cursor = None
        while True:
            page = self.core.queries.order_history(user_id, account_id=account_id,
                                                   status=StatusFilter.ALL,
                                                   instrument=instrument, cursor=cursor,
                                                   limit=MAX_PAGE)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def _fills(self, user_id: int, account_id: int) -> Iterator[OrderFilled]:
        cursor = None
        while True:
            page = self.core.queries.fills(user_id, account_id=account_id, cursor=cursor,
                                           limit=MAX_PAGE)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    # -- orders -----------------------------------------------------------------------------------

    def _place_command(self, user_id: int, account_id: int, index: int,
                       new: schemas.NewOrderRequest) -> PlaceOrder:
        where = f"orders[{index}]"
        ref = new.symbol or new.instrument_id
        if not ref:
            raise error(400, f"{where}: symbol or instrument_id is required")
        inst = self.instruments.resolve(ref)
        if inst is None:
            raise error(422, f"{where}: unknown instrument {ref}")
        if (new.symbol and new.instrument_id
                and self.instruments.resolve(new.instrument_id) is not inst):
            raise error(400, f"{where}: symbol and instrument_id name different instruments")
        order_type = REQUEST_ORDER_TYPE.get(new.order_type)
        if order_type is None:
            raise error(422, f"{where}.order_type: {new.order_type} orders are not supported")
        time_in_force = REQUEST_TIME_IN_FORCE.get(new.time_in_force)
        if time_in_force is None:
            raise error(422, f"{where}.time_in_force: {new.time_in_force} is not supported")
        if new.strategy is not None and new.strategy.type != "SOR":
            raise error(422, f"{where}.strategy: {new.strategy.type} is not supported; "
                             "orders are routed to openvenue's book (SOR)")
        expire_ns = 0 if new.expires_at is None else parse_time(new.expires_at,
                                                                f"{where}.expires_at")
        return PlaceOrder(
            user_id=user_id, account_id=account_id, instrument=inst.symbol,
            side=REQUEST_SIDE[new.side], type=order_type, quantity=new.quantity,
            price=new.limit_price, stop_price=new.stop_price, time_in_force=time_in_force,
            expire_ns=expire_ns,
            # Contract decision: without an id the server names the order itself.
            client_order_id=new.id if new.id is not None else f"ov-{ULID()}")

    async def submit_orders(self, request: Request) -> Response:
        user = authenticate(self.core, request)
        account_id = account_id_of(self.core, user, request.params["account_id"])
        orders: list[schemas.NewOrderRequest] = _decode(request.body, _submit, "orders")
        if not orders:
            raise error(400, "orders: at least one order is required")
        commands = [self._place_command(user.id, account_id, i, o) for i, o in enumerate(orders)]
        # The whole array is checked before any of it is placed (contract, section 8), by the
        # core's own checks, so one bad order places none.
        by_client_id: dict[str, PlaceOrder] = {}
        for index, command in enumerate(commands):
            refused = self.oms.check_place(command)
            if refused is not None:
                raise refusal(refused.reason, f"orders[{index}]: {refused.text}",
                              command.client_order_id, account_id, None)
            first = by_client_id.setdefault(command.client_order_id, command)
            if first != command:
                raise error(422, f"Order id {command.client_order_id} already used for account "
                                 f"{account_id}")
        self._accepting()
        placed = []
        for command in commands:
            outcome = await self.core.execute(command)
            if outcome.reason is not None:
                raise refusal(outcome.reason, outcome.text, command.client_order_id, account_id,
                              outcome.order)
            placed.append(self.views.order(outcome.order))
        return ok(placed, request.request_id)

    async def get_order(self, request: Request) -> Response:
        user = authenticate(self.core, request)
        account_id = account_id_of(self.core, user, request.params["account_id"])
        ref = request.params["order_id"]
        order = self._find(user.id, account_id, ref)
        if order is None:
            raise not_found(ref, account_id)
        return ok(self.views.order(order), request.request_id)

    async def get_orders(self, request: Request) -> Response:
        user = authenticate(self.core, request)
        account_id = account_id_of(self.core, user, request.params["account_id"])
        q = request.query
        statuses = _csv(q, "status")
        if statuses is not None:
            unknown = [s for s in statuses if s not in ORDER_STATUSES]
            if unknown:
                raise error(400, f"status: unknown value(s) {', '.join(unknown)}")
        symbols = self._instrument_filter(q, "instrument_ids", "instrument_type")
        underlying = self._underlying_filter(q)
        symbol = q.get("symbol")
        ids = self._id_filter(q, user.id, account_id)
        times = TimeRange(q, "updated_at")
        one_symbol = symbol if symbol is not None else (
            next(iter(symbols)) if symbols is not None and len(symbols) == 1 else None)
        wanted_statuses = None if statuses is None else set(statuses)

        def selected(order: Order) -> bool:
            return ((wanted_statuses is None or status_of(order) in wanted_statuses)
                    and (symbol is None or order.instrument == symbol)
                    and (symbols is None or order.instrument in symbols)
                    and (underlying is None or order.instrument in underlying)
                    and (ids is None or order.id in ids)
                    and times.created_ok(order.created_ns)
                    and times.updated_ok(order.updated_ns))

        matches = [o for o in self._history(user.id, account_id, one_symbol) if selected(o)]
        page, metadata = paginate(matches, _order_id, q, request.request_id)
        return ok([self.views.order(o) for o in page], request.request_id, metadata)

    async def cancel_open_order(self, request: Request) -> Response:
        user = authenticate(self.core, request)
        account_id = account_id_of(self.core, user, request.params["account_id"])
        ref = request.params["order_id"]
        order = self._find(user.id, account_id, ref)
        if order is None:
            raise not_found(ref, account_id)
        self._accepting()
        outcome = await self.core.execute(CancelOrder(user_id=user.id, order_id=order.id,
                                                      account_id=account_id))
        if outcome.reason is not None:
            raise refusal(outcome.reason, outcome.text, ref, account_id, outcome.order or order)
        return ok(self.views.pending_cancel(order, _canceled(outcome.events, order.id)),
                  request.request_id)

    async def cancel_all_open_orders(self, request: Request) -> Response:
        user = authenticate(self.core, request)
        account_id = account_id_of(self.core, user, request.params["account_id"])
        q = request.query
        symbols = self._instrument_filter(q, "instrument_ids", "instrument_type")
        side = _choice(q, "side", SIDES_OF)
        order_type = _choice(q, "type", ORDER_TYPES)
        core_type = REQUEST_ORDER_TYPE.get(order_type) if order_type else None
        if (symbols is not None and not symbols) or (order_type and core_type is None):
            raise error(404, "No orders match the specified filters")  # nothing can match
        # The core filters by one instrument and one side at a time; the venue's filters are
        # sets (several instruments, a side that covers openvenue's short and cover sides).
        commands = [
            CancelAllOrders(user_id=user.id, account_id=account_id, instrument=symbol,
                            side=core_side, type=core_type)
            for symbol in (sorted(symbols) if symbols is not None else [None])
            for core_side in (SIDES_OF[side] if side else [None])
        ]
        self._accepting()
        data = []
        for command in commands:
            outcome = await self.core.execute(command)
            if outcome.reason is not None:
                raise refusal(outcome.reason, outcome.text, "", account_id, None)
            for order, reason in outcome.results:
                if reason is None:
                    canceled = _canceled(outcome.events, order.id)
                    data.append(self.views.pending_cancel(order, canceled))
                else:  # already pending or done meanwhile: shown as it is
                    data.append(self.views.order(order))
        if not data:
            raise error(404, "No orders match the specified filters")
        return ok(data, request.request_id)

    async def replace_order(self, request: Request) -> Response:
        user = authenticate(self.core, request)
        account_id = account_id_of(self.core, user, request.params["account_id"])
        body: schemas.ReplaceOrderRequest = _decode(request.body, _replace, "body")
        if (body.limit_offset is not None or body.trailing_offset is not None
                or body.trailing_offset_type is not None):
            raise error(422, "Trailing orders are not supported, so neither are their offsets")
        ref = request.params["order_id"]
        order = self._find(user.id, account_id, ref)
        if order is None:
            raise not_found(ref, account_id)
        self._accepting()
        outcome = await self.core.execute(ReplaceOrder(
            user_id=user.id, order_id=order.id, account_id=account_id, quantity=body.quantity,
            price=body.limit_price, stop_price=body.stop_price))
        if outcome.reason is not None:
            raise refusal(outcome.reason, outcome.text, ref, account_id, outcome.order or order)
        return ok(self.views.order(outcome.order), request.request_id)

    async def get_executions(self, request: Request) -> Response:
        user = authenticate(self.core, request)
        account_id = account_id_of(self.core, user, request.params["account_id"])
        q = request.query
        symbols = self._instrument_filter(q, "instrument_ids", "instrument_type")
        underlying = self._underlying_filter(q)
        ids = self._id_filter(q, user.id, account_id)
        times = TimeRange(q, None)
        matches = []
        for fill in self._fills(user.id, account_id):
            if ids is not None and fill.order_id not in ids or not times.created_ok(fill.ts):
                continue
            order = self._order(fill.order_id)
            if order is None:
                continue
            if ((symbols is None or order.instrument in symbols)
                    and (underlying is None or order.instrument in underlying)):
                matches.append((fill, order))
        page, metadata = paginate(matches, _fill_seq, q, request.request_id)
        return ok([self.views.execution(f, o) for f, o in page], request.request_id, metadata)

    # -- reference data ---------------------------------------------------------------------------

    def _account_view(self, account_id: int) -> schemas.Account:
        account = self.oms.accounts[account_id]
        name = account.name or f"Account {account_id}"
        return schemas.Account(
            id=account_id, account_holder_entity_id=account.client_id,
            account_holder_entity_kind="LEGAL_ENTITY", full_name=name,
            # openvenue keeps no opening date; the epoch marks "not recorded" (Decision)
            open_date="1970-01-01", options_level=0, short_name=name, status="ACTIVE",
            subtype="CASH", type="CUSTOMER")

    async def accounts(self, request: Request) -> Response:
        user = authenticate(self.core, request)
        q = request.query
        prefix, name = q.get("account_id", ""), q.get("account_name", "").lower()
        visible = [self._account_view(a) for a in sorted(self.oms.accounts)
                   if user.may_read(a) and str(a).startswith(prefix)]
        visible = [a for a in visible if name in a.full_name.lower()]
        page, metadata = paginate(visible, _negated_id, q, request.request_id)
        return ok(list(page), request.request_id, metadata)

    async def account(self, request: Request) -> Response:
        user = authenticate(self.core, request)
        account_id = account_id_of(self.core, user, request.params["account_id"])
        return ok(self._account_view(account_id), request.request_id)

    async def get_instruments(self, request: Request) -> Response:
        authenticate(self.core, request)
        q = request.query
        symbols = self._instrument_filter(q, "instrument_ids", "instrument_type")
        listed = [i for i in self.instruments.listed() if symbols is None or i.symbol in symbols]
        page, metadata = paginate(listed, _negated_instrument_id, q, request.request_id)
        return ok([self.views.instrument(i) for i in page], request.request_id, metadata)

    async def get_instrument(self, request: Request) -> Response:
        authenticate(self.core, request)
        ref = request.params["instrument_id"]
        inst = self.instruments.resolve(ref)
        if inst is None:
            raise error(404, f"Instrument {ref} not found")
        return ok(self.views.instrument(inst), request.request_id)

    async def clock(self, request: Request) -> Response:
        authenticate(self.core, request)
        return ok(schemas.Clock(clock=format_ns(self.oms.clock.now_ns())), request.request_id)


def _canceled(events: list, order_id: int) -> OrderCanceled | None:
    for event in events:
        if type(event) is OrderCanceled and event.order_id == order_id:
            return event
    return None


def _order_id(order: Order) -> int:
    return order.id


def _fill_seq(item: tuple[OrderFilled, Order]) -> int:
    return item[0].seq


def _negated_id(account: schemas.Account) -> int:
    return -account.id  # ascending ids as the decreasing keys pages need


def _negated_instrument_id(inst: Instrument) -> int:
    return -inst.id


def build(core: Core, config) -> HttpApp:
    api = ClearStreetApi(core)
    app = HttpApp(api.router, render_error, face="clear_street", max_body=config.max_body_bytes,
                  on_response=core.metrics.on_response)
    app.ids = UuidRequestIds()
    return app
