"""Orders: their vocabulary, their state, and the status machine every change goes through.

An order's status only moves along ``TRANSITIONS``; any other move raises ``InvalidTransition``,
so an impossible state cannot be reached by a bug elsewhere — it stops the command instead.
Entering PENDING_CANCEL or PENDING_REPLACE remembers the status it left, so a rejected cancel or
replace restores it, and a fill while pending updates what will be restored.
"""

from __future__ import annotations

from enum import StrEnum

try:
    import cython
except ImportError:  # uncompiled, without Cython installed: its decorators do nothing
    from openvenue.domain import _cython_shim as cython


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

# Module constants for the hot paths: on Python 3.11 reading a member off an enum class goes
# through EnumType.__getattr__, about fifteen times slower than a global.
_PENDING_CANCEL = OrderStatus.PENDING_CANCEL
_PENDING_REPLACE = OrderStatus.PENDING_REPLACE
_FILLED = OrderStatus.FILLED
_PARTIALLY_FILLED = OrderStatus.PARTIALLY_FILLED
_NEW = OrderStatus.NEW


class InvalidTransition(RuntimeError):
    """A status change the machine forbids: a defect in the caller, never a user error."""


# Every field of an order but its queue links, in constructor order, with its type. Snapshots, the
# archive and the state hash derive from this table, so a new field can never be silently dropped
# by any of them.
ORDER_FIELDS: tuple[tuple[str, object], ...] = (
    ("id", int),
    ("account_id", int),
    ("user_id", int),
    ("instrument", str),
    ("client_order_id", str),
    ("side", Side),
    ("type", OrderType),
    ("time_in_force", TimeInForce),
    ("quantity", int),
    ("price", int),
    ("stop_price", int),
    ("cash_amount", int),
    ("post_only", bool),
    ("stp", StpMode),
    ("expire_ns", int),
    ("session_id", int),
    ("is_buy", bool),
    ("status", OrderStatus),
    ("previous_status", OrderStatus | None),
    ("filled", int),
    ("leaves", int),
    ("notional", int),
    ("fees", int),
    ("created_ns", int),
    ("updated_ns", int),
    ("canceled_ns", int),
    ("done_reason", str),
    ("on_book", bool),
    ("triggered", bool),
    ("sent_to_fund", bool),
    ("replaced_by", int),
    ("replaces", int),
    ("settled_ns", int),
)
ORDER_FIELD_NAMES = tuple(name for name, _ in ORDER_FIELDS)


# Not tracked by the cyclic collector, as before: an order refers to nothing that refers back
# to it but its queue neighbours, and it is always unlinked when it leaves the book.
@cython.no_gc
@cython.cclass
class Order:
    """One order and everything that has happened to it.

    Prices are integer ticks and quantities integer lots of the order's instrument. ``notional``
    is the sum of fill price times fill quantity (ticks*lots), from which the average fill price
    is exact. ``cash_amount`` is a fund subscription's amount in the instrument's amount units.
    Timestamps are nanoseconds since the epoch from the clock port; 0 means "not yet".
    The UUID and ULID are derived from ``id`` (see ``domain.ids``), so they cost nothing here.
    ``fees`` are in the instrument's fee units (see oms.fees); most demo venues charge 0.

    ``on_book`` and ``triggered`` are the engine's bookkeeping (on a book queue, or parked as an
    untriggered stop); ``prev``/``next`` make the price level's queue an intrusive doubly linked
    list for O(1) unlink on cancel. Orders are always unlinked when they leave the book, so these
    references never form a lasting cycle. ``settled_ns``: when the fund desk booked a fund
    order's settlement.

    A compiled build makes this an extension type (see orders.pxd): the attributes are fixed.
    """

    __slots__ = (*ORDER_FIELD_NAMES, "prev", "next")

    def __init__(
        self, id, account_id, user_id, instrument, client_order_id, side, type, time_in_force,
        quantity, price=0, stop_price=0, cash_amount=0, post_only=False, stp=StpMode.NONE,
        expire_ns=0, session_id=0, is_buy=True, status=OrderStatus.NEW, previous_status=None,
        filled=0, leaves=0, notional=0, fees=0, created_ns=0, updated_ns=0, canceled_ns=0,
        done_reason="", on_book=False, triggered=False, sent_to_fund=False, replaced_by=0,
        replaces=0, settled_ns=0,
    ) -> None:
        self.id = id
        self.account_id = account_id
        self.user_id = user_id
        self.instrument = instrument
        self.client_order_id = client_order_id
        self.side = side
        self.type = type
        self.time_in_force = time_in_force
        self.quantity = quantity
        self.price = price
        self.stop_price = stop_price
        self.cash_amount = cash_amount
        self.post_only = post_only
        self.stp = stp
        self.expire_ns = expire_ns
        self.session_id = session_id
        self.is_buy = is_buy
        self.status = status
        self.previous_status = previous_status
        self.filled = filled
        self.leaves = leaves
        self.notional = notional
        self.fees = fees
        self.created_ns = created_ns
        self.updated_ns = updated_ns
        self.canceled_ns = canceled_ns
        self.done_reason = done_reason
        self.on_book = on_book
        self.triggered = triggered
        self.sent_to_fund = sent_to_fund
        self.replaced_by = replaced_by
        self.replaces = replaces
        self.settled_ns = settled_ns
        self.prev = None
        self.next = None

    def __repr__(self) -> str:
        return (f"Order(id={self.id}, account_id={self.account_id}, "
                f"instrument={self.instrument!r}, side={self.side}, type={self.type}, "
                f"status={self.status}, quantity={self.quantity}, leaves={self.leaves}, "
                f"filled={self.filled}, price={self.price})")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def transition(self, to: OrderStatus) -> None:
        """Move to ``to`` if the machine allows it; remember where pending states came from."""
        current = self.status
        if to not in TRANSITIONS[current]:
            raise InvalidTransition(f"order {self.id}: {current} -> {to} is not allowed")
        if to is _PENDING_CANCEL or to is _PENDING_REPLACE:
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
            self.transition(_FILLED)
        elif self.status in PENDING_STATUSES:
            self.previous_status = _PARTIALLY_FILLED
        else:
            self.transition(_PARTIALLY_FILLED)


def accepted_order(id, account_id, user_id, instrument, client_order_id, side, order_type,
                   time_in_force, quantity, price, stop_price, cash_amount, post_only, stp,
                   expire_ns, session_id, is_buy, ts) -> Order:
    """A newly accepted order: NEW, all of its quantity leaves, created and updated at ``ts``.

    The OMS's hot path: field by field, with no argument parsing of the 33-argument constructor
    (a compiled build calls this as a C function). Born accepted: the core accepts synchronously,
    so PENDING_NEW is never observable.
    """
    order = Order.__new__(Order)
    order.id = id
    order.account_id = account_id
    order.user_id = user_id
    order.instrument = instrument
    order.client_order_id = client_order_id
    order.side = side
    order.type = order_type
    order.time_in_force = time_in_force
    order.quantity = quantity
    order.price = price
    order.stop_price = stop_price
    order.cash_amount = cash_amount
    order.post_only = post_only
    order.stp = stp
    order.expire_ns = expire_ns
    order.session_id = session_id
    order.is_buy = is_buy
    order.status = _NEW
    order.previous_status = None
    order.filled = 0
    order.leaves = quantity
    order.notional = 0
    order.fees = 0
    order.created_ns = ts
    order.updated_ns = ts
    order.canceled_ns = 0
    order.done_reason = ""
    order.on_book = False
    order.triggered = False
    order.sent_to_fund = False
    order.replaced_by = 0
    order.replaces = 0
    order.settled_ns = 0
    order.prev = None
    order.next = None
    return order
