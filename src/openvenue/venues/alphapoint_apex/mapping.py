"""Domain <-> APEX: enums, error codes, the order and trade objects, and account events.

Requests carry APEX's integer enums; order objects and events carry its strings. The core's
order status and reasons map onto APEX's OrderState / ChangeReason pairs (contract, section 5).
Ids are the core's: OrderId is the order's int64 sequence id, InstrumentId the instrument's id,
AccountId the account's; an APEX ClientOrderId (a long) is the core's client order id as digits.
"""

from __future__ import annotations

from decimal import Decimal

from openvenue.domain import events as ev
from openvenue.domain.instruments import Instrument
from openvenue.domain.orders import Order, OrderStatus, OrderType, Side, TimeInForce
from openvenue.domain.reasons import CancelReason, CancelRejectReason, RejectReason
from openvenue.oms.manager import OrderManager
from openvenue.venues.alphapoint_apex import schemas

OMS_ID = 1
ZERO = Decimal(0)
# .NET ticks (100 ns since 0001-01-01) of the Unix epoch: APEX's *Ticks fields
_EPOCH_TICKS = 621_355_968_000_000_000

# -- errors ------------------------------------------------------------------------------------------

NOT_AUTHORIZED, INVALID_REQUEST, OPERATION_FAILED, SERVER_ERROR = 20, 100, 101, 102
NOT_FOUND, NOT_SUPPORTED = 104, 106
ERROR_MESSAGES = {
    NOT_AUTHORIZED: "Not Authorized",
    INVALID_REQUEST: "Invalid Request",
    OPERATION_FAILED: "Operation Failed",
    SERVER_ERROR: "Server Error",
    NOT_FOUND: "Resource Not Found",
    NOT_SUPPORTED: "Operation Not Supported",
}


class ApexError(Exception):
    """A business error: answered as an ``m: 1`` reply with the generic body."""

    def __init__(self, code: int, detail: str | None = None) -> None:
        super().__init__(detail or ERROR_MESSAGES[code])
        self.code = code
        self.detail = detail

    def body(self) -> schemas.Generic:
        return schemas.Generic(False, ERROR_MESSAGES[self.code], self.code, self.detail)


OK = schemas.Generic(True, None, 0, None)

_NOT_FOUND_REASONS = frozenset({RejectReason.UNKNOWN_ORDER, RejectReason.UNKNOWN_ACCOUNT,
                                CancelRejectReason.UNKNOWN_ORDER})


def error_for(reason: RejectReason | CancelRejectReason, text: str = "") -> ApexError:
    """The generic error for a core refusal of a call that names an order or account."""
    if reason in (RejectReason.NOT_AUTHORIZED, CancelRejectReason.NOT_AUTHORIZED):
        return ApexError(NOT_AUTHORIZED)
    if reason in _NOT_FOUND_REASONS:
        return ApexError(NOT_FOUND)
    return ApexError(OPERATION_FAILED, text or str(reason))


def send_order_refusal(reason: RejectReason, text: str) -> schemas.SendOrderRejected:
    """SendOrder's refusal, with APEX's own reject texts where it has one."""
    if reason is RejectReason.NOT_AUTHORIZED:
        code, message = NOT_AUTHORIZED, ERROR_MESSAGES[NOT_AUTHORIZED]
    elif reason in (RejectReason.DUPLICATE_CLIENT_ORDER_ID, RejectReason.INVALID_CLIENT_ORDER_ID):
        code, message = OPERATION_FAILED, "Invalid_ClientOrderId"
    elif reason is RejectReason.UNKNOWN_ACCOUNT:
        code, message = NOT_FOUND, ERROR_MESSAGES[NOT_FOUND]
    else:
        code, message = OPERATION_FAILED, ERROR_MESSAGES[OPERATION_FAILED]
    return schemas.SendOrderRejected(False, "Rejected", message, code, text or str(reason))


# -- request enums (integers) -------------------------------------------------------------------------

SIDES = {0: Side.BUY, 1: Side.SELL, 2: Side.SELL_SHORT}
ORDER_TYPES = {1: OrderType.MARKET, 2: OrderType.LIMIT, 3: OrderType.STOP, 4: OrderType.STOP_LIMIT}
UNSUPPORTED_ORDER_TYPES = {5: "TrailingStopMarket", 6: "TrailingStopLimit", 7: "BlockTrade"}
# GTX ("good till crossing") is a post-only GTC order; 5 is mapped in calls.send_order
TIME_IN_FORCE = {1: TimeInForce.GTC, 3: TimeInForce.IOC, 4: TimeInForce.FOK}
UNSUPPORTED_TIME_IN_FORCE = {2: "OPG", 6: "GTD"}
GTX = 5

# -- response enums (strings) -------------------------------------------------------------------------

SIDE_NAMES = {Side.BUY: "Buy", Side.SELL: "Sell", Side.SELL_SHORT: "Short",
              Side.BUY_TO_COVER: "Buy"}
ORDER_TYPE_NAMES = {OrderType.MARKET: "Market", OrderType.LIMIT: "Limit",
                    OrderType.STOP: "StopMarket", OrderType.STOP_LIMIT: "StopLimit"}
ORDER_STATES = {"Working", "Rejected", "Canceled", "Expired", "FullyExecuted"}
_STATE = {
    OrderStatus.PENDING_NEW: "Working",
    OrderStatus.NEW: "Working",
    OrderStatus.PARTIALLY_FILLED: "Working",
    # a pending cancel or replace is invisible in APEX: the order works until the outcome
    OrderStatus.PENDING_CANCEL: "Working",
    OrderStatus.PENDING_REPLACE: "Working",
    OrderStatus.FILLED: "FullyExecuted",
    OrderStatus.CANCELED: "Canceled",
    OrderStatus.REPLACED: "Canceled",  # cancel/replace: the old order ends canceled
    OrderStatus.REJECTED: "Rejected",
    OrderStatus.EXPIRED: "Expired",
}
USER_MODIFIED = "UserModified"
# Why a cancel happened, as APEX's ChangeReason / CancelReason
_CANCEL_CHANGE = {
    CancelReason.REQUESTED: USER_MODIFIED,
    CancelReason.MASS_CANCEL: USER_MODIFIED,
    CancelReason.OPERATOR: USER_MODIFIED,
    CancelReason.DISCONNECT: USER_MODIFIED,  # the user's own session asked for it at login
    CancelReason.IOC_REMAINDER: "SystemCanceled_NoMoreMarket",
    CancelReason.SELF_TRADE: "OtherRejected",
    CancelReason.EXPIRED: "Expired",
}
CANCEL_REJECT_TEXT = {
    CancelRejectReason.TOO_LATE_TO_CANCEL: "Order Not Found",
    CancelRejectReason.ALREADY_PENDING: "Order Pending Cancel",
}


def state_of(order: Order) -> tuple[str, str]:
    """(OrderState, ChangeReason) for an order read outside any event."""
    status = order.status
    state = _STATE[status]
    if status is OrderStatus.CANCELED:
        return state, _CANCEL_CHANGE.get(order.done_reason, USER_MODIFIED)
    if status is OrderStatus.REPLACED:
        return state, USER_MODIFIED
    if status is OrderStatus.EXPIRED:
        return state, "Expired"
    if order.filled:
        return state, "Trade"
    return state, "NewInputAccepted"


def client_order_id(text: str) -> int:
    """An APEX ClientOrderId is a long; ids set through other faces may not be one: 0."""
    if text.isascii() and text.isdigit() and len(text) <= 19:
        value = int(text)
        return value if value < 1 << 63 else 0
    return 0


def ms(ns: int) -> int:
    return ns // 1_000_000


def ticks(ns: int) -> int:
    """.NET ticks at the same millisecond as ``ms(ns)``, as APEX fills them."""
    return ns // 1_000_000 * 10_000 + _EPOCH_TICKS


# -- order and trade objects --------------------------------------------------------------------------


class Views:
    """Builds APEX objects from the core's orders and fills (reads reference data and books)."""

    def __init__(self, oms: OrderManager) -> None:
        self.oms = oms

    def instrument(self, symbol: str) -> Instrument:
        return self.oms.instruments[symbol]

    def _inside(self, inst: Instrument) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
        book = self.oms.engine.books.get(inst.symbol)
        if book is None:
            return ZERO, ZERO, ZERO, ZERO, ZERO
        bids, asks = book.depth(1)
        bid, bid_size = (inst.price(bids[0][0]), inst.quantity(bids[0][1])) if bids else (ZERO, ZERO)
        ask, ask_size = (inst.price(asks[0][0]), inst.quantity(asks[0][1])) if asks else (ZERO, ZERO)
        return ask, ask_size, bid, bid_size, inst.price(book.last_price)

    def order(self, order: Order, *, state: str | None = None, change: str | None = None,
              leaves: int | None = None, filled: int | None = None,
              notional: int | None = None) -> schemas.Order:
        """The order object; an event passes the state and quantities as of that event."""
        oms = self.oms
        inst = oms.instruments[order.instrument]
        if state is None:
            state, change = state_of(order)
        if leaves is None:
            leaves = order.leaves if state == "Working" else 0
        if filled is None:
            filled, notional = order.filled, order.notional
        elif notional is None:
            notional = 0 if filled == 0 else order.notional
        account = oms.accounts.get(order.account_id)
        user = oms.users.get(order.user_id)
        coid = client_order_id(order.client_order_id)
        original = oms.index.orders.get(order.replaces) if order.replaces else None
        ask, ask_size, bid, bid_size, last = self._inside(inst)
        avg = inst.average_price(notional, filled) if filled else None
        cancel_reason = ""
        if state == "Canceled":
            cancel_reason = change or USER_MODIFIED
        remaining = inst.quantity(leaves)
        flag = "AddedToBook" if order.type is not OrderType.MARKET else "NoAccountRiskCheck"
        if state != "Working" and order.type is not OrderType.MARKET:
            flag = "AddedToBook, RemovedFromBook"
        return schemas.Order(
            Side=SIDE_NAMES[order.side],
            OrderId=order.id,
            Price=inst.price(order.price),
            Quantity=remaining,
            DisplayQuantity=remaining,
            Instrument=inst.id,
            Account=order.account_id,
            AccountName=account.name if account is not None else "",
            OrderType=ORDER_TYPE_NAMES[order.type],
            ClientOrderId=coid,
            OrderState=state,
            ReceiveTime=ms(order.created_ns),
            ReceiveTimeTicks=ticks(order.created_ns),
            LastUpdatedTime=ms(order.updated_ns),
            LastUpdatedTimeTicks=ticks(order.updated_ns),
            OrigQuantity=inst.quantity(order.quantity),
            QuantityExecuted=inst.quantity(filled),
            GrossValueExecuted=inst.notional(notional),
            ExecutableValue=ZERO,
            AvgPrice=avg if avg is not None else ZERO,
            CounterPartyId=0,
            ChangeReason=change or "Unknown",
            OrigOrderId=order.replaces or order.id,
            OrigClOrdId=client_order_id(original.client_order_id) if original is not None else coid,
            EnteredBy=order.user_id,
            UserName=user.name if user is not None else "",
            IsQuote=False,
            InsideAsk=ask,
            InsideAskSize=ask_size,
            InsideBid=bid,
            InsideBidSize=bid_size,
            LastTradePrice=last,
            RejectReason="",
            IsLockedIn=False,
            CancelReason=cancel_reason,
            OrderFlag=flag,
            UseMargin=False,
            StopPrice=inst.price(order.stop_price),
            PegPriceType="Unknown",
            PegOffset=ZERO,
            PegLimitOffset=ZERO,
            IpAddress=None,
            IPv6a=0,
            IPv6b=0,
            ClientOrderIdUuid=None,
            OMSId=OMS_ID,
        )

    def trade(self, fill: ev.OrderFilled, order: Order) -> schemas.Trade:
        oms = self.oms
        inst = oms.instruments[order.instrument]
        account = oms.accounts.get(order.account_id)
        user = oms.users.get(order.user_id)
        quantity, price = inst.quantity(fill.quantity), inst.price(fill.price)
        return schemas.Trade(
            OMSId=OMS_ID,
            ExecutionId=fill.seq,
            TradeId=fill.trade_id,
            OrderId=order.id,
            AccountId=order.account_id,
            AccountName=account.name if account is not None else "",
            SubAccountId=0,
            ClientOrderId=client_order_id(order.client_order_id),
            InstrumentId=inst.id,
            Side=SIDE_NAMES[order.side],
            OrderType=ORDER_TYPE_NAMES[order.type],
            Quantity=quantity,
            RemainingQuantity=inst.quantity(fill.leaves),
            Price=price,
            Value=quantity * price,
            # the other side's account is not the trader's to know (no existence leaks)
            CounterParty="0",
            ContraAcctId=0,
            OrderTradeRevision=1,
            Direction="NoChange",
            IsBlockTrade=False,
            Fee=inst.notional(fill.fee) if fill.fee else ZERO,
            FeeProductId=0,
            OrderOriginator=order.user_id,
            UserName=user.name if user is not None else "",
            TradeTimeMS=ms(fill.ts),
            MakerTaker="Maker" if fill.liquidity == "MAKER" else "Taker",
            AdapterTradeId=0,
            IsQuote=False,
            TradeTime=ticks(fill.ts),
        )

    def instrument_view(self, inst: Instrument) -> schemas.Instrument:
        base = inst.base_asset or inst.symbol
        quote = inst.quote_asset or inst.currency
        return schemas.Instrument(
            OMSId=OMS_ID, InstrumentId=inst.id, Symbol=inst.symbol, Product1=0,
            Product1Symbol=base, Product2=0, Product2Symbol=quote, InstrumentType="Standard",
            VenueInstrumentId=inst.id, VenueId=1, SortIndex=inst.id,
            SessionStatus="Running" if inst.trading_state == "TRADING" else "Paused",
            PreviousSessionStatus="Stopped", SessionStatusDateTime="0001-01-01T00:00:00Z",
            SelfTradePrevention=False, QuantityIncrement=inst.lot_size,
            PriceIncrement=inst.tick_size, MinimumQuantity=inst.min_size,
            MinimumPrice=inst.tick_size, VenueSymbol=inst.symbol,
            IsDisable=inst.trading_state == "CLOSED", MasterDataId=0,
            PriceCollarThreshold=ZERO, PriceCollarPercent=ZERO, PriceCollarEnabled=False,
            PriceFloorLimit=ZERO, PriceFloorLimitEnabled=False, PriceCeilingLimit=ZERO,
            PriceCeilingLimitEnabled=False, CreateWithMarketRunning=True,
            AllowOnlyMarketMakerCounterParty=False,
        )

    # -- account events ---------------------------------------------------------------------------

    def event_messages(self, event: ev.Event, find) -> list[tuple[str, object]]:
        """The APEX events (name, body) one core event becomes; ``find(order_id)`` reads an order.

        Built when the event is delivered, so quantities come from the event itself and the rest
        from the order as it is then. Refusals the caller already got in a reply (unknown order,
        not authorised, rejected replace) become no event.
        """
        kind = type(event)
        if kind is ev.OrderRejected:
            return [("NewOrderRejectEvent", schemas.NewOrderRejectEvent(
                OMS_ID, event.account_id, client_order_id(event.client_order_id), "Rejected",
                event.text or str(event.reason)))]
        if kind is ev.CancelRejected:
            text = CANCEL_REJECT_TEXT.get(event.reason)
            order = find(event.order_id) if text is not None else None
            if order is None:
                return []
            return [("CancelOrderRejectEvent", schemas.CancelOrderRejectEvent(
                OMS_ID, order.account_id, order.id, 0, ORDER_TYPE_NAMES[order.type],
                self.oms.instruments[order.instrument].id, "Rejected", text))]
        order_id = getattr(event, "order_id", 0)
        order = find(order_id) if order_id else None
        if order is None or order.instrument not in self.oms.instruments:
            return []
        if kind is ev.OrderAccepted:
            return [("OrderStateEvent", self.order(order, state="Working",
                                                   change="NewInputAccepted",
                                                   leaves=event.quantity, filled=0))]
        if kind is ev.OrderFilled:
            filled, notional = self._executed_as_of(order, event)
            return [
                ("OrderTradeEvent", self.trade(event, order)),
                ("OrderStateEvent", self.order(
                    order, state="Working" if event.leaves else "FullyExecuted", change="Trade",
                    leaves=event.leaves, filled=filled, notional=notional)),
            ]
        if kind is ev.OrderCanceled:
            change = _CANCEL_CHANGE.get(event.reason, USER_MODIFIED)
            return [("OrderStateEvent", self.order(order, state="Canceled", change=change,
                                                   leaves=0))]
        if kind is ev.OrderExpired:
            return [("OrderStateEvent", self.order(order, state="Expired", change="Expired",
                                                   leaves=0))]
        if kind is ev.OrderReplaced:
            if event.new_order_id:  # cancel/replace: the old order ends; the new one is accepted
                return [("OrderStateEvent", self.order(order, state="Canceled",
                                                       change=USER_MODIFIED, leaves=0))]
            return [("OrderStateEvent", self.order(order, state="Working", change=USER_MODIFIED,
                                                   leaves=event.leaves))]
        if kind is ev.OrderReduced:
            return [("OrderStateEvent", self.order(order, state="Working", change="OtherRejected",
                                                   leaves=event.leaves))]
        return []  # pending cancel, stop triggered, fund desk: no APEX state change

    def _executed_as_of(self, order: Order, fill: ev.OrderFilled) -> tuple[int, int]:
        """The order's filled lots and notional just after ``fill``: the order may have filled
        further since (in the same command, or before a journaled event was released)."""
        filled, notional = order.filled, order.notional
        for later in reversed(self.oms.fills.get(order.account_id, ())):
            if later.seq <= fill.seq:
                break
            if later.order_id == order.id:
                filled -= later.quantity
                notional -= later.price * later.quantity
        return filled, notional
