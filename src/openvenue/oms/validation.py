"""Validation of new orders: everything a PlaceOrder must satisfy before the book sees it.

Returns the order's values on its instrument's integer grid, or the reason it is refused.
Decimals that are not finite, not positive, off the grid or beyond int64 range are refused,
never rounded.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import msgspec

try:
    import cython
except ImportError:  # uncompiled, without Cython installed: its decorators do nothing
    from openvenue.domain import _cython_shim as cython

from openvenue.domain.commands import PlaceOrder
from openvenue.domain.instruments import Instrument, TradingState
from openvenue.domain.orders import OrderType, Side, TimeInForce
from openvenue.domain.reasons import RejectReason as R

MAX_UNITS = (1 << 62) - 1  # ticks, lots and amount units all fit a signed 64-bit journal field
MAX_CLIENT_ORDER_ID = 128

_TRADING = TradingState.TRADING
_LIMIT = OrderType.LIMIT
_MARKET = OrderType.MARKET
_STOP = OrderType.STOP
_STOP_LIMIT = OrderType.STOP_LIMIT
_GTD = TimeInForce.GTD
_IOC = TimeInForce.IOC
_FOK = TimeInForce.FOK


# Every field of a PlaceOrder in one C call, in declaration order. Compiled code reads a msgspec
# struct's attributes through the generic attribute protocol, and placing an order needs nearly
# all of them, several times: one tuple, unpacked, is several times cheaper. The unpacking
# statements list the fields in order; a field added to PlaceOrder makes them fail loudly.
place_fields = msgspec.structs.astuple


class Rejection(Exception):
    """Raised inside validation; carries the reason and a human text for the venue's message."""

    def __init__(self, reason: R, text: str) -> None:
        super().__init__(text)
        self.reason = reason
        self.text = text


def on_grid(value: Decimal, step: Decimal, off_grid: R, invalid: R, what: str) -> int:
    """``value`` as a whole number of ``step``; refuses non-positive, non-finite and off-grid."""
    if not value.is_finite() or value <= 0:
        raise Rejection(invalid, f"{what} must be a positive number")
    try:
        units, rest = divmod(value, step)
    except InvalidOperation:  # the quotient needs more digits than the decimal context has
        raise Rejection(invalid, f"{what} {value} is too large") from None
    if rest:
        raise Rejection(off_grid, f"{what} {value} is not a multiple of {step}")
    if units > MAX_UNITS:
        raise Rejection(invalid, f"{what} {value} is too large")
    return int(units)


class _GridCache:
    """A decimal's text -> whole steps, for values already validated once.

    The same few hundred prices and sizes dominate any book, so a hit skips the exact division.
    The key is the text, not the Decimal: hashing a Decimal with a fractional exponent costs a
    modular exponentiation (several times the division) on every fresh value, as every value
    decoded from a request is, while its text is quick to build and to hash. Equal texts are
    equal values, so a hit is exact; misses take the full check.
    """

    __slots__ = ("invalid", "known", "off_grid", "step", "what")
    LIMIT = 1 << 16

    def __init__(self, step: Decimal, off_grid: R, invalid: R, what: str) -> None:
        self.step, self.off_grid, self.invalid, self.what = step, off_grid, invalid, what
        self.known: dict[str, int] = {}

    def units(self, value: Decimal) -> int:
        text = str(value)
        units = self.known.get(text)
        if units is not None:
            return units
        units = on_grid(value, self.step, self.off_grid, self.invalid, self.what)
        if len(self.known) < self.LIMIT:
            self.known[text] = units
        return units


class OrderGrid:
    """What validation needs of one instrument, precomputed once per instrument definition."""

    __slots__ = ("instrument", "is_fund", "lots", "min_lots", "stop_ticks", "ticks", "trading")

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.is_fund = instrument.is_fund
        self.trading = instrument.trading_state is TradingState.TRADING
        self.min_lots = instrument.min_lots
        self.lots = _GridCache(instrument.lot_size, R.INVALID_QUANTITY_INCREMENT,
                               R.INVALID_QUANTITY, "quantity")
        self.ticks = _GridCache(instrument.tick_size, R.INVALID_PRICE_INCREMENT, R.INVALID_PRICE,
                                "price")
        self.stop_ticks = _GridCache(instrument.tick_size, R.INVALID_PRICE_INCREMENT,
                                     R.INVALID_STOP_PRICE, "stop price")


def check_client_order_id(client_order_id: str) -> None:
    if len(client_order_id) > MAX_CLIENT_ORDER_ID or not _printable(client_order_id):
        raise Rejection(
            R.INVALID_CLIENT_ORDER_ID,
            f"client order id must be at most {MAX_CLIENT_ORDER_ID} printable characters",
        )


def _printable(text: str) -> bool:
    """``text.isprintable()``. Compiled, a loop over the characters with printable ASCII decided
    in line: calling the method costs more than checking a whole typical id this way."""
    if cython.compiled:
        for ch in text:
            if not (" " <= ch <= "~" or ch.isprintable()):
                return False
        return True
    return text.isprintable()


def validate_place(cmd: PlaceOrder, grid: OrderGrid | None, now_ns: int,
                   fields: tuple | None = None) -> tuple[int, int, int, int]:
    """``(quantity_lots, price_ticks, stop_ticks, cash_units)`` for a valid order, else raises.

    ``fields`` is ``place_fields(cmd)`` when the caller already has it.
    """
    if fields is None:
        fields = place_fields(cmd)
    (_, _, instrument, _, typ, quantity, limit, trigger, tif, expire_ns, coid, post_only, _,
     cash_amount, _) = fields
    if grid is None:
        raise Rejection(R.UNKNOWN_INSTRUMENT, f"unknown instrument {instrument}")
    if not grid.trading:
        raise Rejection(R.INSTRUMENT_NOT_TRADING,
                        f"{instrument} is {grid.instrument.trading_state}")
    if coid:
        check_client_order_id(coid)
    if grid.is_fund:
        return _validate_fund(cmd, grid.instrument)

    if quantity is None:
        raise Rejection(R.INVALID_QUANTITY, "quantity is required")
    lots = grid.lots.units(quantity)
    if lots < grid.min_lots:
        raise Rejection(R.BELOW_MIN_SIZE, f"quantity is below the minimum size "
                                          f"{grid.instrument.min_size}")
    if cash_amount is not None:
        raise Rejection(R.INVALID_AMOUNT, "an amount is only accepted for fund subscriptions")

    price = stop = 0
    if typ is _LIMIT or typ is _STOP_LIMIT:
        if limit is None:
            raise Rejection(R.INVALID_PRICE, f"a {typ} order needs a price")
        price = grid.ticks.units(limit)
    elif limit is not None:
        raise Rejection(R.INVALID_PRICE, f"a {typ} order takes no limit price")
    if typ is _STOP or typ is _STOP_LIMIT:
        if trigger is None:
            raise Rejection(R.INVALID_STOP_PRICE, f"a {typ} order needs a stop price")
        stop = grid.stop_ticks.units(trigger)
    elif trigger is not None:
        raise Rejection(R.INVALID_STOP_PRICE, f"a {typ} order takes no stop price")

    if typ is _MARKET and tif is not _IOC and tif is not _FOK:
        raise Rejection(R.INVALID_TIME_IN_FORCE, "a market order must be IOC or FOK")
    if post_only and (typ is not _LIMIT or tif is _IOC or tif is _FOK):
        raise Rejection(R.INVALID_TIME_IN_FORCE, "post-only needs a resting limit order")
    if tif is _GTD:
        if expire_ns <= now_ns:
            raise Rejection(R.INVALID_EXPIRE_TIME, "a GTD order needs an expire time in the future")
    elif expire_ns:
        raise Rejection(R.INVALID_EXPIRE_TIME, f"an expire time needs time in force GTD, not {tif}")
    return lots, price, stop, 0


def _validate_fund(cmd: PlaceOrder, inst: Instrument) -> tuple[int, int, int, int]:
    if cmd.type is not _MARKET or cmd.price is not None or cmd.stop_price is not None:
        raise Rejection(R.INVALID_ORDER_TYPE, "fund orders execute at NAV: type MARKET, no prices")
    if cmd.time_in_force not in (TimeInForce.GTC, TimeInForce.DAY) or cmd.post_only:
        raise Rejection(R.INVALID_TIME_IN_FORCE, "fund orders wait for the cut-off: GTC or DAY")
    if cmd.side is Side.BUY:
        if cmd.quantity is not None or cmd.cash_amount is None:
            raise Rejection(R.INVALID_AMOUNT, "a subscription is by amount, not by units")
        cash = on_grid(cmd.cash_amount, inst.amount_increment, R.INVALID_AMOUNT, R.INVALID_AMOUNT,
                       "amount")
        if cmd.cash_amount < inst.min_amount:
            raise Rejection(R.BELOW_MIN_AMOUNT, f"amount is below the minimum {inst.min_amount}")
        return 0, 0, 0, cash
    if cmd.side is Side.SELL:
        if cmd.quantity is None or cmd.cash_amount is not None:
            raise Rejection(R.INVALID_QUANTITY, "a redemption is by units, not by amount")
        lots = on_grid(cmd.quantity, inst.lot_size, R.INVALID_QUANTITY_INCREMENT, R.INVALID_QUANTITY,
                       "units")
        if lots < inst.min_lots:
            raise Rejection(R.BELOW_MIN_SIZE, f"units are below the minimum {inst.min_size}")
        return lots, 0, 0, 0
    raise Rejection(R.INVALID_ORDER_TYPE, f"fund orders are BUY (subscribe) or SELL (redeem), not {cmd.side}")
