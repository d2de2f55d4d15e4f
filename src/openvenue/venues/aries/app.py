"""The Aries face's routes and handlers: the OAuth2 token endpoint and the core trading API.

Handlers authenticate (bearer token + the operation's scope), decode and check the request
against the Aries field rules, build one core command or query, and map the outcome to Aries
shapes. Statuses, permissions, cancel and replace outcomes are the core's; the face only names
them the way the `finance-dev` SDK expects.

Replace uses the core's ``as_new_order``: the original order ends REPLACED and a new order
carries the change. That is exactly Aries' contract — a replace returns a new clOrdId and the old
one can no longer be replaced or canceled — with no bookkeeping here: the old order is terminal,
so the core itself refuses both (too late), and the new order's id gives the new clOrdId. An
in-place amend with ``new_client_order_id`` would keep one order whose old client id still finds
it, so a cancel by the old id would succeed.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import msgspec

from openvenue.domain.commands import CancelOrder, PlaceOrder, ReplaceOrder
from openvenue.domain.instruments import Instrument, InstrumentKind
from openvenue.domain.orders import Order, OrderStatus, OrderType, Side, TimeInForce
from openvenue.domain.reasons import CancelRejectReason, RejectReason
from openvenue.oms.queries import MAX_PAGE, StatusFilter
from openvenue.venues.aries import schemas
from openvenue.venues.aries.auth import (
    ACCOUNT_INFORMATION,
    ORDER_EXECUTION,
    ORDER_INFORMATION,
    POSITION_INFORMATION,
    Authenticator,
    Tokens,
    granted_scopes,
)
from openvenue.venues.aries.mapping import (
    POSITION_EFFECTS,
    PRICE_PLACES,
    AriesError,
    OptionKey,
    OrderTags,
    aries_symbol,
    cancel_id,
    check_decimal,
    cl_ord_id,
    decode,
    error_response,
    find_option,
    invalid,
    option_key,
    ord_response,
    order_id_of,
    order_view,
    parse_account,
    parse_maturity,
    parse_osi,
    plain,
    prior_filled,
    put_call,
    render_error,
    tradable,
)
from openvenue.venues.core import Core
from openvenue.venues.http import HttpApp, Request, Response, Router
from openvenue.venues.oauth_clients import OAuthClients

CLIENTS_FILE = "aries-clients.json"
MAX_LIST = 500
DEFAULT_LIST = 50
HISTORY_WINDOW = timedelta(days=90)
NEW_YORK = ZoneInfo("America/New_York")
MAX_TAGS = 1 << 18

# Aries spellings the core has no time in force for: refused rather than silently changed.
_TIF = {"DAY": TimeInForce.DAY, "GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC,
        "FOK": TimeInForce.FOK}
_TIF_CANONICAL = {"ATO": "AT_THE_OPENING", "ATC": "AT_THE_CLOSE", "EXT": "EXTENDED_HOURS"}
_OPTION_TIFS = frozenset({"DAY", "GTC"})
_SECURITY_TYPE = {InstrumentKind.EQUITY: "CS", InstrumentKind.OPTION: "OPT"}

_place = msgspec.json.Decoder(schemas.PlaceOrdRequest)
_cancel = msgspec.json.Decoder(schemas.CancelOrdRequest)
_replace = msgspec.json.Decoder(schemas.ReplaceOrdRequest)
_encode = msgspec.json.Encoder(decimal_format="string").encode

Handler = Callable[[Request], Awaitable[Response]]


def _json(value, status: int = 200, headers: list[tuple[bytes, bytes]] | None = None) -> Response:
    return Response(status, _encode(value), headers=headers)


def _guard(handler: Handler) -> Handler:
    """Render AriesError with its field detail (the toolkit's renderer knows only the code)."""

    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except AriesError as exc:
            response = error_response(exc.status, exc.code, exc.message, request.request_id,
                                      exc.field)
            response.headers = exc.headers or None
            return response

    return guarded


class Placement(msgspec.Struct):
    """A place request resolved against the venue's reference data."""

    account_id: int
    instrument: Instrument | None  # None: no such symbol here (a business rejection)
    side: Side
    type: OrderType
    time_in_force: TimeInForce
    qty: Decimal
    price: Decimal | None
    stop_price: Decimal | None
    position_effect: str | None


class AriesApi:
    def __init__(self, core: Core, clients: OAuthClients, tokens: Tokens | None = None) -> None:
        self.core = core
        self.oms = core.oms
        self.clients = clients
        self.tokens = tokens or Tokens()
        self.auth = Authenticator(clients, self.tokens, core.oms.users)
        self.tags: dict[int, OrderTags] = {}
        self.router = Router()
        r = self.router.add
        r("POST", "/v1/oauth2/token", self.token)
        r("POST", "/v1/orders", _guard(self.place))
        r("POST", "/v1/orders/preview", _guard(self.preview))
        r("POST", "/v1/orders/cancel", _guard(self.cancel))
        r("POST", "/v1/orders/replace", _guard(self.replace))
        r("GET", "/v2/accounts/{id}/orders", _guard(self.active_orders))
        r("GET", "/v2/accounts/{id}/orders/history", _guard(self.order_history))
        r("GET", "/v2/users/me/accounts", _guard(self.user_accounts))
        r("GET", "/v1/accounts/{id}/positions", _guard(self.positions))
        r("GET", "/v2/accounts/{id}/balance", _guard(self.balance))

    # -- OAuth2 -----------------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        """RFC 6749 token endpoint: client_credentials (what the SDK sends) and refresh_token."""
        try:
            form = dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            return _oauth_error(400, "invalid_request", "the body is not valid UTF-8")
        client_id, secret = form.get("client_id"), form.get("client_secret")
        basic = _basic_credentials(request.header(b"authorization"))
        if basic is not None:  # client_secret_basic, which OAuth2 servers must accept
            client_id, secret = basic
        grant_type = form.get("grant_type")
        if grant_type == "client_credentials":
            if not client_id or secret is None:
                return _oauth_error(400, "invalid_request",
                                    "client_id and client_secret are required")
            client = self.clients.verify(client_id, secret)
            if client is None:
                return _oauth_error(401, "invalid_client", "unknown client or wrong secret")
            scopes = granted_scopes(form.get("scope"), frozenset(client.scopes))
            return self._issue(client.client_id, client.user_id, scopes)
        if grant_type == "refresh_token":
            refresh = form.get("refresh_token")
            if not refresh:
                return _oauth_error(400, "invalid_request", "refresh_token is required")
            if client_id is not None and (secret is None
                                          or self.clients.verify(client_id, secret) is None):
                return _oauth_error(401, "invalid_client", "unknown client or wrong secret")
            grant = self.tokens.redeem_refresh(refresh)
            if grant is None or (client_id is not None and grant.client_id != client_id) \
                    or self.clients.get(grant.client_id) is None:
                return _oauth_error(400, "invalid_grant", "the refresh token is invalid or expired")
            scopes = grant.scopes
            if form.get("scope", "").strip():  # a refresh may narrow the grant, never widen it
                scopes = granted_scopes(form["scope"], grant.scopes)
            return self._issue(grant.client_id, grant.user_id, scopes)
        if not grant_type:
            return _oauth_error(400, "invalid_request", "grant_type is required")
        return _oauth_error(400, "unsupported_grant_type",
                            f"grant_type {grant_type} is not supported")

    def _issue(self, client_id: str, user_id: int, scopes: frozenset[str]) -> Response:
        access, refresh = self.tokens.issue(client_id, user_id, scopes)
        return _json(schemas.TokenResponse(
            access_token=access, token_type="Bearer", expires_in=self.tokens.access_ttl,
            scope=" ".join(sorted(scopes)), refresh_token=refresh),
            headers=[(b"cache-control", b"no-store")])

    # -- shared checks ----------------------------------------------------------------------------

    def _account(self, user, account_id: str | int | None, trading_account_id: str | int | None
                 ) -> int:
        """The account a request names; naming one the user may not use is 403 (it says
        nothing about orders). accountId and tradingAccountId name the same account."""
        if account_id is None and trading_account_id is None:
            raise AriesError(400, "INVALID_REQUEST", "accountId is required", field="accountId")
        if account_id is not None and trading_account_id is not None \
                and str(account_id) != str(trading_account_id):
            raise invalid("tradingAccountId", "accountId and tradingAccountId name different "
                          "accounts")
        field = "accountId" if account_id is not None else "tradingAccountId"
        value = account_id if account_id is not None else trading_account_id
        return self._readable(user, parse_account(value, field), str(value))

    def _readable(self, user, account_id: int, shown: str) -> int:
        if not account_id or account_id not in self.oms.accounts or not user.may_read(account_id):
            raise AriesError(403, "ACCOUNT_FORBIDDEN", f"account {shown} is not one of yours")
        return account_id

    def _path_account(self, request: Request, user) -> int:
        text = request.params["id"]
        if len(text) > 50:
            raise invalid("id", "the account id must be 1 to 50 characters")
        return self._readable(user, parse_account(text, "id"), text)

    def _lookup(self, user_id: int) -> Callable[[int], Order | None]:
        queries = self.core.queries
        return lambda order_id: queries.get_order(user_id, order_id=order_id)

    def _order(self, user, account_id: int, orig_cl_ord_id: str) -> Order:
        """The order a clOrdId names in this account; 404 whether it is missing or not ours."""
        order_id = order_id_of(orig_cl_ord_id, self.oms)
        order = self.core.queries.get_order(user.id, order_id=order_id, account_id=account_id) \
            if order_id else None
        if order is None or cl_ord_id(order, self.oms) != orig_cl_ord_id \
                or not tradable(self.oms.instruments.get(order.instrument)):
            raise AriesError(404, "ORDER_NOT_FOUND",
                             f"no order {orig_cl_ord_id} in account {account_id}")
        return order

    def _accepting(self) -> None:
        if not self.core.accepting:
            raise AriesError(503, "SERVICE_UNAVAILABLE", "the venue is shutting down")

    def _tag(self, order: Order, client_id: str | None, position_effect: str | None) -> None:
        if client_id is None and position_effect is None:
            return
        if len(self.tags) >= MAX_TAGS:
            self.tags.clear()  # bounded memory; listings then fall back to derived values
        self.tags[order.id] = OrderTags(client_id, position_effect)

    # -- place ------------------------------------------------------------------------------------

    def _resolve(self, body: schemas.PlaceOrdRequest, user) -> Placement:
        account_id = self._account(user, body.account_id, body.trading_account_id)
        inst, position_effect = self._instrument(body.symbol, body.legs, body.side)
        tif = _TIF_CANONICAL.get(body.time_in_force, body.time_in_force)
        if tif not in _TIF:
            raise invalid("timeInForce", f"timeInForce {tif} is not supported by this venue; "
                          "use DAY, GTC, IOC or FOK")
        if inst is not None and inst.kind is InstrumentKind.OPTION and tif not in _OPTION_TIFS:
            raise invalid("timeInForce", "option orders support only DAY and GTC")
        if body.currency is not None and inst is not None \
                and body.currency.upper() != inst.currency:
            raise invalid("currency", f"{inst.symbol} trades in {inst.currency}")
        return Placement(
            account_id=account_id, instrument=inst, side=Side(body.side), type=OrderType(body.type),
            time_in_force=_TIF[tif], qty=check_decimal(body.qty, "qty"),
            price=check_decimal(body.price, "price", PRICE_PLACES),
            stop_price=check_decimal(body.stop_price, "stopPrice", PRICE_PLACES),
            position_effect=position_effect)

    def _instrument(self, symbol: str, legs: list[schemas.OrdLeg] | None, side: str
                    ) -> tuple[Instrument | None, str | None]:
        """The instrument an order names: a ticker, an OSI option symbol, or one option leg."""
        if not legs:
            key = parse_osi(symbol)
            if key is not None:
                return find_option(self.oms, key), None
            inst = self.oms.instruments.get(symbol)
            return (inst if tradable(inst) else None), None
        if len(legs) > 1:
            raise invalid("legs", "multi-leg option orders are not supported by this venue; "
                          "send one leg")
        leg = legs[0]
        if leg.security_type != "OPT":
            raise invalid("legs[0].securityType", "a leg must be an option (OPT); send an equity "
                          "order without legs")
        if leg.ratio_qty != 1:
            raise invalid("legs[0].ratioQty", "a single-leg order has ratioQty 1")
        if (leg.side in ("B", "BUY")) != (side in ("BUY", "BUY_TO_COVER")):
            raise invalid("legs[0].side", f"the leg side {leg.side} contradicts the order side "
                          f"{side}")
        key = self._leg_option(leg, symbol)
        return find_option(self.oms, key), POSITION_EFFECTS[leg.position_effect]

    def _leg_option(self, leg: schemas.OrdLeg, symbol: str) -> OptionKey:
        if leg.symbol is not None and (key := parse_osi(leg.symbol)) is not None:
            return key
        missing = [name for name, value in (("putCall", leg.put_call),
                                            ("strikePrice", leg.strike_price),
                                            ("maturity", leg.maturity)) if value is None]
        if missing:
            raise AriesError(400, "INVALID_REQUEST", f"an option leg needs {', '.join(missing)} "
                             "or an OSI symbol", field=f"legs[0].{missing[0]}")
        strike = check_decimal(leg.strike_price, "legs[0].strikePrice")
        expiry = parse_maturity(leg.maturity, "legs[0].maturity")
        underlying = leg.symbol or symbol
        osi = parse_osi(underlying)
        if osi is not None:
            underlying = osi.underlying
        return OptionKey(underlying, put_call(leg.put_call), strike, expiry)

    async def place(self, request: Request) -> Response:
        user = self.auth.require(request, ORDER_EXECUTION)
        body: schemas.PlaceOrdRequest = decode(request.body, _place)
        p = self._resolve(body, user)
        if p.instrument is None:
            return _json(_rejected(RejectReason.UNKNOWN_INSTRUMENT,
                                   f"unknown symbol {body.symbol}"))
        self._accepting()
        outcome = await self.core.execute(PlaceOrder(
            user_id=user.id, account_id=p.account_id, instrument=p.instrument.symbol, side=p.side,
            type=p.type, quantity=p.qty, price=p.price, stop_price=p.stop_price,
            time_in_force=p.time_in_force))
        if outcome.reason is not None:
            if outcome.reason in (RejectReason.NOT_AUTHORIZED, RejectReason.UNKNOWN_ACCOUNT):
                raise AriesError(403, "ACCOUNT_FORBIDDEN",
                                 f"not permitted to trade account {p.account_id}")
            return _json(_rejected(outcome.reason, outcome.text))
        order = outcome.order
        self._tag(order, body.client_id, p.position_effect)
        return _json(ord_response(order, p.instrument, self.oms, self._lookup(user.id),
                                  "Order accepted"))

    async def preview(self, request: Request) -> Response:
        """What the order would cost; nothing is placed. Refusals the core would give are not
        predicted here (the core decides them when the order is placed)."""
        user = self.auth.require(request, ORDER_EXECUTION)
        body: schemas.PlaceOrdRequest = decode(request.body, _place)
        p = self._resolve(body, user)
        if p.instrument is None:
            return _json(schemas.PreviewOrderResponse(
                commission="0", fees="0", errors=[f"unknown symbol {body.symbol}"], warnings=[]))
        limit = p.price if p.type in (OrderType.LIMIT, OrderType.STOP_LIMIT) else p.stop_price
        if limit is None:
            return _json(schemas.PreviewOrderResponse(
                commission="0", fees="0", errors=[],
                warnings=["a market order has no price to estimate its cost from"]))
        cost = p.qty * limit
        return _json(schemas.PreviewOrderResponse(
            commission="0", fees=plain(cost * p.instrument.taker_fee_rate), errors=[],
            warnings=[], estimated_cost=plain(cost),
            buying_power_impact=plain(cost if p.side in (Side.BUY, Side.BUY_TO_COVER) else -cost)))

    # -- cancel -----------------------------------------------------------------------------------

    def _check_same_order(self, order: Order, inst: Instrument, symbol: str, side: str | None,
                          security_type: str | None, option: tuple | None) -> None:
        """The cancel/replace must describe the order it names (Aries checks this too)."""
        is_option = inst.kind is InstrumentKind.OPTION
        key = option_key(inst)
        osi = parse_osi(symbol)
        if symbol != aries_symbol(inst) and not (is_option and osi == key):
            raise invalid("symbol", f"symbol {symbol} is not the symbol of order "
                          f"{cl_ord_id(order, self.oms)} ({aries_symbol(inst)})")
        if side is not None and side != str(order.side):
            raise invalid("side", f"side {side} is not the side of the order ({order.side})")
        if security_type is not None and security_type != _SECURITY_TYPE[inst.kind]:
            raise invalid("securityType", f"the order is {_SECURITY_TYPE[inst.kind]}, not "
                          f"{security_type}")
        if option is None:
            return
        pc, strike, maturity = option
        if not is_option:
            given = "putCall" if pc else "strikePrice" if strike is not None else "maturity"
            raise invalid(given, "option fields were sent for an equity order")
        if osi is None:  # named by underlying: the contract fields are required
            for name, value in (("putCall", pc), ("strikePrice", strike), ("maturity", maturity)):
                if value is None:
                    raise AriesError(400, "INVALID_REQUEST", f"{name} is required to cancel an "
                                     "option order named by its underlying", field=name)
        if pc is not None and put_call(pc) != key.put_call:
            raise invalid("putCall", f"the order is a {key.put_call}, not {pc}")
        if strike is not None and strike != key.strike:
            raise invalid("strikePrice", f"the order's strike is {plain(key.strike)}")
        if maturity is not None and maturity != key.expiry:
            raise invalid("maturity", f"the order's maturity is {key.expiry.isoformat()}")

    async def cancel(self, request: Request) -> Response:
        user = self.auth.require(request, ORDER_EXECUTION)
        body: schemas.CancelOrdRequest = decode(request.body, _cancel)
        strike = check_decimal(body.strike_price, "strikePrice")
        maturity = parse_maturity(body.maturity)
        account_id = self._account(user, body.account_id, body.trading_account_id)
        order = self._order(user, account_id, body.orig_cl_ord_id)
        inst = self.oms.instruments[order.instrument]
        option = None if body.put_call is None and strike is None and maturity is None \
            else (body.put_call, strike, maturity)
        if inst.kind is InstrumentKind.OPTION and option is None and parse_osi(body.symbol) is None:
            option = (None, None, None)  # named by underlying alone: the check asks for the rest
        self._check_same_order(order, inst, body.symbol, body.side, body.security_type, option)
        self._accepting()
        orig = cl_ord_id(order, self.oms)
        outcome = await self.core.execute(CancelOrder(user_id=user.id, order_id=order.id,
                                                      account_id=account_id))
        event = outcome.events[-1]
        own_id = cancel_id(event.seq, event.ts, self.oms)
        reason = outcome.reason
        if reason is None:
            status = outcome.order.status
            text = "Order canceled" if status is OrderStatus.CANCELED else \
                "Cancel requested; the order is pending cancel"
            return _json(schemas.CancelOrdResponse(success=True, cl_ord_id=own_id,
                                                   orig_cl_ord_id=orig, status=str(status),
                                                   text=text))
        if reason is CancelRejectReason.UNKNOWN_ORDER:
            raise AriesError(404, "ORDER_NOT_FOUND", f"no order {orig} in account {account_id}")
        if reason is CancelRejectReason.NOT_AUTHORIZED:
            raise AriesError(403, "ACCOUNT_FORBIDDEN", f"not permitted to trade account {account_id}")
        return _json(schemas.CancelOrdResponse(success=False, cl_ord_id=own_id,
                                               orig_cl_ord_id=orig, status="REJECTED",
                                               text=self._why_not(order, reason)))

    def _why_not(self, order: Order, reason) -> str:
        if reason in (CancelRejectReason.ALREADY_PENDING, RejectReason.ALREADY_PENDING):
            return "a cancel or replace of this order is already pending"
        if order.status is OrderStatus.REPLACED and order.replaced_by:
            replacement = self.oms.index.orders.get(order.replaced_by)
            newer = "" if replacement is None else f" by {cl_ord_id(replacement, self.oms)}"
            return f"too late: the order was replaced{newer}"
        if not order.is_open:
            return f"too late: the order is already {order.status}"
        return str(reason)

    # -- replace ----------------------------------------------------------------------------------

    async def replace(self, request: Request) -> Response:
        user = self.auth.require(request, ORDER_EXECUTION)
        body: schemas.ReplaceOrdRequest = decode(request.body, _replace)
        qty = check_decimal(body.qty, "qty")
        price = check_decimal(body.price, "price", PRICE_PLACES)
        stop_price = check_decimal(body.stop_price, "stopPrice", PRICE_PLACES)
        account_id = self._account(user, body.account_id, body.trading_account_id)
        order = self._order(user, account_id, body.orig_cl_ord_id)
        inst = self.oms.instruments[order.instrument]
        self._check_same_order(order, inst, body.symbol, body.side, None, None)
        if body.legs:
            leg_inst, _ = self._instrument(body.symbol, body.legs, str(order.side))
            if leg_inst is not inst:
                raise invalid("legs", "the legs do not describe the order's option")
        # The core cannot change these: a different value is refused, the same one is fine.
        if body.type is not None and body.type != str(order.type):
            raise invalid("type", "the order type cannot be changed by a replace")
        tif = None if body.time_in_force is None else \
            _TIF_CANONICAL.get(body.time_in_force, body.time_in_force)
        if tif is not None and tif != str(order.time_in_force):
            raise invalid("timeInForce", "the time in force cannot be changed by a replace")
        if body.currency is not None and body.currency.upper() != inst.currency:
            raise invalid("currency", f"{inst.symbol} trades in {inst.currency}")
        lookup = self._lookup(user.id)
        if qty is not None:  # Aries' qty is the total; the core's order holds what was left
            qty -= inst.quantity(prior_filled(order, lookup))
        orig = cl_ord_id(order, self.oms)
        self._accepting()
        outcome = await self.core.execute(ReplaceOrder(
            user_id=user.id, order_id=order.id, account_id=account_id, quantity=qty, price=price,
            stop_price=stop_price, as_new_order=True))
        reason = outcome.reason
        if reason is None:
            new = outcome.order
            tag = self.tags.get(order.id)
            client_id = body.client_id if body.client_id is not None else \
                (None if tag is None else tag.client_id)
            self._tag(new, client_id, None if tag is None else tag.position_effect)
            view = ord_response(new, inst, self.oms, lookup, "Order replaced")
            return _json(schemas.ReplaceOrdResponse(
                success=True, cl_ord_id=view.cl_ord_id, orig_cl_ord_id=orig, status=view.status,
                text="Order replaced", qty=view.qty, transact_time=view.transact_time,
                price=plain(inst.price(new.price)) if new.price else msgspec.UNSET))
        if reason is RejectReason.UNKNOWN_ORDER:
            raise AriesError(404, "ORDER_NOT_FOUND", f"no order {orig} in account {account_id}")
        if reason is RejectReason.NOT_AUTHORIZED:
            raise AriesError(403, "ACCOUNT_FORBIDDEN", f"not permitted to trade account {account_id}")
        text = self._why_not(order, reason) if reason in (
            RejectReason.TOO_LATE_TO_REPLACE, RejectReason.ALREADY_PENDING) else \
            f"{reason}: {outcome.text}" if outcome.text else str(reason)
        return _json(schemas.ReplaceOrdResponse(success=False, orig_cl_ord_id=orig,
                                                status="REJECTED", text=text))

    # -- lists ------------------------------------------------------------------------------------

    def _page_params(self, request: Request) -> tuple[int, int]:
        q = request.query
        limit = _int_param(q.get("limit"), "limit", 1, MAX_LIST, DEFAULT_LIST)
        cursor = _int_param(q.get("cursor"), "cursor", 0, 1 << 62, 0)
        return limit, cursor

    def _orders(self, user_id: int, account_id: int):
        """The account's Aries orders, newest first. A REPLACED order is not listed: its chain
        shows as one row under the current clOrdId (with origClOrdId)."""
        queries = self.core.queries
        cursor = None
        while True:
            page = queries.order_history(user_id, account_id=account_id, status=StatusFilter.ALL,
                                         cursor=cursor, limit=MAX_PAGE)
            for order in page.items:
                if order.status is OrderStatus.REPLACED:
                    continue
                inst = self.oms.instruments.get(order.instrument)
                if tradable(inst):
                    yield order, inst
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def _page(self, user_id: int, rows: list[tuple[Order, Instrument]], limit: int, cursor: int
              ) -> Response:
        # nextCursor is the offset of the next page, 0 when there is none (the SDK stops on 0)
        chunk = rows[cursor:cursor + limit]
        more = cursor + limit < len(rows)
        lookup = self._lookup(user_id)
        return _json(schemas.GetOrdersV2Response(
            orders=[order_view(o, inst, self.oms, lookup, self.tags) for o, inst in chunk],
            next_cursor=cursor + limit if more else 0))

    def _today_start_ns(self) -> int:
        now = datetime.fromtimestamp(self.oms.clock.now_ns() / 1e9, NEW_YORK)
        midnight = datetime.combine(now.date(), datetime.min.time(), tzinfo=NEW_YORK)
        return int(midnight.timestamp()) * 1_000_000_000

    async def active_orders(self, request: Request) -> Response:
        """Open orders plus today's terminal activity (New York trading day)."""
        user = self.auth.require(request, ORDER_INFORMATION)
        account_id = self._path_account(request, user)
        limit, cursor = self._page_params(request)
        today = self._today_start_ns()
        rows = [(o, i) for o, i in self._orders(user.id, account_id)
                if o.is_open or o.updated_ns >= today]
        return self._page(user.id, rows, limit, cursor)

    async def order_history(self, request: Request) -> Response:
        user = self.auth.require(request, ORDER_INFORMATION)
        account_id = self._path_account(request, user)
        q = request.query
        limit, cursor = self._page_params(request)
        if "from" not in q:
            raise AriesError(400, "INVALID_REQUEST", "from is required", field="from")
        start = _time_param(q["from"], "from")
        now_ns = self.oms.clock.now_ns()
        end = _time_param(q["to"], "to") if q.get("to") else now_ns
        if end < start:
            raise invalid("to", "to is before from")
        if end - start > HISTORY_WINDOW.total_seconds() * 1e9:
            raise invalid("from", "the window from..to may not exceed 90 days")
        order_by = q.get("order_by", "desc")
        if order_by not in ("asc", "desc"):
            raise invalid("order_by", "order_by must be asc or desc")
        exclude_today = q.get("exclude_today", "false")
        if exclude_today not in ("true", "false"):
            raise invalid("exclude_today", "exclude_today must be true or false")
        if exclude_today == "true":
            end = min(end, self._today_start_ns() - 1)
        rows = []
        for order, inst in self._orders(user.id, account_id):
            if order.created_ns < start:
                break  # newest first: everything further is older still
            if order.created_ns <= end:
                rows.append((order, inst))
        if order_by == "asc":
            rows.reverse()
        return self._page(user.id, rows, limit, cursor)

    # -- accounts ---------------------------------------------------------------------------------

    async def user_accounts(self, request: Request) -> Response:
        user = self.auth.require(request, ACCOUNT_INFORMATION)
        ids = sorted(self.oms.accounts) if user.is_operator else \
            sorted(a for a in user.account_ids if a in self.oms.accounts)
        return _json(schemas.GetAccountsResponse([
            schemas.AccountItem(account_class="CASH", account_type="INDIVIDUAL",
                                broker_account_id=str(a), is_sim=True, status="ACTIVE",
                                trading_account_id=str(a)) for a in ids]))

    def _fills(self, user_id: int, account_id: int):
        queries = self.core.queries
        cursor = None
        while True:
            page = queries.fills(user_id, account_id=account_id, cursor=cursor, limit=MAX_PAGE)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def positions(self, request: Request) -> Response:
        """Net filled quantity per instrument, and its net cost (buys minus sells)."""
        user = self.auth.require(request, POSITION_INFORMATION)
        account_id = self._path_account(request, user)
        net: dict[str, list[int]] = {}  # symbol -> [signed lots, signed ticks*lots]
        lookup = self._lookup(user.id)
        for fill in self._fills(user.id, account_id):
            order = lookup(fill.order_id)
            if order is None:
                continue
            sign = 1 if order.is_buy else -1
            entry = net.setdefault(order.instrument, [0, 0])
            entry[0] += sign * fill.quantity
            entry[1] += sign * fill.price * fill.quantity
        positions = []
        for symbol, (lots, notional) in sorted(net.items()):
            inst = self.oms.instruments.get(symbol)
            if not lots or not tradable(inst):
                continue
            cost = inst.notional(notional)
            positions.append(schemas.AccountPosition(
                account_id=str(account_id), symbol=inst.symbol,
                security_type="OPTION" if inst.kind is InstrumentKind.OPTION else "EQUITY",
                quantity=plain(inst.quantity(lots)),
                average_price=plain(inst.average_price(abs(notional), abs(lots))),
                cost_basis=plain(cost)))
        return _json(schemas.GetPositionsResponse(positions))

    async def balance(self, request: Request) -> Response:
        """What the core knows of an account's money: the value it bought and sold, and its open
        orders. (The core keeps no cash ledger, so no cash or buying-power figures.)"""
        user = self.auth.require(request, ACCOUNT_INFORMATION)
        account_id = self._path_account(request, user)
        bought = sold = Decimal(0)
        lookup = self._lookup(user.id)
        for fill in self._fills(user.id, account_id):
            order = lookup(fill.order_id)
            inst = None if order is None else self.oms.instruments.get(order.instrument)
            if not tradable(inst):
                continue
            value = inst.notional(fill.price * fill.quantity)
            if order.is_buy:
                bought += value
            else:
                sold += value
        pending = sum(1 for o in self.core.queries.open_orders(user.id, account_id=account_id)
                      if tradable(self.oms.instruments.get(o.instrument)))
        return _json(schemas.AccountBalanceV2(account_id=str(account_id),
                                              pending_orders_count=pending,
                                              value_bought=plain(bought), value_sold=plain(sold)))


# -- helpers --------------------------------------------------------------------------------------


def _rejected(reason, text: str) -> schemas.OrdResponse:
    """A business refusal of a new order: 200 with success false (the Aries convention)."""
    return schemas.OrdResponse(success=False, status="REJECTED", text=text or str(reason),
                               ord_rej_reason=str(reason))


def _oauth_error(status: int, error: str, description: str) -> Response:
    headers = [(b"cache-control", b"no-store")]
    if status == 401:
        headers.append((b"www-authenticate", b'Basic realm="aries"'))
    return _json(schemas.OAuthError(error=error, error_description=description), status, headers)


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, sep, secret = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (client_id, secret) if sep else None


def _int_param(text: str | None, name: str, low: int, high: int, default: int) -> int:
    if text is None or text == "":
        return default
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise invalid(name, f"{name} must be an integer from {low} to {high}")
    return int(text)


def _time_param(text: str, name: str) -> int:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise invalid(name, f"{name} must be an RFC 3339 time such as 2026-04-01T00:00:00Z") \
            from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1_000_000) * 1000


def build(core: Core, config) -> HttpApp:
    from openvenue.venues.aries.demo import seed_clients

    clients = OAuthClients(config.data_path / CLIENTS_FILE)
    if config.demo:
        seed_clients(clients)
    api = AriesApi(core, clients)
    return HttpApp(api.router, render_error, face="aries", max_body=config.max_body_bytes,
                   on_response=core.metrics.on_response)
