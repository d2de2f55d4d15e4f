"""Orders: their vocabulary, their state, and the status machine every change goes through.

An order's status only moves along ``TRANSITIONS``; any other move raises ``InvalidTransition``,
so an impossible state cannot be reached by a bug elsewhere — it stops the command instead.
Entering PENDING_CANCEL or PENDING_REPLACE remembers the status it left, so a rejected cancel or
replace restores it, and a fill while pending updates what will be restored.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"
    SELL_SHORT = "SELL_SHORT"
    BUY_TO_COVER = "BUY_TO_COVER"


BUY_SIDES = frozenset({Side.BUY, Side.BUY_TO_COVER})


class OrderType(StrEnum):
    MARKET = "MARKET"
    LIMIT = "LIMIT"
    STOP = "STOP"
    STOP_LIMIT = "STOP_LIMIT"


PRICED_TYPES = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT})
STOP_TYPES = frozenset({OrderType.STOP, OrderType.STOP_LIMIT})


class TimeInForce(StrEnum):
    DAY = "DAY"
    GTC = "GTC"
    GTD = "GTD"  # good till the order's expire time
    IOC = "IOC"
    FOK = "FOK"


IMMEDIATE_TIFS = frozenset({TimeInForce.IOC, TimeInForce.FOK})


class StpMode(StrEnum):
    """Self-trade prevention, decided by the aggressing order's mode."""

    NONE = "NONE"
    CANCEL_AGGRESSING = "CANCEL_AGGRESSING"
    CANCEL_RESTING = "CANCEL_RESTING"
    CANCEL_BOTH = "CANCEL_BOTH"
    DECREMENT_AND_CANCEL = "DECREMENT_AND_CANCEL"


class Liquidity(StrEnum):
    MAKER = "MAKER"
    TAKER = "TAKER"
    NAV = "NAV"  # a fund order executed by the fund desk at the net asset value


class OrderStatus(StrEnum):
    PENDING_NEW = "PENDING_NEW"
    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    PENDING_CANCEL = "PENDING_CANCEL"
    CANCELED = "CANCELED"
    PENDING_REPLACE = "PENDING_REPLACE"
    REPLACED = "REPLACED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"


S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_NEW: frozenset({S.NEW, S.REJECTED}),
    S.NEW: frozenset(
        {S.PARTIALLY_FILLED, S.FILLED, S.PENDING_CANCEL, S.CANCELED, S.PENDING_REPLACE,
         S.REPLACED, S.EXPIRED}
    ),
    S.PARTIALLY_FILLED: frozenset(
        {S.PARTIALLY_FILLED, S.FILLED, S.PENDING_CANCEL, S.CANCELED, S.PENDING_REPLACE,
         S.REPLACED, S.EXPIRED}
    ),
    # A pending cancel ends canceled, or — when the last lot fills first — filled, or is
    # rejected and restores NEW / PARTIALLY_FILLED. Expiry may overtake it.
    S.PENDING_CANCEL: frozenset({S.CANCELED, S.FILLED, S.NEW, S.PARTIALLY_FILLED, S.EXPIRED}),
    S.PENDING_REPLACE: frozenset(
        {S.NEW, S.PARTIALLY_FILLED, S.REPLACED, S.FILLED, S.CANCELED, S.EXPIRED}
    ),
    S.FILLED: frozenset(),
    S.CANCELED: frozenset(),
    S.REPLACED: frozenset(),
    S.REJECTED: frozenset(),
    S.EXPIRED: frozenset(),
}
del S

OPEN_STATUSES = frozenset(s for s, targets in TRANSITIONS.items() if targets)
TERMINAL_STATUSES = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
PENDING_STATUSES = frozenset({OrderStatus.PENDING_CANCEL, OrderStatus.PENDING_REPLACE})


class InvalidTransition(RuntimeError):
    """A status change the machine forbids: a defect in the caller, never a user error."""


class Order(msgspec.Struct, gc=False):
    """One order and everything that has happened to it.

    Prices are integer ticks and quantities integer lots of the order's instrument. ``notional``
    is the sum of fill price times fill quantity (ticks*lots), from which the average fill price
    is exact. ``cash_amount`` is a fund subscription's amount in the instrument's amount units.
    Timestamps are nanoseconds since the epoch from the clock port; 0 means "not yet".
    The UUID and ULID are derived from ``id`` (see ``domain.ids``), so they cost nothing here.
    """

    id: int
    account_id: int
    user_id: int
    instrument: str
    client_order_id: str
    side: Side
    type: OrderType
    time_in_force: TimeInForce
    quantity: int
    price: int = 0
    stop_price: int = 0
    cash_amount: int = 0
    post_only: bool = False
    stp: StpMode = StpMode.NONE
    expire_ns: int = 0
    session_id: int = 0
    is_buy: bool = True
    status: OrderStatus = OrderStatus.NEW
    previous_status: OrderStatus | None = None
    filled: int = 0
    leaves: int = 0
    notional: int = 0
    fees: int = 0  # in the instrument's fee units (see oms.fees); most venues in the demo charge 0
    created_ns: int = 0
    updated_ns: int = 0
    canceled_ns: int = 0
    done_reason: str = ""
    # engine bookkeeping: on a book queue, or parked as an untriggered stop
    on_book: bool = False
    triggered: bool = False
    sent_to_fund: bool = False
    replaced_by: int = 0
    replaces: int = 0
    settled_ns: int = 0  # fund orders: when the fund desk booked the settlement
    # the price level queue, an intrusive doubly linked list: O(1) unlink on cancel. Orders are
    # always unlinked when they leave the book, so these references never form a lasting cycle.
    prev: Order | None = None
    next: Order | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def transition(self, to: OrderStatus) -> None:
        """Move to ``to`` if the machine allows it; remember where pending states came from."""
        current = self.status
        if to not in TRANSITIONS[current]:
            raise InvalidTransition(f"order {self.id}: {current} -> {to} is not allowed")
        if to is OrderStatus.PENDING_CANCEL or to is OrderStatus.PENDING_REPLACE:
            self.previous_status = current
        else:
            self.previous_status = None
        self.status = to

    def restore(self) -> None:
        """Undo a pending cancel or replace: back to the status it interrupted."""
        previous = self.previous_status
        if self.status not in PENDING_STATUSES or previous is None:
            raise InvalidTransition(f"order {self.id}: nothing pending to restore from {self.status}")
        self.transition(previous)

    def record_fill(self) -> None:
        """Move the status after a fill whose quantities are already applied.

        The last lot ends the order FILLED even while a cancel is pending (that cancel is then too
        late); a partial fill while pending keeps the pending status and changes what a rejected
        cancel would restore.
        """
        if self.leaves == 0:
            self.transition(OrderStatus.FILLED)
        elif self.status in PENDING_STATUSES:
            self.previous_status = OrderStatus.PARTIALLY_FILLED
        else:
            self.transition(OrderStatus.PARTIALLY_FILLED)
