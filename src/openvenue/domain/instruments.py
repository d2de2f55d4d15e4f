"""Instruments: what can be traded, and the grid (tick, lot, minimum size) its orders must fit.

Conversions between wire decimals and the core's integer ticks and lots live here, because the
grid is the instrument's property: an off-grid price is not representable, so it is refused, never
rounded.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

import msgspec


class InstrumentKind(StrEnum):
    EQUITY = "EQUITY"
    OPTION = "OPTION"
    CRYPTO_PERP = "CRYPTO_PERP"
    CRYPTO_SPOT = "CRYPTO_SPOT"
    FUND = "FUND"


class TradingState(StrEnum):
    TRADING = "TRADING"
    HALTED = "HALTED"  # orders may be canceled, not placed
    CLOSED = "CLOSED"  # delisted or not yet listed


class PutCall(StrEnum):
    PUT = "PUT"
    CALL = "CALL"


class Instrument(msgspec.Struct, kw_only=True):
    """A tradable instrument. ``symbol`` is unique across kinds.

    Equities use the ticker, options the OSI symbol, crypto ``BASE-QUOTE`` or ``BASE-PERP``,
    funds ISIN + currency (``SE0012193019SEK``). Funds are NAV-priced: ``tick_size`` is the NAV
    precision, ``lot_size`` the unit precision (7 decimals) and ``amount_increment`` the cash
    precision of subscriptions by amount.
    """

    id: int
    symbol: str
    kind: InstrumentKind
    tick_size: Decimal
    lot_size: Decimal
    min_size: Decimal
    trading_state: TradingState = TradingState.TRADING
    currency: str = "USD"
    base_asset: str = ""
    quote_asset: str = ""
    # options
    underlying: str = ""
    put_call: PutCall | None = None
    strike: Decimal | None = None
    expiry: date | None = None
    # funds
    isin: str = ""
    amount_increment: Decimal = Decimal("0.01")
    min_amount: Decimal = Decimal(0)
    # fees as fractions of notional, charged per fill
    maker_fee_rate: Decimal = Decimal(0)
    taker_fee_rate: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        for name in ("tick_size", "lot_size", "amount_increment"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{self.symbol}: {name} must be positive")
        if self.min_size < 0 or self.min_size % self.lot_size:
            raise ValueError(f"{self.symbol}: min_size must be a non-negative multiple of lot_size")

    @property
    def is_fund(self) -> bool:
        return self.kind is InstrumentKind.FUND

    @property
    def min_lots(self) -> int:
        return int(self.min_size / self.lot_size)

    def price_to_ticks(self, price: Decimal) -> int | None:
        """The price in whole ticks, or None if it is not on the tick grid."""
        return _whole_steps(price, self.tick_size)

    def qty_to_lots(self, quantity: Decimal) -> int | None:
        """The quantity in whole lots, or None if it is not a multiple of the lot."""
        return _whole_steps(quantity, self.lot_size)

    def amount_to_units(self, amount: Decimal) -> int | None:
        """A cash amount in whole ``amount_increment`` units, or None if finer than that."""
        return _whole_steps(amount, self.amount_increment)

    def price(self, ticks: int) -> Decimal:
        return ticks * self.tick_size

    def quantity(self, lots: int) -> Decimal:
        return lots * self.lot_size

    def amount(self, units: int) -> Decimal:
        return units * self.amount_increment

    def notional(self, ticks_times_lots: int) -> Decimal:
        """Cash value of a sum of price*quantity products kept in ticks*lots."""
        return ticks_times_lots * self.tick_size * self.lot_size

    def average_price(self, notional: int, filled_lots: int) -> Decimal | None:
        """Volume-weighted fill price, to six places finer than the tick."""
        if not filled_lots:
            return None
        exponent = self.tick_size.as_tuple().exponent
        places = Decimal(1).scaleb(min(int(exponent), 0) - 6)
        return (Decimal(notional) * self.tick_size / filled_lots).quantize(places)


def _whole_steps(value: Decimal, step: Decimal) -> int | None:
    """``value / step`` if that is a whole number, exactly, at any magnitude."""
    if not value.is_finite():
        return None
    ratio = Fraction(value) / Fraction(step)
    return ratio.numerator if ratio.denominator == 1 else None
