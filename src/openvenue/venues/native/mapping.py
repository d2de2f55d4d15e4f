"""Domain <-> native wire: exact decimals, times, order and fill views, and error statuses.

Every refusal the core can give maps to one HTTP status here, so the same reason always gets
the same answer: 403 for what the user may not do, 404 for orders it cannot see (whether they
exist or not), 409 for conflicts with the order's current state, 422 for orders the venue's
rules refuse. 400 is kept for requests that are malformed before the core sees them.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

import msgspec

from openvenue.domain.events import OrderFilled
from openvenue.domain.instruments import Instrument
from openvenue.domain.orders import Order
from openvenue.domain.reasons import CancelRejectReason, RejectReason
from openvenue.oms.manager import OrderManager
from openvenue.venues.http import HttpError
from openvenue.venues.native import schemas
from openvenue.venues.wire import rfc3339_ns as format_ns

# Beyond these a decimal cannot be an order's price or size on any grid, and the exact
# arithmetic that checks the grid would overflow or underflow its context: refuse it up front,
# looking only at the digits and exponent (arithmetic on such a value is what would fail).
MAX_ADJUSTED_EXPONENT = 17  # below 10**18
MIN_EXPONENT = -30
MAX_DIGITS = 40

R, C = RejectReason, CancelRejectReason
STATUS_BY_REASON: dict[str, int] = {
    R.NOT_AUTHORIZED: 403,
    R.UNKNOWN_ACCOUNT: 404,
    R.UNKNOWN_ORDER: 404,
    R.DUPLICATE_CLIENT_ORDER_ID: 409,
    R.TOO_LATE_TO_REPLACE: 409,
    R.ALREADY_PENDING: 409,
    C.TOO_LATE_TO_CANCEL: 409,
}
del R, C


def status_for(reason: str) -> int:
    return STATUS_BY_REASON.get(reason, 422)


def refusal(reason: RejectReason | CancelRejectReason, text: str = "") -> HttpError:
    return HttpError(status_for(reason), str(reason), text or _DEFAULT_TEXT.get(reason, str(reason)))


_DEFAULT_TEXT = {
    CancelRejectReason.UNKNOWN_ORDER: "no such order",
    CancelRejectReason.TOO_LATE_TO_CANCEL: "the order is already done (filled, canceled, expired "
                                           "or replaced)",
    CancelRejectReason.ALREADY_PENDING: "a cancel or replace of this order is already pending",
    CancelRejectReason.NOT_AUTHORIZED: "not permitted to act on this account",
    RejectReason.UNKNOWN_ORDER: "no such order",
    RejectReason.TOO_LATE_TO_REPLACE: "the order is already done",
    RejectReason.ALREADY_PENDING: "a cancel or replace of this order is already pending",
    RejectReason.NOT_AUTHORIZED: "not permitted to act on this account",
    RejectReason.DUPLICATE_CLIENT_ORDER_ID: "the client order id is already used on this account",
    RejectReason.POST_ONLY_WOULD_CROSS: "a post-only order would take liquidity",
    RejectReason.NOTHING_TO_CHANGE: "the replace changes nothing",
}

_FIELD_REASON = {
    "quantity": RejectReason.INVALID_QUANTITY,
    "price": RejectReason.INVALID_PRICE,
    "stop_price": RejectReason.INVALID_STOP_PRICE,
    "cash_amount": RejectReason.INVALID_AMOUNT,
}


def parse_decimal(text: str | None, field: str) -> Decimal | None:
    """A wire decimal string as an exact Decimal, refusing what no order could carry."""
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise HttpError(400, "INVALID_REQUEST", f"{field} is not a decimal number") from None
    if (not value.is_finite() or value.adjusted() > MAX_ADJUSTED_EXPONENT
            or value.as_tuple().exponent < MIN_EXPONENT
            or len(value.as_tuple().digits) > MAX_DIGITS):
        reason = _FIELD_REASON.get(field)
        code = str(reason) if reason else "INVALID_REQUEST"
        raise HttpError(400 if reason is None else 422, code, f"{field} {text} is out of range")
    return value


def parse_admin_decimal(text: str, field: str) -> Decimal:
    value = parse_decimal(text, field)
    assert value is not None
    return value


_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$")


def parse_time(text: str, field: str) -> int:
    """RFC 3339 time -> nanoseconds since the epoch (fractions to the nanosecond)."""
    match = _TIME.match(text)
    if match is None:
        raise HttpError(400, "INVALID_REQUEST", f"{field} must be an RFC 3339 time such as "
                        "2026-01-02T15:04:05Z")
    base, fraction, zone = match.groups()
    try:
        moment = datetime.fromisoformat(base + ("+00:00" if zone in "Zz" else zone))
    except ValueError:
        raise HttpError(400, "INVALID_REQUEST", f"{field} is not a valid time") from None
    nanos = int((fraction or "").ljust(9, "0"))
    return int(moment.timestamp()) * 1_000_000_000 + nanos


class _Scale(dict):
    """Integer units of a decimal step as a plain decimal string, in integer arithmetic.

    Gives exactly what ``f"{units * step:f}"`` gives, several times faster, and remembers the
    strings it made: an order view formats half a dozen of these, and the same prices and sizes
    come back again and again. Used as ``scale[units]``: a hit is a plain dict lookup, a miss
    is computed by ``__missing__``; bounded, then started over.
    """

    __slots__ = ("mult", "places")

    LIMIT = 1 << 14

    def __init__(self, step: Decimal) -> None:
        super().__init__()
        _, digits, exponent = step.as_tuple()
        mult = int("".join(map(str, digits)) or "0")
        if exponent >= 0:
            self.mult, self.places = mult * 10 ** exponent, 0
        else:
            self.mult, self.places = mult, -exponent

    def __missing__(self, units: int) -> str:
        value = units * self.mult
        places = self.places
        if not places:
            text = str(value)
        else:
            digits = str(-value if value < 0 else value).rjust(places + 1, "0")
            text = ("-" if value < 0 else "") + digits[:-places] + "." + digits[-places:]
        if len(self) >= self.LIMIT:
            self.clear()
        self[units] = text
        return text


_SCALES: dict[str, tuple[Instrument, _Scale, _Scale, _Scale]] = {}


def scales(inst: Instrument) -> tuple[Instrument, _Scale, _Scale, _Scale]:
    """(instrument, price, quantity, amount) formatters; rebuilt if the instrument is redefined."""
    entry = _SCALES.get(inst.symbol)
    if entry is None or entry[0] is not inst:
        entry = _SCALES[inst.symbol] = (inst, _Scale(inst.tick_size), _Scale(inst.lot_size),
                                        _Scale(inst.amount_increment))
    return entry


class _OrderTexts(dict):
    """Order id -> (UUID, ULID, created_at) strings. All three are pure functions of the order's
    id and creation time, and an order is shown again and again (placed, listed, canceled);
    bounded, then started over."""

    LIMIT = 1 << 18

    def get_texts(self, oms: OrderManager, order: Order) -> tuple[str, str, str]:
        texts = self.get(order.id)
        if texts is None:
            if len(self) >= self.LIMIT:
                self.clear()
            codec = oms.ids
            texts = self[order.id] = (codec.uuid_text(order.id),
                                      codec.ulid_text(order.id, order.created_ns),
                                      format_ns(order.created_ns))
        return texts


_texts = _OrderTexts()


def _plain(value: Decimal) -> str:
    """A decimal as plain digits (no exponent), trailing zeros of the grid kept."""
    return f"{value:f}"


# -- views --------------------------------------------------------------------------------------


# order_view passes these positionally: a reordered schema must fail at import, not swap fields.
_ORDER_FIELDS = (
    "id", "uuid", "ulid", "client_order_id", "account_id", "user_id", "instrument", "side", "type",
    "time_in_force", "status", "quantity", "filled_quantity", "leaves_quantity", "price",
    "stop_price", "average_fill_price", "cash_amount", "post_only", "stp_mode", "expire_time",
    "created_at", "updated_at", "done_reason", "replaces", "replaced_by",
)
if schemas.Order.__struct_fields__ != _ORDER_FIELDS:
    raise ImportError("schemas.Order's fields changed: update order_view and _ORDER_FIELDS")


def order_view(order: Order, oms: OrderManager) -> schemas.Order:
    inst = oms.instruments[order.instrument]
    _, price_of, qty_of, amount_of = scales(inst)
    uuid, ulid, created_at = _texts.get_texts(oms, order)
    filled = order.filled
    average = inst.average_price(order.notional, filled) if filled else None
    # Positional, in schemas.Order's field order: every reply carries one of these, and
    # msgspec matches 26 keywords noticeably slower than it takes 26 positions.
    return schemas.Order(
        order.id,
        uuid,
        ulid,
        order.client_order_id,
        order.account_id,
        order.user_id,
        order.instrument,
        order.side,
        order.type,
        order.time_in_force,
        order.status,
        qty_of[order.quantity],
        qty_of[filled],
        qty_of[order.leaves],
        price_of[order.price] if order.price else None,
        price_of[order.stop_price] if order.stop_price else None,
        None if average is None else _plain(average),
        amount_of[order.cash_amount] if order.cash_amount else None,
        order.post_only,
        order.stp,
        format_ns(order.expire_ns) if order.expire_ns else None,
        created_at,
        format_ns(order.updated_ns),
        order.done_reason or None,
        order.replaces or None,
        order.replaced_by or None,
    )


def fill_view(fill: OrderFilled, oms: OrderManager) -> schemas.Fill:
    order = oms.index.orders[fill.order_id]
    inst = oms.instruments[order.instrument]
    return schemas.Fill(
        seq=fill.seq,
        trade_id=fill.trade_id,
        order_id=fill.order_id,
        account_id=fill.account_id,
        instrument=order.instrument,
        side=order.side,
        price=_plain(inst.price(fill.price)),
        quantity=_plain(inst.quantity(fill.quantity)),
        cash_amount=_plain(inst.amount(fill.cash_amount)) if fill.cash_amount else None,
        liquidity=fill.liquidity,
        fee=_plain(inst.notional(fill.fee)),
        leaves_quantity=_plain(inst.quantity(fill.leaves)),
        time=format_ns(fill.ts),
    )


def instrument_view(inst: Instrument) -> schemas.Instrument:
    return schemas.Instrument(
        id=inst.id, symbol=inst.symbol, kind=inst.kind, tick_size=_plain(inst.tick_size),
        lot_size=_plain(inst.lot_size), min_size=_plain(inst.min_size),
        trading_state=inst.trading_state, currency=inst.currency, base_asset=inst.base_asset,
        quote_asset=inst.quote_asset, underlying=inst.underlying, put_call=inst.put_call,
        strike=None if inst.strike is None else _plain(inst.strike),
        expiry=None if inst.expiry is None else inst.expiry.isoformat(), isin=inst.isin,
        amount_increment=_plain(inst.amount_increment), min_amount=_plain(inst.min_amount),
        maker_fee_rate=_plain(inst.maker_fee_rate), taker_fee_rate=_plain(inst.taker_fee_rate),
    )


# -- events (WebSocket) ---------------------------------------------------------------------------

_PRICE_FIELDS = ("price", "stop_price", "last_price")
_QTY_FIELDS = ("quantity", "canceled_quantity", "expired_quantity", "reduced_by")
_TIME_FIELDS = ("expire_ns", "due_ns")


def event_view(event, oms: OrderManager) -> dict:
    """An order event as a WebSocket message: decimals as strings, times as RFC 3339."""
    fields = msgspec.structs.asdict(event)
    message: dict = {"type": "event", "seq": fields.pop("seq"), "event": type(event).__name__,
                     "time": format_ns(fields.pop("ts"))}
    symbol = fields.get("instrument")
    if symbol is None:
        order = oms.index.orders.get(fields.get("order_id", 0))
        symbol = None if order is None else order.instrument
        if symbol is not None:
            message["instrument"] = symbol
    inst = oms.instruments.get(symbol) if symbol else None
    for name, value in fields.items():
        if inst is not None:
            if name in _PRICE_FIELDS:
                value = _plain(inst.price(value)) if value else None
            elif name in _QTY_FIELDS:
                value = _plain(inst.quantity(value))
            elif name == "leaves":
                name, value = "leaves_quantity", _plain(inst.quantity(value))
            elif name == "cash_amount":
                value = _plain(inst.amount(value)) if value else None
            elif name == "fee":
                value = _plain(inst.notional(value))
        if name in _TIME_FIELDS:
            name, value = name[:-3] + "_time", format_ns(value) if value else None
        elif name == "stp":
            name = "stp_mode"
        message[name] = value
    return message
