"""Events: what happened, in the past tense. The event stream is the core's truth.

Every event carries a global, gap-free sequence number and a timestamp (ns) from the clock port.
Events hold only immutable values — never a reference to a live order — so they can be journaled
after later commands have already changed that order. Replaying the stream through
``oms.projection`` rebuilds the exact state.

Prices are integer ticks and quantities integer lots of the order's instrument.
"""

from __future__ import annotations

import msgspec

from openvenue.domain.accounts import Account, Client, User
from openvenue.domain.instruments import Instrument
from openvenue.domain.orders import Liquidity, OrderType, Side, StpMode, TimeInForce
from openvenue.domain.reasons import CancelReason, CancelRejectReason, RejectReason


class _Event(msgspec.Struct, frozen=True, gc=False, tag_field="event", tag=True):
    """Every event is tagged with its class name when encoded (JSON or MessagePack)."""


class OrderAccepted(_Event):
    seq: int
    ts: int
    order_id: int
    account_id: int
    user_id: int
    instrument: str
    client_order_id: str
    side: Side
    type: OrderType
    time_in_force: TimeInForce
    quantity: int
    price: int
    stop_price: int
    cash_amount: int
    post_only: bool
    stp: StpMode
    expire_ns: int
    session_id: int
    replaces: int = 0  # the order this one replaced (cancel/replace with a new id)


class OrderRejected(_Event):
    """A PlaceOrder was refused; no order exists."""

    seq: int
    ts: int
    account_id: int
    user_id: int
    instrument: str
    client_order_id: str
    reason: RejectReason
    text: str = ""


class OrderFilled(_Event):
    """One side of a trade. A trade between two orders is two OrderFilled with one trade_id."""

    seq: int
    ts: int
    order_id: int
    account_id: int
    trade_id: int
    price: int
    quantity: int
    liquidity: Liquidity
    fee: int
    leaves: int  # after this fill
    cash_amount: int = 0  # fund fills: the cash side in amount units


class OrderTriggered(_Event):
    """A stop or stop-limit order's stop price was reached; it now works as market or limit."""

    seq: int
    ts: int
    order_id: int
    account_id: int
    last_price: int


class OrderReduced(_Event):
    """Quantity taken off an open order without a trade (decrement-and-cancel self-trade)."""

    seq: int
    ts: int
    order_id: int
    account_id: int
    reduced_by: int
    leaves: int
    reason: CancelReason


class OrderPendingCancel(_Event):
    seq: int
    ts: int
    order_id: int
    account_id: int
    user_id: int  # who asked: a cancel that turns out too late is rejected to them
    reason: CancelReason
    due_ns: int  # when the core completes it


class OrderCanceled(_Event):
    seq: int
    ts: int
    order_id: int
    account_id: int
    canceled_quantity: int  # the leaves released; fills are kept
    reason: CancelReason


class CancelRejected(_Event):
    """A CancelOrder did not cancel. ``order_id`` is 0 when no visible order was named."""

    seq: int
    ts: int
    user_id: int
    order_id: int
    account_id: int
    client_order_id: str
    reason: CancelRejectReason


class OrderReplaced(_Event):
    seq: int
    ts: int
    order_id: int
    account_id: int
    client_order_id: str
    quantity: int
    price: int
    stop_price: int
    leaves: int
    priority_kept: bool
    new_order_id: int = 0  # set when a new order carries the change; this one ends REPLACED


class ReplaceRejected(_Event):
    seq: int
    ts: int
    user_id: int
    order_id: int
    account_id: int
    client_order_id: str
    reason: RejectReason


class OrderExpired(_Event):
    seq: int
    ts: int
    order_id: int
    account_id: int
    expired_quantity: int


class FundOrderSent(_Event):
    """The fund desk passed the cut-off: the order is with the fund and can no longer be canceled."""

    seq: int
    ts: int
    order_id: int
    account_id: int


class FundOrderSettled(_Event):
    """An executed fund order settled (units and cash booked), banking days after execution."""

    seq: int
    ts: int
    order_id: int
    account_id: int


class InstrumentDefined(_Event):
    """Reference data travels in the same stream, so a replay needs nothing else."""

    seq: int
    ts: int
    instrument: Instrument


class ClientDefined(_Event):
    seq: int
    ts: int
    client: Client


class AccountDefined(_Event):
    seq: int
    ts: int
    account: Account


class UserDefined(_Event):
    seq: int
    ts: int
    user: User


Event = (
    OrderAccepted
    | OrderRejected
    | OrderFilled
    | OrderTriggered
    | OrderReduced
    | OrderPendingCancel
    | OrderCanceled
    | CancelRejected
    | OrderReplaced
    | ReplaceRejected
    | OrderExpired
    | FundOrderSent
    | FundOrderSettled
    | InstrumentDefined
    | ClientDefined
    | AccountDefined
    | UserDefined
)

ORDER_EVENTS = (
    OrderAccepted, OrderFilled, OrderTriggered, OrderReduced, OrderPendingCancel, OrderCanceled,
    OrderReplaced, OrderExpired, FundOrderSent, FundOrderSettled,
)
