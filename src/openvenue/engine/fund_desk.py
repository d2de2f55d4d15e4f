"""The fund desk: fund orders never meet a book; they wait for the cut-off and execute at NAV.

An order waits until its fund's cut-off, when the desk sends it to the fund (from then on it
cannot be canceled). Once the desk is given the day's net asset value, each sent order executes
in full: a subscription buys as many whole unit-lots as its cash amount pays for (units round
down, as funds issue them), a redemption sells its units for their value rounded down to the
cash increment. Arithmetic is exact (fractions), never float. An executed order then waits for
settlement (some banking days later, see ``fund_calendar``) in ``executed``.
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
    __slots__ = ("executed", "sent", "waiting")

    def __init__(self) -> None:
        self.waiting: dict[str, dict[int, Order]] = {}
        self.sent: dict[str, dict[int, Order]] = {}
        self.executed: dict[str, dict[int, Order]] = {}  # filled at NAV, not yet settled

    def accept(self, order: Order) -> None:
        self.waiting.setdefault(order.instrument, {})[order.id] = order

    def withdraw(self, order: Order) -> bool:
        """Take a waiting order back (cancel). False once it has been sent."""
        waiting = self.waiting.get(order.instrument)
        return waiting is not None and waiting.pop(order.id, None) is not None

    def cut_off(self, instrument: str, accepted_before_ns: int = 0) -> list[Order]:
        """Send the fund's waiting orders (only those accepted before ``accepted_before_ns``, the
        cut-off instant, when given); returns them in arrival order."""
        waiting = self.waiting.get(instrument, {})
        if accepted_before_ns:
            orders = [o for o in waiting.values() if o.created_ns < accepted_before_ns]
            for order in orders:
                del waiting[order.id]
        else:
            orders = list(waiting.values())
            waiting.clear()
        if not waiting:
            self.waiting.pop(instrument, None)
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
        sent = self.sent.pop(instrument.symbol, {})
        executed = self.executed.setdefault(instrument.symbol, {}) if sent else {}
        for order in sent.values():
            executed[order.id] = order
            if order.is_buy:  # subscription by amount
                lots = int(order.cash_amount * increment / (nav * lot))
                cash = order.cash_amount
            else:  # redemption by units
                lots = order.leaves
                cash = int(lots * lot * nav / increment)
            executions.append(FundExecution(order, lots, cash))
        return executions

    def forget(self, order: Order) -> None:
        """Replay of an execution: the order moves from sent to awaiting settlement."""
        self.sent.get(order.instrument, {}).pop(order.id, None)
        self.executed.setdefault(order.instrument, {})[order.id] = order

    def settle(self, order: Order) -> None:
        """The order's settlement is booked: the desk is done with it."""
        executed = self.executed.get(order.instrument)
        if executed is not None:
            executed.pop(order.id, None)
            if not executed:
                del self.executed[order.instrument]

    def pending(self) -> list[Order]:
        return [o for group in (*self.waiting.values(), *self.sent.values()) for o in group.values()]
