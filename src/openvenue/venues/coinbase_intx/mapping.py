"""Domain <-> INTX wire: ids, enums, exact decimals, times, views and error titles.

INTX names everything twice, by a 64-bit numeric id and by a UUID. Orders use the core's own
id set (sequence id as ``order_id``, the derived UUID as ``order_uuid``); portfolios are the
core's accounts and instruments keep their core ids, and their UUIDs (and the ids of assets,
which the core does not model) are name-based UUIDs and hashes under the instance's id key, so
they are stable across restarts and distinct between instances.

Statuses fold into the venue's two (WORKING while the core says the order is open, DONE
otherwise) plus an ``event_type`` naming what last happened. Every core refusal maps to one
status and title here, in the venue's Javalin style.
"""

from __future__ import annotations

import hashlib
import time
import uuid as uuidlib
from datetime import UTC, datetime
from decimal import Decimal

from openvenue.domain.accounts import Account
from openvenue.domain.events import OrderFilled
from openvenue.domain.instruments import Instrument, InstrumentKind, TradingState
from openvenue.domain.orders import Order as CoreOrder
from openvenue.domain.orders import OrderStatus, OrderType, StpMode, TimeInForce
from openvenue.domain.reasons import CancelReason, CancelRejectReason, RejectReason
from openvenue.oms.manager import OrderManager
from openvenue.venues.coinbase_intx import schemas
from openvenue.venues.http import HttpError
from openvenue.venues.wire import rfc3339_ms as format_ns

INT64_MAX = (1 << 63) - 1
BRR = "io.javalin.http.BadRequestResponse: "  # the prefix of the venue's 400 titles
NOT_FOUND = "Not Found"
PORTFOLIO_FORBIDDEN = "Unauthorized: portfolio not accessible"

# -- errors --------------------------------------------------------------------------------------


def bad_request(text: str) -> HttpError:
    return HttpError(400, "TITLE", BRR + text)


def required(field: str) -> HttpError:
    return bad_request(f"{field} is a required field")


def rejected(reason: str, text: str) -> HttpError:
    return bad_request(f"Order rejected ({reason} - {text})")


def not_found() -> HttpError:
    return HttpError(404, "TITLE", NOT_FOUND)


def portfolio_forbidden() -> HttpError:
    return HttpError(403, "TITLE", PORTFOLIO_FORBIDDEN)


ALREADY_DONE = ("ORDER_ALREADY_DONE", "order is already done")

# core reason -> the venue's reason word (Decision where the venue documents none)
_REASON_WORD: dict[str, str] = {
    RejectReason.INVALID_PRICE: "INVALID_PRICE",
    RejectReason.INVALID_PRICE_INCREMENT: "INVALID_PRICE",
    RejectReason.INVALID_STOP_PRICE: "INVALID_PRICE",
    RejectReason.INVALID_QUANTITY: "INVALID_SIZE",
    RejectReason.INVALID_QUANTITY_INCREMENT: "INVALID_SIZE",
    RejectReason.BELOW_MIN_SIZE: "INVALID_SIZE",
    RejectReason.INVALID_TIME_IN_FORCE: "INVALID_TIF",
}

_DEFAULT_TEXT: dict[str, str] = {
    RejectReason.DUPLICATE_CLIENT_ORDER_ID: "duplicate client order id detected",
    RejectReason.POST_ONLY_WOULD_CROSS: "post only order would cross",
    RejectReason.NOTHING_TO_CHANGE: "the modify changes nothing",
    RejectReason.ALREADY_PENDING: "a cancel or modify of this order is pending",
    CancelRejectReason.ALREADY_PENDING: "a cancel or modify of this order is pending",
}


def refusal(reason: RejectReason | CancelRejectReason, text: str = "") -> HttpError:
    """The venue's answer to a command the core refused."""
    if reason in (RejectReason.UNKNOWN_ORDER, CancelRejectReason.UNKNOWN_ORDER):
        return not_found()
    if reason in (RejectReason.NOT_AUTHORIZED, RejectReason.UNKNOWN_ACCOUNT,
                  CancelRejectReason.NOT_AUTHORIZED):
        return HttpError(403, "TITLE", "Unauthorized: not permitted to trade in this portfolio")
    if reason in (RejectReason.TOO_LATE_TO_REPLACE, CancelRejectReason.TOO_LATE_TO_CANCEL):
        return rejected(*ALREADY_DONE)
    word = _REASON_WORD.get(reason, str(reason))
    return rejected(word, text or _DEFAULT_TEXT.get(reason, str(reason).lower().replace("_", " ")))


# -- ids -----------------------------------------------------------------------------------------


class Ids:
    """UUIDs and numeric ids of the things the core names by small integers or not at all."""

    def __init__(self, id_key: str) -> None:
        self._namespace = uuidlib.uuid5(uuidlib.NAMESPACE_URL, "openvenue:coinbase_intx:" + id_key)
        self._key = id_key.encode()
        self._cache: dict[str, str] = {}

    def _uuid(self, name: str) -> str:
        value = self._cache.get(name)
        if value is None:
            value = self._cache[name] = str(uuidlib.uuid5(self._namespace, name))
        return value

    def portfolio_uuid(self, account_id: int) -> str:
        return self._uuid(f"portfolio:{account_id}")

    def user_uuid(self, user_id: int) -> str:
        return self._uuid(f"user:{user_id}")

    def instrument_uuid(self, instrument_id: int) -> str:
        return self._uuid(f"instrument:{instrument_id}")

    def asset_uuid(self, name: str) -> str:
        return self._uuid(f"asset:{name}")

    def asset_id(self, name: str) -> str:
        digest = hashlib.blake2b(name.encode(), key=self._key[:64], digest_size=7).digest()
        return str(int.from_bytes(digest, "big") or 1)


# -- enums ---------------------------------------------------------------------------------------

TYPES = {"LIMIT": OrderType.LIMIT, "MARKET": OrderType.MARKET, "STOP": OrderType.STOP,
         "STOP_LIMIT": OrderType.STOP_LIMIT}
ALL_TYPES = frozenset(TYPES) | {"TAKE_PROFIT_STOP_LOSS"}
TIFS = {"GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC, "FOK": TimeInForce.FOK,
        "GTT": TimeInForce.GTD}
_TIF_OUT = {TimeInForce.GTC: "GTC", TimeInForce.IOC: "IOC", TimeInForce.FOK: "FOK",
            TimeInForce.GTD: "GTT", TimeInForce.DAY: "GTT"}  # DAY: placed elsewhere, ends at a time
STP_MODES = {"NONE": StpMode.NONE, "AGGRESSING": StpMode.CANCEL_AGGRESSING,
             "RESTING": StpMode.CANCEL_RESTING, "BOTH": StpMode.CANCEL_BOTH,
             "DECREMENT_AND_CANCEL": StpMode.DECREMENT_AND_CANCEL}
_STP_OUT = {core: wire for wire, core in STP_MODES.items()}
DEFAULT_STP = "BOTH"  # Decision (unverified against the live venue)
SIDES = ("BUY", "SELL")
EVENT_TYPES = frozenset({"NEW", "TRADE", "CANCELED", "REPLACED", "PENDING_CANCEL", "REJECTED",
                         "PENDING_NEW", "EXPIRED", "PENDING_REPLACE", "STOP_TRIGGERED"})
INSTRUMENT_TYPES = {InstrumentKind.CRYPTO_PERP: "PERP", InstrumentKind.CRYPTO_SPOT: "SPOT"}
_TRADING_STATE = {TradingState.TRADING: "TRADING", TradingState.HALTED: "CANCEL_ONLY",
                  TradingState.CLOSED: "DELISTED"}

# why an order was canceled -> the order's ``text`` (the seed shows "client cancel")
_CANCEL_TEXT = {
    CancelReason.REQUESTED: "client cancel",
    CancelReason.MASS_CANCEL: "client cancel",
    CancelReason.IOC_REMAINDER: "unfilled remainder canceled",
    CancelReason.SELF_TRADE: "self trade prevention",
    CancelReason.DISCONNECT: "cancel on disconnect",
    CancelReason.EXPIRED: "expired",
    CancelReason.OPERATOR: "operator cancel",
}

_S = OrderStatus
_STATUS_EVENT = {
    _S.PENDING_NEW: "PENDING_NEW", _S.PARTIALLY_FILLED: "TRADE", _S.FILLED: "TRADE",
    _S.PENDING_CANCEL: "PENDING_CANCEL", _S.CANCELED: "CANCELED", _S.PENDING_REPLACE:
    "PENDING_REPLACE", _S.REPLACED: "REPLACED", _S.REJECTED: "REJECTED", _S.EXPIRED: "EXPIRED",
}


def event_type(order: CoreOrder) -> str:
    """The venue's "most recent event" of an order, read from its state.

    A NEW order that changed after it was accepted was modified (or, for a stop, triggered):
    the only ways a NEW order is touched without leaving NEW.
    """
    status = order.status
    if status is _S.NEW:
        if order.updated_ns == order.created_ns:
            return "NEW"
        if order.triggered and order.type in (OrderType.STOP, OrderType.STOP_LIMIT):
            return "STOP_TRIGGERED"
        return "REPLACED"
    return _STATUS_EVENT[status]


def parse_bool(value: bool | str | None, field: str) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise bad_request(f"Invalid value for {field}: expected true or false")


# -- decimals and times --------------------------------------------------------------------------


def plain(value: Decimal) -> str:
    """A decimal as the venue writes it: plain digits, no exponent, no trailing zeros."""
    if not value:
        return "0"
    return f"{value.normalize():f}"




def parse_time(text: str, field: str) -> int:
    """ISO-8601 (``2023-03-16T23:59:53Z``, fractions and offsets allowed) -> ns since the epoch."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise bad_request(f"Invalid value for {field}: expected an ISO-8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # Decision: a time without zone is UTC
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


# -- views ---------------------------------------------------------------------------------------


def order_view(order: CoreOrder, oms: OrderManager, ids: Ids, *, event: str | None = None
               ) -> schemas.Order:
    inst = oms.instruments[order.instrument]
    filled = order.filled
    average = inst.average_price(order.notional, filled) if filled else None
    is_open = order.is_open
    text = None
    if order.status is OrderStatus.CANCELED:
        text = _CANCEL_TEXT.get(order.done_reason, "canceled")  # type: ignore[call-overload]
    elif order.status is OrderStatus.EXPIRED:
        text = "expired"
    return schemas.Order(
        order_id=str(order.id),
        order_uuid=oms.ids.uuid_text(order.id),
        client_order_id=order.client_order_id,
        side="BUY" if order.is_buy else "SELL",
        instrument_id=str(inst.id),
        instrument_uuid=ids.instrument_uuid(inst.id),
        symbol=inst.symbol,
        portfolio_id=str(order.account_id),
        portfolio_uuid=ids.portfolio_uuid(order.account_id),
        type=str(order.type),
        size=plain(inst.quantity(order.quantity)),
        tif=_TIF_OUT[order.time_in_force],
        order_status="WORKING" if is_open else "DONE",
        # exec + leaves = size, also once the order is done (Decision, unverified)
        leaves_qty=plain(inst.quantity(order.quantity - filled)),
        exec_qty=plain(inst.quantity(filled)),
        avg_price="0" if average is None else plain(average),
        fee=plain(inst.notional(order.fees)),
        post_only=order.post_only,
        close_only=False,
        reduce_only=False,
        event_type=event or event_type(order),
        event_time=format_ns(order.updated_ns),
        submit_time=format_ns(order.created_ns),
        price=plain(inst.price(order.price)) if order.price else None,
        stop_price=plain(inst.price(order.stop_price)) if order.stop_price else None,
        stop_limit_price=None,
        expire_time=format_ns(order.expire_ns) if order.expire_ns else None,
        stp_mode=_STP_OUT[order.stp],
        algo_strategy=None,
        text=text,
    )


def fill_view(fill: OrderFilled, order: CoreOrder, inst: Instrument, ids: Ids) -> schemas.Fill:
    return schemas.Fill(
        portfolio_id=str(fill.account_id),
        portfolio_uuid=ids.portfolio_uuid(fill.account_id),
        fill_id=str(fill.seq),  # unique per fill (a trade has two fills, one per side)
        symbol=inst.symbol,
        fill_price=plain(inst.price(fill.price)),
        fill_qty=plain(inst.quantity(fill.quantity)),
        side="BUY" if order.is_buy else "SELL",
        event_time=format_ns(fill.ts),
        order_id=str(order.id),
        client_order_id=order.client_order_id,
        instrument_id=str(inst.id),
        instrument_uuid=ids.instrument_uuid(inst.id),
        fee=plain(inst.notional(fill.fee)),
        liquidity_indicator=str(fill.liquidity),
        fee_asset=inst.quote_asset or inst.currency,
    )


def portfolio_view(account: Account, user_id: int, is_default: bool, ids: Ids,
                   fee_rates: tuple[str, str]) -> schemas.Portfolio:
    return schemas.Portfolio(
        portfolio_id=str(account.id), portfolio_uuid=ids.portfolio_uuid(account.id),
        name=account.name or f"portfolio-{account.id}", user_uuid=ids.user_uuid(user_id),
        maker_fee_rate=fee_rates[0], taker_fee_rate=fee_rates[1], trading_lock=False,
        withdrawal_lock=False, borrow_disabled=False, is_lsp=False, is_default=is_default,
        cross_collateral_enabled=False, auto_margin_enabled=False,
        pre_launch_trading_enabled=False, position_offsets_enabled=False,
        margin_call_enabled=False, close_only=False, forced_liquidation=False,
        disable_overdraft_protection=False,
    )


def instrument_view(inst: Instrument, oms: OrderManager, ids: Ids) -> schemas.Instrument:
    base, quote = inst.base_asset, inst.quote_asset or inst.currency
    book = oms.engine.books.get(inst.symbol)
    bids, asks = book.depth(1) if book is not None else ([], [])
    last = book.last_price if book is not None else 0

    def price(ticks: int) -> str:
        return plain(inst.price(ticks))

    def size(lots: int) -> str:
        return plain(inst.quantity(lots))

    quote_view = schemas.Quote(
        best_bid_price=price(bids[0][0]) if bids else None,
        best_bid_size=size(bids[0][1]) if bids else None,
        best_ask_price=price(asks[0][0]) if asks else None,
        best_ask_size=size(asks[0][1]) if asks else None,
        trade_price=price(last) if last else None,
        trade_qty=None, index_price=None, mark_price=None, settlement_price=None,
        limit_up=None, limit_down=None, predicted_funding=None,
        timestamp=format_ns(time.time_ns()),
    )
    is_perp = inst.kind is InstrumentKind.CRYPTO_PERP
    return schemas.Instrument(
        instrument_id=str(inst.id), instrument_uuid=ids.instrument_uuid(inst.id),
        symbol=inst.symbol, type=INSTRUMENT_TYPES[inst.kind], mode="STANDARD",
        base_asset_id=ids.asset_id(base), base_asset_uuid=ids.asset_uuid(base),
        base_asset_name=base, quote_asset_id=ids.asset_id(quote),
        quote_asset_uuid=ids.asset_uuid(quote), quote_asset_name=quote,
        base_increment=plain(inst.lot_size), quote_increment=plain(inst.tick_size),
        # No price bands or market-order collars in the core: reported as zero.
        price_band_percent=0.0, market_order_percent=0.0,
        qty_24hr="0", notional_24hr="0", avg_daily_qty="0", avg_daily_notional="0",
        avg_30day_notional="0", avg_30day_qty="0", previous_day_qty="0", open_interest="0",
        position_limit_qty="0", position_limit_adq_pct=0.0, replacement_cost="0", base_imf=0.0,
        min_notional_value="0", min_quantity=plain(inst.min_size),
        funding_interval="3600000000000" if is_perp else "0",
        trading_state=_TRADING_STATE[inst.trading_state], quote=quote_view,
        base_asset_multiplier="1", underlying_type="SPOT", rfq_maker_fee_rate="0",
        position_notional_limit=None, open_interest_notional_limit=None, default_imf=None,
    )


def asset_view(name: str, ids: Ids) -> schemas.Asset:
    return schemas.Asset(asset_id=ids.asset_id(name), asset_uuid=ids.asset_uuid(name),
                         asset_name=name, status="ACTIVE", collateral_weight="1",
                         supported_networks_enabled=False,
                         ecosystem_collateral_limit_breached=False)
