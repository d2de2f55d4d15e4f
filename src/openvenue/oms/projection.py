"""Replay: rebuild an order manager's state from its event stream.

Each event is applied to the same structures the live path changes (indexes, books, stops, fund
desk, timers) through the same helpers, without deciding anything again: the events already say
what happened. An order that will rest is put on its book when it is accepted (or triggered, or
re-priced) and its own fills then reduce it — the same queue position the live path gives it,
because nothing else joins its side of the book while its own command is matching.

Replaying the events of a live run into a fresh manager yields the same ``state_hash``; every
fill is checked against the leaves the event recorded, so a divergence stops the replay at once
instead of producing a quietly different book.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from heapq import heappush

from openvenue.domain import events as ev
from openvenue.domain.orders import (
    BUY_SIDES,
    STOP_TYPES,
    Liquidity,
    Order,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from openvenue.oms.manager import CANCEL_DUE, OrderManager, apply_fund_fill


class ReplayDivergence(RuntimeError):
    """The stream contradicts the state it is applied to: corrupted or foreign events."""


_RESTING_TIFS = frozenset({TimeInForce.GTC, TimeInForce.DAY, TimeInForce.GTD})


class Projector:
    def __init__(self, oms: OrderManager) -> None:
        self.oms = oms
        self._apply: dict[type, Callable[[ev.Event], None]] = {
            ev.InstrumentDefined: lambda e: oms.apply_instrument(e.instrument),
            ev.ClientDefined: lambda e: oms.clients.__setitem__(e.client.id, e.client),
            ev.AccountDefined: self._account,
            ev.UserDefined: lambda e: oms.apply_user(e.user),
            ev.OrderAccepted: self._accepted,
            ev.OrderRejected: _nothing,
            ev.OrderFilled: self._filled,
            ev.OrderTriggered: self._triggered,
            ev.OrderReduced: self._reduced,
            ev.OrderPendingCancel: self._pending_cancel,
            ev.OrderCanceled: self._canceled,
            ev.CancelRejected: _nothing,
            ev.OrderReplaced: self._replaced,
            ev.ReplaceRejected: _nothing,
            ev.OrderExpired: self._expired,
            ev.FundOrderSent: self._fund_sent,
            ev.FundOrderSettled: self._fund_settled,
        }

    def apply(self, event: ev.Event) -> None:
        oms = self.oms
        if event.seq != oms.seq + 1:
            raise ReplayDivergence(f"event {event.seq} follows {oms.seq}: the stream has a gap")
        self._apply[type(event)](event)
        oms.seq = event.seq

    def apply_all(self, events: Iterable[ev.Event]) -> None:
        apply = self.apply
        for event in events:
            apply(event)

    # -- helpers -----------------------------------------------------------------------------------

    def _order(self, event: ev.Event) -> Order:
        order = self.oms.index.orders.get(event.order_id)
        if order is None:
            raise ReplayDivergence(f"event {event.seq} names unknown order {event.order_id}")
        order.updated_ns = event.ts
        return order

    def _place(self, order: Order) -> None:
        """Put an accepted, triggered or re-priced order where it waits: stops, book or desk."""
        oms = self.oms
        if oms.grids[order.instrument].is_fund:
            oms.fund_desk.accept(order)
            return
        typ = order.type
        if typ in STOP_TYPES and not order.triggered:
            oms.engine.park_stop(order)
        elif (typ is OrderType.LIMIT or typ is OrderType.STOP_LIMIT) and (
            order.time_in_force in _RESTING_TIFS
        ):
            book = oms.engine.books[order.instrument]
            (book.bids if order.is_buy else book.asks).add(order)

    def _close(self, order: Order) -> None:
        self.oms.index.close(order)
        self.oms.pending_cancels.pop(order.id, None)

    # -- reference data ----------------------------------------------------------------------------

    def _account(self, e: ev.AccountDefined) -> None:
        self.oms.accounts[e.account.id] = e.account
        self.oms.index.account(e.account.id)

    # -- orders ------------------------------------------------------------------------------------

    def _accepted(self, e: ev.OrderAccepted) -> None:
        oms = self.oms
        order = oms.new_order(
            e.order_id, e.account_id, e.user_id, e.instrument, e.client_order_id, e.side, e.type,
            e.time_in_force, e.quantity, e.price, e.stop_price, e.cash_amount, e.post_only, e.stp,
            e.expire_ns, e.session_id, e.side in BUY_SIDES, e.ts,
        )
        if e.replaces:
            order.replaces = e.replaces
            order.triggered = oms.index.orders[e.replaces].triggered
        oms.next_order_id = max(oms.next_order_id, e.order_id + 1)
        self._place(order)

    def _filled(self, e: ev.OrderFilled) -> None:
        oms = self.oms
        order = self._order(e)
        qty = e.quantity
        if e.liquidity is Liquidity.NAV:
            oms.fund_desk.forget(order)
            apply_fund_fill(order, qty, e.price, e.cash_amount, e.ts)
        else:
            oms.engine.execute_against(order, qty, e.price)
            order.fees += e.fee
        if order.leaves != e.leaves:
            raise ReplayDivergence(
                f"event {e.seq}: order {order.id} has {order.leaves} leaves, the fill says {e.leaves}"
            )
        oms.next_trade_id = max(oms.next_trade_id, e.trade_id + 1)
        oms.record_fill(e)
        order.record_fill()
        if not order.leaves:
            self._close(order)

    def _triggered(self, e: ev.OrderTriggered) -> None:
        order = self._order(e)
        self.oms.engine.unlink(order)
        order.triggered = True
        self._place(order)

    def _reduced(self, e: ev.OrderReduced) -> None:
        order = self._order(e)
        self.oms.engine.reduce(order, order.leaves - e.reduced_by)

    def _pending_cancel(self, e: ev.OrderPendingCancel) -> None:
        order = self._order(e)
        order.transition(OrderStatus.PENDING_CANCEL)
        self.oms.pending_cancels[order.id] = (e.user_id, e.reason, e.due_ns)
        heappush(self.oms.timers, (e.due_ns, CANCEL_DUE, order.id))

    def _release(self, order: Order) -> None:
        if not self.oms.fund_desk.withdraw(order):
            self.oms.engine.cancel(order)
        order.leaves = 0

    def _canceled(self, e: ev.OrderCanceled) -> None:
        order = self._order(e)
        self._release(order)
        order.transition(OrderStatus.CANCELED)
        order.canceled_ns = e.ts
        order.done_reason = e.reason
        self._close(order)

    def _expired(self, e: ev.OrderExpired) -> None:
        order = self._order(e)
        self._release(order)
        order.transition(OrderStatus.EXPIRED)
        self._close(order)

    def _replaced(self, e: ev.OrderReplaced) -> None:
        oms = self.oms
        order = self._order(e)
        if e.new_order_id:
            oms.engine.cancel(order)
            order.transition(OrderStatus.REPLACED)
            order.replaced_by = e.new_order_id
            self._close(order)
            return
        if e.client_order_id != order.client_order_id:
            oms.index.accounts[order.account_id].by_client_order_id[e.client_order_id] = order
            order.client_order_id = e.client_order_id
        if e.priority_kept:
            oms.engine.reduce(order, e.leaves)
            order.quantity = e.quantity
        else:
            oms.engine.unlink(order)
            order.quantity, order.price, order.stop_price = e.quantity, e.price, e.stop_price
            order.leaves = e.leaves
            self._place(order)

    def _fund_sent(self, e: ev.FundOrderSent) -> None:
        self.oms.fund_desk.mark_sent(self._order(e))

    def _fund_settled(self, e: ev.FundOrderSettled) -> None:
        order = self._order(e)
        self.oms.fund_desk.settle(order)
        order.settled_ns = e.ts


def _nothing(event: ev.Event) -> None:
    """Refusals change no state; only their sequence number counts."""


def replay(oms: OrderManager, events: Iterable[ev.Event]) -> OrderManager:
    """Apply ``events`` to ``oms`` (normally fresh) and return it."""
    Projector(oms).apply_all(events)
    return oms
