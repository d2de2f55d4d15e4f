"""The APEX calls: each reads its request, runs one core command or query, and shapes the reply.

Every rule — permissions, validation, client order id uniqueness, cancel outcomes — is the
core's; a call only translates APEX's identification and enums and maps the outcome. A refusal
is raised as ``ApexError`` and answered with the generic ``m: 1`` body (contract, section 6).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from openvenue.domain.commands import CancelAllOrders, CancelOrder, PlaceOrder, ReplaceOrder
from openvenue.domain.orders import PRICED_TYPES, STOP_TYPES, Order, OrderType, TimeInForce
from openvenue.domain.reasons import CancelRejectReason
from openvenue.oms.queries import MAX_PAGE
from openvenue.venues.alphapoint_apex import mapping, schemas
from openvenue.venues.alphapoint_apex.mapping import (
    INVALID_REQUEST,
    NOT_AUTHORIZED,
    NOT_FOUND,
    NOT_SUPPORTED,
    OK,
    OMS_ID,
    OPERATION_FAILED,
    SERVER_ERROR,
    ApexError,
    error_for,
)

if TYPE_CHECKING:
    from openvenue.venues.alphapoint_apex.ws import ApexGateway, Connection

INT64_MAX = (1 << 63) - 1
MISSING_FIELDS = "Not all required fields are provided"
# Beyond these no grid can carry the value, and exact arithmetic on it could overflow.
MAX_ADJUSTED_EXPONENT = 17
MIN_EXPONENT = -30
DEFAULT_DEPTH = 100


class Params:
    """A request's ``o`` object, read case-insensitively: docs and clients mix OMSId/omsId."""

    __slots__ = ("_values",)

    def __init__(self, raw: dict[str, Any]) -> None:
        self._values = {key.lower(): value for key, value in raw.items()}

    def raw(self, *names: str) -> Any:
        for name in names:
            value = self._values.get(name.lower())
            if value is not None:
                return value
        return None

    def has(self, *names: str) -> bool:
        return self.raw(*names) is not None

    def int(self, *names: str, required: bool = False) -> int:
        value = self.raw(*names)
        if value is None:
            if required:
                raise ApexError(INVALID_REQUEST, MISSING_FIELDS)
            return 0
        if type(value) is int:
            number = value
        elif type(value) is Decimal and value.is_finite() and value == value.to_integral_value():
            number = int(value)
        elif type(value) is str and value.strip().isascii() and value.strip().isdigit():
            number = int(value.strip())
        else:
            raise ApexError(INVALID_REQUEST, f"{names[0]} must be an integer")
        if not 0 <= number <= INT64_MAX:
            raise ApexError(INVALID_REQUEST, f"{names[0]} is out of range")
        return number

    def decimal(self, *names: str, required: bool = False) -> Decimal | None:
        """An exact decimal from a JSON number or a numeric string; never through float."""
        value = self.raw(*names)
        if value is None:
            if required:
                raise ApexError(INVALID_REQUEST, MISSING_FIELDS)
            return None
        if type(value) is int:
            value = Decimal(value)
        elif type(value) is str:
            try:
                value = Decimal(value.strip())
            except InvalidOperation:
                raise ApexError(INVALID_REQUEST, f"{names[0]} must be a number") from None
        elif type(value) is not Decimal:
            raise ApexError(INVALID_REQUEST, f"{names[0]} must be a number")
        exponent = value.as_tuple().exponent
        if (not value.is_finite() or value.adjusted() > MAX_ADJUSTED_EXPONENT
                or (isinstance(exponent, int) and exponent < MIN_EXPONENT)):
            raise ApexError(INVALID_REQUEST, f"{names[0]} is not a usable number")
        return value

    def bool(self, *names: str) -> bool:
        value = self.raw(*names)
        if value is None:
            return False
        if type(value) is bool:
            return value
        if type(value) is str and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if type(value) is int and value in (0, 1):
            return bool(value)
        raise ApexError(INVALID_REQUEST, f"{names[0]} must be true or false")

    def str(self, *names: str) -> str | None:
        value = self.raw(*names)
        if value is None:
            return None
        if type(value) in (str, int):
            return str(value)
        raise ApexError(INVALID_REQUEST, f"{names[0]} must be a string")


Call = Callable[["Calls", "Connection", Params], Awaitable[Any]]
CALLS: dict[str, Call] = {}  # lower-case function name -> call
UNAUTHENTICATED_CALLS = frozenset({"authenticateuser", "webauthenticateuser", "ping"})


def call(*names: str):
    def register(func: Call) -> Call:
        for name in names:
            CALLS[name.lower()] = func
        return func
    return register


class Calls:
    def __init__(self, gateway: ApexGateway) -> None:
        self.gateway = gateway
        self.core = gateway.core
        self.oms = gateway.core.oms
        self.views = gateway.views

    # -- helpers ------------------------------------------------------------------------------------

    def _symbol(self, instrument_id: int) -> str:
        """The core symbol of an APEX InstrumentId. Funds are not traded through APEX (their
        orders are by amount and execute at NAV), so their ids are as unknown as any other."""
        inst = self.oms.instruments_by_id.get(instrument_id)
        if inst is None or inst.is_fund:
            return f"#{instrument_id}"  # the core refuses it as an unknown instrument
        return inst.symbol

    def _accepting(self) -> None:
        if not self.core.accepting:
            raise ApexError(SERVER_ERROR, "the venue is shutting down")

    def _readable(self, conn: Connection, account_id: int) -> None:
        if not conn.user.may_read(account_id):
            raise ApexError(NOT_AUTHORIZED)
        if account_id not in self.oms.accounts:
            raise ApexError(NOT_FOUND)

    def find(self, order_id: int) -> Order | None:
        """Any order by id, also one retention moved to the store (for event and trade views)."""
        order = self.oms.index.orders.get(order_id)
        if order is None and self.oms.archive is not None:
            order = self.oms.archive.find_order(order_id)
        return order

    def visible_order(self, conn: Connection, order_id: int, account_id: int) -> Order | None:
        return self.core.queries.get_order(conn.user.id, order_id=order_id, account_id=account_id)

    # -- authentication -----------------------------------------------------------------------------

    @call("AuthenticateUser")
    async def authenticate_user(self, conn: Connection, p: Params):
        return await self._authenticate(conn, p, web=False)

    @call("WebAuthenticateUser")
    async def web_authenticate_user(self, conn: Connection, p: Params):
        return await self._authenticate(conn, p, web=True)

    async def _authenticate(self, conn: Connection, p: Params, *, web: bool):
        gateway = self.gateway
        user_id = None
        token = None  # set when the login resumes a session: the reply keeps its token
        if p.has("APIKey"):
            user_id = gateway.logins.check_signature(
                p.str("APIKey") or "", p.str("UserId") or "", p.str("Nonce") or "",
                p.str("Signature") or "")
        elif p.has("UserName") and p.has("Password"):
            user_id = await asyncio.to_thread(gateway.logins.check_password,
                                              p.str("UserName") or "", p.str("Password") or "")
        elif web and p.has("SessionToken"):
            token = p.str("SessionToken") or ""
            user_id = gateway.sessions.user_for(token)
        user = self.oms.users.get(user_id) if user_id else None
        if user is None:
            return schemas.AuthFailed(False, False, "Invalid username or password")
        if conn.user is not None and conn.user.id != user.id:
            return schemas.AuthFailed(False, False, "Already authenticated as another user")
        if conn.user is None:
            conn.login(user, token or gateway.sessions.open(user.id),
                       cancel_on_disconnect=p.bool("CancelOnDisconnect"))
        if web:
            return schemas.WebAuthenticateUserReply(True, conn.token, user.id, False, None)
        accounts = sorted(user.account_ids)
        return schemas.AuthenticateUserReply(
            Authenticated=True, SessionToken=conn.token,
            User=schemas.AuthUser(UserId=user.id, UserName=user.name, Email="",
                                  EmailVerified=True, AccountId=accounts[0] if accounts else 0,
                                  OMSId=OMS_ID, Use2FA=False),
            Locked=False, Requires2FA=False, TwoFAType=None, TwoFAToken=None, errormsg=None)

    @call("LogOut", "Logout")
    async def log_out(self, conn: Connection, p: Params):
        await conn.logout()
        return OK

    @call("Ping")
    async def ping(self, conn: Connection, p: Params):
        return schemas.Pong("PONG")

    # -- orders -------------------------------------------------------------------------------------

    @call("SendOrder")
    async def send_order(self, conn: Connection, p: Params):
        try:
            command = self._place_command(conn, p)
        except ApexError as error:
            return schemas.SendOrderRejected(False, "Rejected", mapping.ERROR_MESSAGES[error.code],
                                             error.code, error.detail)
        outcome = await self.core.execute(command)
        if not outcome.ok:
            return mapping.send_order_refusal(outcome.reason, outcome.text)
        return schemas.SendOrderAccepted("Accepted", "", outcome.order.id)

    def _place_command(self, conn: Connection, p: Params) -> PlaceOrder:
        self._accepting()
        for name in ("AccountId", "InstrumentId", "Side", "OrderType", "Quantity"):
            if not p.has(name):
                raise ApexError(INVALID_REQUEST, MISSING_FIELDS)
        account_id = p.int("AccountId")
        symbol = self._symbol(p.int("InstrumentId"))
        side = mapping.SIDES.get(p.int("Side"))
        if side is None:
            raise ApexError(INVALID_REQUEST, "Side must be 0 (Buy), 1 (Sell) or 2 (Short)")
        code = p.int("OrderType")
        order_type = mapping.ORDER_TYPES.get(code)
        if order_type is None:
            if code in mapping.UNSUPPORTED_ORDER_TYPES:
                raise ApexError(NOT_SUPPORTED, f"OrderType {mapping.UNSUPPORTED_ORDER_TYPES[code]} "
                                "is not supported")
            raise ApexError(INVALID_REQUEST, "OrderType must be 1 (Market), 2 (Limit), "
                            "3 (StopMarket) or 4 (StopLimit)")
        tif_code = p.int("TimeInForce") if p.has("TimeInForce") else 1
        post_only = tif_code == mapping.GTX
        tif = TimeInForce.GTC if post_only else mapping.TIME_IN_FORCE.get(tif_code)
        if tif is None:
            if tif_code in mapping.UNSUPPORTED_TIME_IN_FORCE:
                raise ApexError(NOT_SUPPORTED, f"TimeInForce "
                                f"{mapping.UNSUPPORTED_TIME_IN_FORCE[tif_code]} is not supported")
            raise ApexError(INVALID_REQUEST, "TimeInForce must be 1 (GTC), 3 (IOC), 4 (FOK) "
                            "or 5 (GTX)")
        if order_type is OrderType.MARKET and tif is TimeInForce.GTC and not post_only:
            tif = TimeInForce.IOC  # an APEX market order never rests: its remainder is canceled
        if p.int("OrderIdOCO"):
            raise ApexError(NOT_SUPPORTED, "OCO orders are not supported")
        if p.decimal("Value"):
            raise ApexError(NOT_SUPPORTED, "orders by Value are not supported; give a Quantity")
        quantity = p.decimal("Quantity")
        display = p.decimal("DisplayQuantity")
        if p.bool("UseDisplayQuantity") and display and display < quantity:
            raise ApexError(NOT_SUPPORTED, "reserve (display quantity) orders are not supported")
        # PegPriceType is ignored: clients send one with every order, and it only means
        # something for trailing orders, which are refused above.
        price = p.decimal("LimitPrice") if order_type in PRICED_TYPES else None
        stop = p.decimal("StopPrice") if order_type in STOP_TYPES else None
        coid = p.int("ClientOrderId", "ClOrderId", "ClOrdId")
        return PlaceOrder(
            user_id=conn.user.id, account_id=account_id, instrument=symbol, side=side,
            type=order_type, quantity=quantity, price=price, stop_price=stop,
            time_in_force=tif, client_order_id=str(coid) if coid else "", post_only=post_only,
            session_id=conn.session_id)

    @call("CancelOrder")
    async def cancel_order(self, conn: Connection, p: Params):
        """Acknowledge, then the outcome arrives as an event (OrderStateEvent or
        CancelOrderRejectEvent). Only requests that name no order the user may cancel are
        answered with an error."""
        self._accepting()
        order_id = p.int("OrderId")
        account_id = p.int("AccountId")
        coid = p.int("ClientOrderId", "ClOrderId", "ClOrdId")
        if order_id:  # it names the order exactly; it wins over a client order id
            command = CancelOrder(user_id=conn.user.id, order_id=order_id, account_id=account_id)
        elif account_id and coid:
            # APEX resolves a client order id among the account's open orders only (it may be
            # reused once an order is done): a done order it names is not found.
            named = self.visible_order_by_coid(conn, account_id, str(coid))
            if named is not None and not named.is_open:
                raise ApexError(NOT_FOUND)
            command = CancelOrder(user_id=conn.user.id, account_id=account_id,
                                  client_order_id=str(coid))
        else:
            raise ApexError(INVALID_REQUEST, MISSING_FIELDS)
        outcome = await self.core.execute(command)
        if outcome.reason in (CancelRejectReason.UNKNOWN_ORDER, CancelRejectReason.NOT_AUTHORIZED):
            raise error_for(outcome.reason)
        return OK

    def visible_order_by_coid(self, conn: Connection, account_id: int, coid: str) -> Order | None:
        return self.core.queries.get_order(conn.user.id, account_id=account_id,
                                           client_order_id=coid)

    @call("CancelReplaceOrder")
    async def cancel_replace_order(self, conn: Connection, p: Params):
        self._accepting()
        order_id = p.int("OrderIdToReplace", required=True)
        account_id = p.int("AccountId")
        original = self.visible_order(conn, order_id, account_id)
        quantity = p.decimal("Quantity")
        price = stop = None
        if original is not None:
            self._same_order_shape(original, p)
            inst = self.oms.instruments[original.instrument]
            if quantity is not None:
                # APEX's Quantity is the replacement order's; the core counts what is filled
                quantity += inst.quantity(original.filled)
            if original.type in PRICED_TYPES:
                price = p.decimal("LimitPrice")
            if original.type in STOP_TYPES:
                stop = p.decimal("StopPrice")
        coid = p.int("ClientOrdId", "ClientOrderId", "ClOrderId")
        outcome = await self.core.execute(ReplaceOrder(
            user_id=conn.user.id, order_id=order_id, account_id=account_id, quantity=quantity,
            price=price, stop_price=stop, new_client_order_id=str(coid) if coid else "",
            as_new_order=True))
        if not outcome.ok:
            raise error_for(outcome.reason, outcome.text)
        new = outcome.order
        old = self.find(new.replaces)
        return schemas.CancelReplaceReply(
            ReplacementOrderId=new.id,
            ReplacementClOrdId=mapping.client_order_id(new.client_order_id),
            OrigOrderId=new.replaces,
            OrigClOrdId=mapping.client_order_id(old.client_order_id) if old is not None else 0)

    def _same_order_shape(self, original: Order, p: Params) -> None:
        """The core replaces quantity and prices; another side, type or instrument is a new
        order, which APEX clients then send as one."""
        inst = self.oms.instruments[original.instrument]
        if p.has("InstrumentId") and p.int("InstrumentId") != inst.id:
            raise ApexError(NOT_SUPPORTED, "CancelReplaceOrder cannot change the instrument")
        if p.has("Side") and mapping.SIDES.get(p.int("Side")) is not original.side:
            raise ApexError(NOT_SUPPORTED, "CancelReplaceOrder cannot change the side")
        if p.has("OrderType") and mapping.ORDER_TYPES.get(p.int("OrderType")) is not original.type:
            raise ApexError(NOT_SUPPORTED, "CancelReplaceOrder cannot change the order type")

    @call("ModifyOrder")
    async def modify_order(self, conn: Connection, p: Params):
        """Reduce an order's open quantity in place: same OrderId, time priority kept."""
        self._accepting()
        order_id = p.int("OrderId", required=True)
        quantity = p.decimal("Quantity", required=True)
        original = self.visible_order(conn, order_id, p.int("AccountId"))
        if original is not None:
            inst = self.oms.instruments[original.instrument]
            if original.is_open and quantity >= inst.quantity(original.leaves):
                raise ApexError(OPERATION_FAILED, "ModifyOrder can only reduce the quantity")
            quantity += inst.quantity(original.filled)  # APEX's Quantity is what stays open
        outcome = await self.core.execute(ReplaceOrder(
            user_id=conn.user.id, order_id=order_id, account_id=p.int("AccountId"),
            quantity=quantity))
        if not outcome.ok:
            raise error_for(outcome.reason, outcome.text)
        return OK

    @call("CancelAllOrders")
    async def cancel_all_orders(self, conn: Connection, p: Params):
        self._accepting()
        account_id = p.int("AccountId")
        # AccountId 0 is every account of the OMS in APEX: an operator's request only
        if not account_id and not conn.user.is_operator:
            raise ApexError(NOT_AUTHORIZED)
        instrument_id = p.int("InstrumentId", "IntrumentId")
        symbol = self._symbol(instrument_id) if instrument_id else None
        outcome = await self.core.execute(CancelAllOrders(
            user_id=conn.user.id, account_id=account_id, instrument=symbol))
        if not outcome.ok:
            raise error_for(outcome.reason)
        return OK

    # -- reads --------------------------------------------------------------------------------------

    @call("GetOrderStatus")
    async def get_order_status(self, conn: Connection, p: Params):
        order_id = p.int("OrderId", required=True)
        account_id = p.int("AccountId")
        if account_id and not conn.user.may_read(account_id):
            raise ApexError(NOT_AUTHORIZED)
        order = self.visible_order(conn, order_id, account_id)
        if order is None or order.instrument not in self.oms.instruments:
            raise ApexError(NOT_FOUND)
        return self.views.order(order)

    @call("GetOpenOrders")
    async def get_open_orders(self, conn: Connection, p: Params):
        account_id = p.int("AccountId", required=True)
        self._readable(conn, account_id)
        orders = self.core.queries.open_orders(conn.user.id, account_id=account_id)
        return [self.views.order(o) for o in orders if not self._is_fund(o)]

    @call("GetOrderHistory")
    async def get_order_history(self, conn: Connection, p: Params):
        account_id = p.int("AccountId", required=True)
        self._readable(conn, account_id)
        depth = min(p.int("Depth") or DEFAULT_DEPTH, MAX_PAGE)
        page = self.core.queries.order_history(conn.user.id, account_id=account_id, limit=depth)
        return [self.views.order(o) for o in page.items if not self._is_fund(o)]

    @call("GetOrdersHistory")
    async def get_orders_history(self, conn: Connection, p: Params):
        account_id = p.int("AccountId", required=True)
        self._readable(conn, account_id)
        order_id = p.int("OrderId")
        coid = p.int("ClientOrderId", "ClOrderId")
        instrument_id = p.int("InstrumentId")
        state = p.str("OrderState")
        if state is not None and state not in mapping.ORDER_STATES:
            raise ApexError(INVALID_REQUEST, "OrderState must be Working, Rejected, Canceled, "
                            "Expired or FullyExecuted")
        start_ms, end_ms = p.int("StartTimestamp"), p.int("EndTimestamp")
        depth = min(p.int("Depth") or DEFAULT_DEPTH, MAX_PAGE)
        skip = p.int("StartIndex")
        # newest first; filters apply to the most recent MAX_PAGE orders of the account
        page = self.core.queries.order_history(conn.user.id, account_id=account_id,
                                               limit=MAX_PAGE)
        out = []
        for order in page.items:
            if self._is_fund(order) or (order_id and order.id != order_id):
                continue
            if coid and mapping.client_order_id(order.client_order_id) != coid:
                continue
            if instrument_id and self.oms.instruments[order.instrument].id != instrument_id:
                continue
            created = mapping.ms(order.created_ns)
            if (start_ms and created < start_ms) or (end_ms and created > end_ms):
                continue
            view = self.views.order(order)
            if state is not None and view.OrderState != state:
                continue
            if skip:
                skip -= 1
                continue
            out.append(view)
            if len(out) == depth:
                break
        return out

    @call("GetTradesHistory", "GetAccountTrades")
    async def get_trades_history(self, conn: Connection, p: Params):
        account_id = p.int("AccountId")
        if account_id:
            self._readable(conn, account_id)
        order_id = p.int("OrderId")
        instrument_id = p.int("InstrumentId")
        depth = min(p.int("Depth") or DEFAULT_DEPTH, MAX_PAGE)
        skip = p.int("StartIndex")
        page = self.core.queries.fills(conn.user.id, account_id=account_id, order_id=order_id,
                                       limit=MAX_PAGE)
        out = []
        for fill in page.items:
            order = self.find(fill.order_id)
            if order is None or self._is_fund(order):
                continue
            if instrument_id and self.oms.instruments[order.instrument].id != instrument_id:
                continue
            if skip:
                skip -= 1
                continue
            out.append(self.views.trade(fill, order))
            if len(out) == depth:
                break
        return out

    def _is_fund(self, order: Order) -> bool:
        inst = self.oms.instruments.get(order.instrument)
        return inst is None or inst.is_fund

    @call("SubscribeAccountEvents")
    async def subscribe_account_events(self, conn: Connection, p: Params):
        account_id = p.int("AccountId", required=True)
        self._readable(conn, account_id)
        conn.subscribe(account_id)
        return schemas.Subscribed(True)

    @call("UnsubscribeAccountEvents")
    async def unsubscribe_account_events(self, conn: Connection, p: Params):
        conn.unsubscribe(p.int("AccountId", required=True))
        return schemas.Unsubscribed(True)

    @call("GetInstruments")
    async def get_instruments(self, conn: Connection, p: Params):
        instruments = sorted(self.oms.instruments_by_id.values(), key=lambda i: i.id)
        return [self.views.instrument_view(i) for i in instruments if not i.is_fund]

    @call("GetUserAccounts")
    async def get_user_accounts(self, conn: Connection, p: Params):
        user = conn.user
        if user.is_operator:
            return sorted(self.oms.accounts)
        return sorted(user.account_ids)
