"""The INTX face's routes and handlers: INTX REST v1 over the core's commands and queries.

Handlers authenticate, decode, name one portfolio (the core's account) and one order, build one
command or query, and map the outcome; every rule (permissions, validation, uniqueness of client
order ids, cancel semantics) is the core's. What is checked here is only what the venue's wire
format itself requires: required fields, enum spellings, the forms of client order ids, and
that the request names something this face can express.
"""

from __future__ import annotations

import re
import time
import uuid as uuidlib
from decimal import Decimal
from urllib.parse import parse_qsl

import msgspec

from openvenue.domain.accounts import User
from openvenue.domain.commands import CancelAllOrders, CancelOrder, PlaceOrder, ReplaceOrder
from openvenue.domain.events import OrderAccepted
from openvenue.domain.instruments import Instrument
from openvenue.domain.orders import Order, OrderType, Side, TimeInForce
from openvenue.domain.reasons import RejectReason
from openvenue.venues.coinbase_intx import mapping, schemas
from openvenue.venues.coinbase_intx.auth import Authenticator
from openvenue.venues.coinbase_intx.keys import FILE_NAME, IntxKeys, seed_demo
from openvenue.venues.coinbase_intx.mapping import (
    INSTRUMENT_TYPES,
    INT64_MAX,
    bad_request,
    not_found,
    portfolio_forbidden,
    rejected,
    required,
)
from openvenue.venues.coinbase_intx.ratelimit import RateLimiter
from openvenue.venues.coinbase_intx.settings import Settings, load
from openvenue.venues.core import Core
from openvenue.venues.http import HttpApp, HttpError, Request, Response, Router

PREFIX = "/api/v1"
MAX_RESULT_LIMIT = 100
MAX_GTT_NS = 30 * 86_400 * 1_000_000_000  # GTC/GTT orders live at most 30 days (venue docs)

_encode = msgspec.json.Encoder(decimal_format="string").encode
_create = msgspec.json.Decoder(schemas.CreateOrderBody)
_modify = msgspec.json.Decoder(schemas.ModifyOrderBody)
_cancel = msgspec.json.Decoder(schemas.CancelBody)

# The venue's accepted client order id forms (docs, read as maxima; unverified).
_COID_FORMS = (
    re.compile(r"[\x20-\x7e]{1,18}"),
    re.compile(r"[A-Za-z0-9-]{1,20}"),
    re.compile(r"[0-9A-Fa-f]{1,31}"),
    re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
)

# Titles of what the shared toolkit itself refuses (unknown route, wrong method, big body...).
_TOOLKIT_TITLES = {
    "NOT_FOUND": mapping.NOT_FOUND,
    "METHOD_NOT_ALLOWED": "Method Not Allowed",
    "PAYLOAD_TOO_LARGE": "Payload Too Large",
    "INTERNAL_ERROR": "Internal Server Error",
    "INVALID_REQUEST": mapping.BRR + "Invalid request",
}


def render_error(status: int, code: str, message: str, request_id: str) -> Response:
    title = message if code == "TITLE" else _TOOLKIT_TITLES.get(code, message)
    return Response(status, _encode(schemas.Error(title=title, status=status)))


def ok(value) -> Response:
    return Response(200, _encode(value))


def _decode(body: bytes, decoder: msgspec.json.Decoder):
    try:
        return decoder.decode(body)
    except msgspec.ValidationError as exc:
        _, marker, where = str(exc).rpartition(" - at `$.")
        field = where.rstrip("`")
        if marker and field.isidentifier():  # a top-level field has a value of the wrong type
            raise bad_request(f"Invalid value for {field}") from None
        raise bad_request("Invalid JSON") from None
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        raise bad_request("Invalid JSON") from None


def _text(value: str | int | None) -> str | None:
    """A parameter given as a JSON string or number, as text (blank = absent)."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def _int_param(query: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    text = query.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise bad_request(f"invalid {name}")
    return int(text)


class IntxApi:
    def __init__(self, core: Core, config, settings: Settings) -> None:
        self.core = core
        self.oms = core.oms
        self.ids = mapping.Ids(config.id_key)
        self.keys = IntxKeys(config.data_path / FILE_NAME)
        if config.demo:
            seed_demo(self.keys, {u.name: u.id for u in self.oms.users.values() if u.id})
        self.auth = Authenticator(core, self.keys, settings.timestamp_window_s)
        self.limiter = RateLimiter(settings.rate_limit) if settings.rate_limit else None
        self.rate_limit = settings.rate_limit
        self.router = Router()
        self._routes()

    def _routes(self) -> None:
        r = self.router.add
        r("GET", PREFIX + "/instruments", self.instruments)
        r("GET", PREFIX + "/instruments/{instrument}", self.instrument)
        r("GET", PREFIX + "/assets", self.assets)
        r("GET", PREFIX + "/assets/{asset}", self.asset)
        r("GET", PREFIX + "/portfolios", self.portfolios)
        r("GET", PREFIX + "/portfolios/fills", self.fills_by_portfolios)
        r("GET", PREFIX + "/portfolios/{portfolio}", self.portfolio)
        r("GET", PREFIX + "/portfolios/{portfolio}/fills", self.portfolio_fills)
        r("POST", PREFIX + "/orders", self.create_order)
        r("GET", PREFIX + "/orders", self.list_open_orders)
        r("DELETE", PREFIX + "/orders", self.cancel_orders)
        r("GET", PREFIX + "/orders/{id}", self.get_order)
        r("PUT", PREFIX + "/orders/{id}", self.modify_order)
        r("DELETE", PREFIX + "/orders/{id}", self.cancel_order)

    # -- shared steps ----------------------------------------------------------------------------

    def _user(self, request: Request) -> User:
        user, key = self.auth.authenticate(request)
        if self.limiter is not None and not self.limiter.allow(key.access_key):
            raise HttpError(429, "TITLE", "Rate limit exceeded - Server allows "
                            f"{self.rate_limit:g} requests per second")
        return user

    def _accepting(self) -> None:
        if not self.core.accepting:
            raise HttpError(503, "TITLE", "Service Unavailable")

    def _readable_accounts(self, user: User) -> list[int]:
        return sorted(a for a in self.oms.accounts if user.may_read(a))

    def _default_portfolio(self, user: User) -> int:
        accounts = self._readable_accounts(user)
        if not accounts:
            raise portfolio_forbidden()
        return accounts[0]

    def _portfolio(self, user: User, text: str | None) -> int:
        """The account a portfolio id or UUID names, if this key may see it (else 403: no leak
        of whether another user's portfolio exists)."""
        if text is None:
            raise required("portfolio")
        if text.isascii() and text.isdigit():
            account_id = int(text) if len(text) <= 19 else 0
            if account_id in self.oms.accounts and user.may_read(account_id):
                return account_id
            raise portfolio_forbidden()
        lowered = text.lower()
        for account_id in self._readable_accounts(user):
            if self.ids.portfolio_uuid(account_id) == lowered:
                return account_id
        raise portfolio_forbidden()

    def _served(self) -> list[Instrument]:
        """The instruments INTX can express: crypto perpetuals and spot pairs."""
        return sorted((i for i in self.oms.instruments.values() if i.kind in INSTRUMENT_TYPES),
                      key=lambda i: i.id)

    def _find_instrument(self, text: str) -> Instrument | None:
        """By symbol, id, UUID or ``BASE/QUOTE[:SETTLE]`` (a settle asset means the perpetual)."""
        upper = text.strip().upper()
        for inst in self._served():
            if upper == inst.symbol.upper() or text == str(inst.id):
                return inst
            if text.lower() == self.ids.instrument_uuid(inst.id):
                return inst
            pair, _, settle = upper.partition(":")
            base, _, quote = pair.partition("/")
            if (quote and base == inst.base_asset.upper() and quote == inst.quote_asset.upper()
                    and bool(settle) == (INSTRUMENT_TYPES[inst.kind] == "PERP")):
                return inst
        return None

    def _find_order(self, user: User, account_id: int, ref: str) -> Order | None:
        """The order ``ref`` names in the portfolio: exchange order id, then client order id,
        then order UUID (a client order id may look like either)."""
        queries = self.core.queries
        if ref.isascii() and ref.isdigit() and 0 < int(ref) <= INT64_MAX:
            order = queries.get_order(user.id, order_id=int(ref), account_id=account_id)
            if order is not None:
                return order
        order = queries.get_order(user.id, account_id=account_id, client_order_id=ref)
        if order is None and len(ref) == 36:
            try:
                uuidlib.UUID(ref)
            except ValueError:
                return None
            order = queries.get_order(user.id, uuid=ref, account_id=account_id)
        return order

    def _view(self, order: Order, event: str | None = None) -> schemas.Order:
        return mapping.order_view(order, self.oms, self.ids, event=event)

    # -- reference data (public) -----------------------------------------------------------------

    async def instruments(self, request: Request) -> Response:
        return ok([mapping.instrument_view(i, self.oms, self.ids) for i in self._served()])

    async def instrument(self, request: Request) -> Response:
        inst = self._find_instrument(request.params["instrument"])
        if inst is None:
            raise not_found()
        return ok(mapping.instrument_view(inst, self.oms, self.ids))

    def _asset_names(self) -> list[str]:
        names: set[str] = set()
        for inst in self._served():
            names.update(n for n in (inst.base_asset, inst.quote_asset or inst.currency) if n)
        return sorted(names)

    async def assets(self, request: Request) -> Response:
        return ok([mapping.asset_view(name, self.ids) for name in self._asset_names()])

    async def asset(self, request: Request) -> Response:
        ref = request.params["asset"]
        for name in self._asset_names():
            if ref.upper() == name.upper() or ref == self.ids.asset_id(name) \
                    or ref.lower() == self.ids.asset_uuid(name):
                return ok(mapping.asset_view(name, self.ids))
        raise not_found()

    # -- portfolios ------------------------------------------------------------------------------

    def _fee_rates(self) -> tuple[str, str]:
        """The served instruments' fee rates when they share one (the core sets fees per
        instrument, the venue per portfolio); otherwise zero."""
        rates = {(i.maker_fee_rate, i.taker_fee_rate) for i in self._served()}
        if len(rates) == 1:
            maker, taker = rates.pop()
            return mapping.plain(maker), mapping.plain(taker)
        return "0", "0"

    def _portfolio_view(self, user: User, account_id: int) -> schemas.Portfolio:
        default = self._default_portfolio(user)
        return mapping.portfolio_view(self.oms.accounts[account_id], user.id,
                                      account_id == default, self.ids, self._fee_rates())

    async def portfolios(self, request: Request) -> Response:
        user = self._user(request)
        return ok([self._portfolio_view(user, a) for a in self._readable_accounts(user)])

    async def portfolio(self, request: Request) -> Response:
        user = self._user(request)
        return ok(self._portfolio_view(user, self._portfolio(user, request.params["portfolio"])))

    # -- orders ----------------------------------------------------------------------------------

    async def create_order(self, request: Request) -> Response:
        user = self._user(request)
        body: schemas.CreateOrderBody = _decode(request.body, _create)
        for field in ("client_order_id", "side", "size", "instrument", "type"):
            if getattr(body, field) is None or getattr(body, field) == "":
                raise required(field)
        portfolio = _text(body.portfolio)
        account_id = (self._portfolio(user, portfolio) if portfolio
                      else self._default_portfolio(user))
        coid = body.client_order_id
        if not any(form.fullmatch(coid) for form in _COID_FORMS):
            raise rejected("INVALID_CLIENT_ORDER_ID", "client order id has an invalid format")
        if body.side not in mapping.SIDES:
            raise bad_request("Invalid value for side")
        if body.type not in mapping.ALL_TYPES:
            raise bad_request("Invalid value for type")
        order_type = mapping.TYPES.get(body.type)
        if order_type is None:
            raise rejected("INVALID_ORDER_TYPE", f"{body.type} orders are not supported here")
        tif = self._tif(body.tif, order_type)
        if body.stop_limit_price is not None:
            raise rejected("INVALID_PRICE", "stop_limit_price is only for TAKE_PROFIT_STOP_LOSS")
        if body.algo_strategy is not None:
            raise rejected("INVALID_ALGO_STRATEGY", "algorithmic orders are not supported here")
        if mapping.parse_bool(body.close_only, "close_only"):
            raise rejected("INVALID_CLOSE_ONLY", "close-only orders are not supported here")
        post_only = mapping.parse_bool(body.post_only, "post_only")
        stp = mapping.STP_MODES.get(body.stp_mode or mapping.DEFAULT_STP)
        if stp is None:
            raise bad_request("Invalid value for stp_mode")
        expire_ns = 0
        if body.expire_time is not None:
            expire_ns = mapping.parse_time(body.expire_time, "expire_time")
        if tif is TimeInForce.GTD:
            if not expire_ns:
                raise required("expire_time")
            if expire_ns > time.time_ns() + MAX_GTT_NS:
                raise rejected("INVALID_EXPIRE_TIME", "expire_time is more than 30 days ahead")
        inst = self._find_instrument(str(body.instrument))
        if inst is None:
            raise rejected("UNKNOWN_INSTRUMENT", f"unknown instrument {body.instrument}")
        for name in ("size", "price", "stop_price"):
            value: Decimal | None = getattr(body, name)
            if value is not None and not value.is_finite():
                word = "INVALID_SIZE" if name == "size" else "INVALID_PRICE"
                raise rejected(word, f"{name} must be a number")
        command = PlaceOrder(
            user_id=user.id, account_id=account_id, instrument=inst.symbol,
            side=Side.BUY if body.side == "BUY" else Side.SELL, type=order_type,
            quantity=body.size, price=body.price, stop_price=body.stop_price,
            time_in_force=tif, expire_ns=expire_ns, client_order_id=coid, post_only=post_only,
            stp=stp)
        self._accepting()
        outcome = await self.core.execute(command)
        if outcome.reason is not None:
            raise mapping.refusal(outcome.reason, outcome.text)
        order = outcome.order
        # The core answers a resubmitted identical order with the original one; the venue
        # refuses any reuse of a client order id.
        if not any(type(e) is OrderAccepted and e.order_id == order.id for e in outcome.events):
            raise mapping.refusal(RejectReason.DUPLICATE_CLIENT_ORDER_ID)
        return ok(self._view(order))

    @staticmethod
    def _tif(text: str | None, order_type: OrderType) -> TimeInForce:
        if order_type is OrderType.MARKET:
            if text not in (None, "", "IOC"):  # Decision: market orders are IOC
                raise rejected("INVALID_TIF", "market orders must be IOC")
            return TimeInForce.IOC
        if not text:
            raise required("tif")
        tif = mapping.TIFS.get(text)
        if tif is None:
            raise bad_request("Invalid value for tif")
        return tif

    async def get_order(self, request: Request) -> Response:
        user = self._user(request)
        account_id = self._portfolio(user, _text(request.query.get("portfolio")))
        order = self._find_order(user, account_id, request.params["id"])
        if order is None:
            raise not_found()
        return ok(self._view(order))

    async def list_open_orders(self, request: Request) -> Response:
        user = self._user(request)
        q = request.query
        portfolio = _text(q.get("portfolio"))
        account_id = (self._portfolio(user, portfolio) if portfolio
                      else self._default_portfolio(user))
        limit = _int_param(q, "result_limit", MAX_RESULT_LIMIT, 1, MAX_RESULT_LIMIT)
        offset = _int_param(q, "result_offset", 0, 0, INT64_MAX)
        symbol = None
        if q.get("instrument"):
            inst = self._find_instrument(q["instrument"])
            if inst is None:
                raise bad_request("Invalid value for instrument")
            symbol = inst.symbol
        kind = self._choice(q, "instrument_type", ("SPOT", "PERP"))
        event = self._choice(q, "event_type", mapping.EVENT_TYPES)
        order_type = self._choice(q, "order_type", mapping.ALL_TYPES)
        side = self._choice(q, "side", mapping.SIDES)
        ref_ns = mapping.parse_time(q["ref_datetime"], "ref_datetime") if q.get("ref_datetime") else 0
        coid = q.get("client_order_id") or None
        orders = self.core.queries.open_orders(user.id, account_id=account_id, instrument=symbol)
        views = []
        for order in reversed(orders):  # newest first
            if side is not None and ("BUY" if order.is_buy else "SELL") != side:
                continue
            if order_type is not None and str(order.type) != order_type:
                continue
            if kind is not None and INSTRUMENT_TYPES.get(
                    self.oms.instruments[order.instrument].kind) != kind:
                continue
            if coid is not None and order.client_order_id != coid:
                continue
            if ref_ns and order.created_ns > ref_ns:
                continue
            if event is not None and mapping.event_type(order) != event:
                continue
            views.append(order)
        page = [self._view(o) for o in views[offset:offset + limit]]
        return ok(schemas.OrderPage(pagination=schemas.Pagination(result_limit=limit,
                                                                  result_offset=offset),
                                    results=page))

    @staticmethod
    def _choice(query: dict[str, str], name: str, allowed) -> str | None:
        value = query.get(name)
        if not value:
            return None
        if value not in allowed:
            raise bad_request(f"Invalid value for {name}")
        return value

    async def modify_order(self, request: Request) -> Response:
        user = self._user(request)
        body: schemas.ModifyOrderBody = _decode(request.body, _modify)
        portfolio = _text(request.query.get("portfolio")) or _text(body.portfolio)
        account_id = self._portfolio(user, portfolio)
        if not body.client_order_id:
            raise required("client_order_id")
        if body.stop_limit_price is not None:
            raise rejected("INVALID_PRICE", "stop_limit_price is only for TAKE_PROFIT_STOP_LOSS")
        ref = request.params["id"]
        order = self._find_order(user, account_id, ref)
        new_coid = ""
        if order is not None and body.client_order_id != order.client_order_id:
            if not any(form.fullmatch(body.client_order_id) for form in _COID_FORMS):
                raise rejected("INVALID_CLIENT_ORDER_ID", "client order id has an invalid format")
            new_coid = body.client_order_id
        command = ReplaceOrder(
            user_id=user.id, order_id=order.id if order is not None else 0,
            account_id=account_id, client_order_id="" if order is not None else ref,
            quantity=body.size, price=body.price, stop_price=body.stop_price,
            new_client_order_id=new_coid)
        self._accepting()
        outcome = await self.core.execute(command)
        if outcome.reason is not None:
            if outcome.reason is RejectReason.INVALID_QUANTITY:
                raise bad_request("Invalid replace order request")
            raise mapping.refusal(outcome.reason, outcome.text)
        return ok(self._view(outcome.order, event="REPLACED"))

    def _delete_params(self, request: Request) -> dict[str, str]:
        """DELETE parameters from the query and, if present, a JSON body (the query wins)."""
        params: dict[str, str] = {}
        if request.body.strip():
            body: schemas.CancelBody = _decode(request.body, _cancel)
            for name in ("portfolio", "instrument", "side", "instrument_type"):
                value = _text(getattr(body, name))
                if value is not None:
                    params[name] = value
        params.update({k: v for k, v in request.query.items() if v})
        return params

    async def cancel_order(self, request: Request) -> Response:
        user = self._user(request)
        params = self._delete_params(request)
        account_id = self._portfolio(user, params.get("portfolio"))
        ref = request.params["id"]
        order = self._find_order(user, account_id, ref)
        if order is not None:
            command = CancelOrder(user_id=user.id, order_id=order.id, account_id=account_id)
        else:  # the core says it is unknown, and the refusal is on the record
            command = CancelOrder(user_id=user.id, account_id=account_id, client_order_id=ref)
        self._accepting()
        outcome = await self.core.execute(command)
        if outcome.reason is not None:
            raise mapping.refusal(outcome.reason, outcome.text)
        return ok(self._view(outcome.order))

    async def cancel_orders(self, request: Request) -> Response:
        user = self._user(request)
        params = self._delete_params(request)
        account_id = self._portfolio(user, params.get("portfolio"))
        side = self._choice(params, "side", mapping.SIDES)
        kind = self._choice(params, "instrument_type", ("SPOT", "PERP"))
        symbols: list[str | None]
        if params.get("instrument"):
            inst = self._find_instrument(params["instrument"])
            if inst is None:
                raise bad_request("Invalid value for instrument")
            symbols = [inst.symbol] if kind in (None, INSTRUMENT_TYPES[inst.kind]) else []
        elif kind is not None:
            # The core filters by instrument, not by kind: one mass cancel per instrument of
            # that kind the portfolio has open orders in.
            open_in = {o.instrument for o in self.core.queries.open_orders(
                user.id, account_id=account_id)}
            symbols = [i.symbol for i in self._served()
                       if INSTRUMENT_TYPES[i.kind] == kind and i.symbol in open_in]
        else:
            symbols = [None]
        canceled: list[schemas.Order] = []
        for symbol in symbols:
            self._accepting()
            outcome = await self.core.execute(CancelAllOrders(
                user_id=user.id, account_id=account_id, instrument=symbol,
                side=None if side is None else Side(side)))
            if outcome.reason is not None:
                raise mapping.refusal(outcome.reason, outcome.text)
            canceled += [self._view(order) for order, reason in outcome.results if reason is None]
        return ok(canceled)

    # -- fills -----------------------------------------------------------------------------------

    async def portfolio_fills(self, request: Request) -> Response:
        user = self._user(request)
        account_id = self._portfolio(user, request.params["portfolio"])
        return self._fills(user, [account_id], request.query)

    async def fills_by_portfolios(self, request: Request) -> Response:
        user = self._user(request)
        named = [value.strip() for key, value in parse_qsl(
            request.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            if key == "portfolios" for value in value.split(",") if value.strip()]
        accounts = ([self._portfolio(user, p) for p in named] if named
                    else self._readable_accounts(user))
        return self._fills(user, sorted(set(accounts)), request.query)

    def _fills(self, user: User, accounts: list[int], q: dict[str, str]) -> Response:
        limit = _int_param(q, "result_limit", MAX_RESULT_LIMIT, 1, MAX_RESULT_LIMIT)
        offset = _int_param(q, "result_offset", 0, 0, INT64_MAX)
        ref_text = q.get("ref_datetime")
        ref_ns = mapping.parse_time(ref_text, "ref_datetime") if ref_text else time.time_ns()
        from_ns = mapping.parse_time(q["time_from"], "time_from") if q.get("time_from") else 0
        order_ids: set[int] | None = None
        if q.get("order_id") or q.get("client_order_id"):
            order_ids = set()
            for account_id in accounts:
                for ref in (q.get("order_id"), q.get("client_order_id")):
                    order = self._find_order(user, account_id, ref) if ref else None
                    if order is not None:
                        order_ids.add(order.id)
        rows: list[schemas.Fill] = []
        if order_ids != set():
            rows = self._fill_rows(user, accounts, order_ids, from_ns, ref_ns, offset + limit)
        return ok(schemas.FillPage(
            pagination=schemas.FillPagination(result_limit=limit, result_offset=offset,
                                              ref_datetime=mapping.format_ns(ref_ns)),
            results=rows[offset:offset + limit]))

    def _fill_rows(self, user: User, accounts: list[int], order_ids: set[int] | None,
                   from_ns: int, ref_ns: int, wanted: int) -> list[schemas.Fill]:
        """Up to ``wanted`` fills of INTX instruments, newest first, within [from_ns, ref_ns]."""
        queries, oms = self.core.queries, self.oms
        one_order = next(iter(order_ids)) if order_ids and len(order_ids) == 1 else 0
        found: list[tuple[int, schemas.Fill]] = []
        for account_id in accounts:
            taken, cursor = 0, None
            while taken < wanted:
                page = queries.fills(user.id, account_id=account_id, order_id=one_order,
                                     cursor=cursor, limit=1000)
                for fill in page.items:  # newest first
                    if fill.ts < from_ns:
                        page.next_cursor = None
                        break
                    if fill.ts > ref_ns or (order_ids and fill.order_id not in order_ids):
                        continue
                    order = queries.get_order(user.id, order_id=fill.order_id)
                    inst = None if order is None else oms.instruments[order.instrument]
                    if inst is None or inst.kind not in INSTRUMENT_TYPES:
                        continue  # an order of an instrument this venue cannot express
                    found.append((fill.seq, mapping.fill_view(fill, order, inst, self.ids)))
                    taken += 1
                    if taken == wanted:
                        break
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
        found.sort(key=lambda item: item[0], reverse=True)
        return [row for _, row in found[:wanted]]


def build(core: Core, config) -> HttpApp:
    api = IntxApi(core, config, load(config))
    return HttpApp(api.router, render_error, face="coinbase_intx", max_body=config.max_body_bytes,
                   on_response=core.metrics.on_response)


def manifest(core: Core, config, base_url: str) -> dict:
    """This face's demo manifest entry: the SDK's base URL and the demo traders' INTX keys."""
    from openvenue.venues.coinbase_intx.keys import DEMO_KEYS

    keys = IntxKeys(config.data_path / FILE_NAME)
    ids = mapping.Ids(config.id_key)
    oms = core.oms
    users = []
    for demo in DEMO_KEYS:
        key = keys.get(demo.access_key)
        user = oms.users.get(key.user_id) if key is not None else None
        if user is None or key.signing_key != demo.signing_key \
                or not key.passphrase_matches(demo.passphrase):
            continue  # not a demo data directory
        accounts = sorted(a for a in oms.accounts if user.may_read(a))
        if not accounts:
            continue
        users.append({
            "name": user.name,
            "access_key": demo.access_key,
            "passphrase": demo.passphrase,
            "signing_key": demo.signing_key,
            "portfolio_id": str(accounts[0]),
            "portfolio_uuid": ids.portfolio_uuid(accounts[0]),
            "account_ids": accounts,
            "permissions": sorted(p.value for p in user.permissions),
        })
    served = sorted(i.symbol for i in oms.instruments.values() if i.kind in INSTRUMENT_TYPES)
    return {"base_url": base_url + PREFIX, "users": users, "instruments": served}
