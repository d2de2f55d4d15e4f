"""The fund desk: fund orders never meet a book; they wait for the cut-off and execute at NAV.

An order waits until its fund's cut-off, when the desk sends it to the fund (from then on it
cannot be canceled). Once the desk is given the day's net asset value, each sent order executes
in full: a subscription buys as many whole unit-lots as its cash amount pays for (units round
down, as funds issue them), a redemption sells its units for their value rounded down to the
cash increment. Arithmetic is exact (fractions), never float.
"""

from __future__ import annotations

from fractions import Fraction

from openvenue.domain.instruments import Instrument
from openvenue.domain.orders import Order


class FundExecution:
    __slots__ = ("cash", "lots", "order")

    def __init__(self, order: Order, lots: int, cash: int) -> None:
        self.order = order
        self.lots = lots  # units, in lots of the fund
        self.cash = cash  # in the fund's amount increments


class FundDesk:
    __slots__ = ("sent", "waiting")

    def __init__(self) -> None:
        self.waiting: dict[str, dict[int, Order]] = {}
        self.sent: dict[str, dict[int, Order]] = {}

    def accept(self, order: Order) -> None:
        self.waiting.setdefault(order.instrument, {})[order.id] = order

    def withdraw(self, order: Order) -> bool:
        """Take a waiting order back (cancel). False once it has been sent."""
        waiting = self.waiting.get(order.instrument)
        return waiting is not None and waiting.pop(order.id, None) is not None

    def cut_off(self, instrument: str) -> list[Order]:
        """Send every waiting order of the fund; returns them in arrival order."""
        orders = list(self.waiting.pop(instrument, {}).values())
        sent = self.sent.setdefault(instrument, {})
        for order in orders:
            order.sent_to_fund = True
            sent[order.id] = order
        return orders

    def mark_sent(self, order: Order) -> None:
        """Replay of a send: the order moves from waiting to sent."""
        self.waiting.get(order.instrument, {}).pop(order.id, None)
        order.sent_to_fund = True
        self.sent.setdefault(order.instrument, {})[order.id] = order

    def execute(self, instrument: Instrument, nav_ticks: int) -> list[FundExecution]:
        """Execute every sent order of the fund at ``nav_ticks`` (quantities are not applied)."""
        nav = Fraction(instrument.tick_size) * nav_ticks
        lot = Fraction(instrument.lot_size)
        increment = Fraction(instrument.amount_increment)
        executions = []
        for order in self.sent.pop(instrument.symbol, {}).values():
            if order.is_buy:  # subscription by amount
                lots = int(order.cash_amount * increment / (nav * lot))
                cash = order.cash_amount
            else:  # redemption by units
                lots = order.leaves
                cash = int(lots * lot * nav / increment)
            executions.append(FundExecution(order, lots, cash))
        return executions

    def forget(self, order: Order) -> None:
        """Drop an executed order (replay)."""
        self.sent.get(order.instrument, {}).pop(order.id, None)

    def pending(self) -> list[Order]:
        return [o for group in (*self.waiting.values(), *self.sent.values()) for o in group.values()]
