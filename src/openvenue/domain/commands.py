"""Commands: what a user or the venue itself asks the core to do, in the imperative.

Commands carry wire-level exact decimals; the OMS turns them into ticks and lots of the
instrument (refusing off-grid values). ``user_id`` is the authenticated actor: the OMS decides
what that user may do. An order is named either by ``order_id`` or by ``account_id`` +
``client_order_id``.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from openvenue.domain.orders import OrderType, Side, StpMode, TimeInForce
from openvenue.domain.reasons import CancelReason, RejectReason


class PlaceOrder(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    user_id: int
    account_id: int
    instrument: str
    side: Side
    type: OrderType
    quantity: Decimal | None = None  # units for funds (redemptions); None for fund subscriptions
    price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    expire_ns: int = 0  # GTD only
    client_order_id: str = ""
    post_only: bool = False
    stp: StpMode = StpMode.NONE
    cash_amount: Decimal | None = None  # fund subscriptions are by amount
    session_id: int = 0  # the connection that placed it, for cancel-on-disconnect


class CancelOrder(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    user_id: int
    order_id: int = 0
    account_id: int = 0
    client_order_id: str = ""
    reason: CancelReason = CancelReason.REQUESTED
    # When set, the cancel is acknowledged as PENDING_CANCEL and completed this much later (by
    # the clock); fills may happen meanwhile. Used by venues whose cancels are asynchronous and by
    # fault injection to provoke cancel/fill races.
    delay_ns: int = 0


class CancelAllOrders(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Cancel every open order that matches all the given filters (0 / None = any)."""

    user_id: int
    account_id: int = 0
    instrument: str | None = None
    side: Side | None = None
    type: OrderType | None = None
    session_id: int = 0
    reason: CancelReason = CancelReason.MASS_CANCEL


class ReplaceOrder(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Change an open order's quantity and/or prices.

    A lower quantity keeps time priority; a price change or a higher quantity loses it. With
    ``as_new_order`` the original ends REPLACED and a new order (new id) carries the change — the
    cancel/replace style of venues that issue a new order id.
    """

    user_id: int
    order_id: int = 0
    account_id: int = 0
    client_order_id: str = ""
    quantity: Decimal | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    new_client_order_id: str = ""
    as_new_order: bool = False


class RefuseOrder(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The venue itself refuses a PlaceOrder it was sent (the sandbox's reject-next, its
    client-order-id convention, its market hours): recorded as an OrderRejected like any other."""

    order: PlaceOrder
    reason: RejectReason
    text: str = ""


class FillOrder(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The venue itself executes against a resting order (sandbox and operator tools).

    ``price`` defaults to the order's limit and may only be as good or better for the order;
    ``quantity`` defaults to all of its leaves. No queue position is honoured: this is the
    deterministic outcome a test asks for, not a trade in the book.
    """

    order_id: int
    quantity: Decimal | None = None
    price: Decimal | None = None


class RunFundCutoff(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The fund desk sends every waiting order of a fund to the fund: from now on they are locked."""

    instrument: str


class ExecuteFundOrders(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The fund desk executes the fund's sent orders at the given net asset value."""

    instrument: str
    nav: Decimal


Command = (
    PlaceOrder | CancelOrder | CancelAllOrders | ReplaceOrder | RefuseOrder | FillOrder
    | RunFundCutoff | ExecuteFundOrders
)
