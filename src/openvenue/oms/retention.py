"""Retention: closed orders beyond a budget leave memory for the store's archive.

The manager keeps every order it ever saw in ``oms.index`` and every fill in ``oms.fills``; over
a long run that is unbounded. ``Retention`` listens to the event stream, notes each order as it
reaches a terminal status, and once more than ``keep_closed`` closed orders are held it archives
the oldest-closed ones (final state and fills) through the journal and, only when that archive
is committed, drops them from the indexes. An order is therefore always findable: in memory
until its archive is durable, in the store after. Open orders are never touched.

Eviction runs between commands (``sweep``, called by the durable wrapper), in batches of at
least ``slack`` orders so that rebuilding an account's fill list is paid rarely. Evicted orders
are no longer in memory for the manager's own lookups: cancel and replace of them answer
UNKNOWN_ORDER instead of TOO_LATE, and client-order-id de-duplication forgets them, until the
manager consults the archive (see the storage hooks).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from heapq import heapify

from openvenue.domain.events import (
    Event,
    FundOrderSettled,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderReplaced,
)
from openvenue.domain.orders import Order
from openvenue.oms.manager import OrderManager
from openvenue.oms.ports import ArchiveTicket, Journal


class Retention:
    def __init__(self, oms: OrderManager, journal: Journal, *, keep_closed: int,
                 slack: int | None = None) -> None:
        if keep_closed < 0:
            raise ValueError("keep_closed must be >= 0")
        self.oms = oms
        self.journal = journal
        self.keep_closed = keep_closed
        self.slack = max(1, keep_closed // 10) if slack is None else slack
        self.evicted = 0
        # closed orders still in memory, oldest first; seeded from a recovered state
        closed = [o for o in oms.index.orders.values() if not o.is_open]
        closed.sort(key=lambda o: (o.updated_ns, o.id))
        self._closed: deque[int] = deque(o.id for o in closed)
        self._renamed: set[int] = set()  # orders whose client order id changed: aliases remain
        self._in_flight: list[tuple[ArchiveTicket, list[Order]]] = []
        oms.subscribe(self._on_events)

    def _on_events(self, events: Sequence[Event]) -> None:
        closed = self._closed
        for event in events:
            kind = type(event)
            if kind is OrderFilled:
                if not event.leaves:
                    closed.append(event.order_id)
            elif kind is OrderCanceled or kind is OrderExpired or kind is FundOrderSettled:
                # (a fund order executed at NAV stays in memory until it settles: noted again then)
                closed.append(event.order_id)
            elif kind is OrderReplaced:
                if event.new_order_id:
                    closed.append(event.order_id)
                else:
                    self._renamed.add(event.order_id)

    @property
    def archiving(self) -> int:
        """Orders handed to the archive whose commit has not been seen yet (still in memory)."""
        return sum(len(orders) for _, orders in self._in_flight)

    def sweep(self) -> None:
        """Drop what the archive has committed; start archiving what is over the budget."""
        if self._in_flight:
            still = []
            for ticket, orders in self._in_flight:
                if ticket.done:
                    self._evict(orders)
                else:
                    still.append((ticket, orders))
            self._in_flight = still
        closed = self._closed
        if len(closed) < self.keep_closed + self.slack:
            return
        orders_by_id = self.oms.index.orders
        # with a fund calendar, an executed fund order settles later: it stays until then
        awaiting_settlement = self.oms.fund_desk.executed if self.oms.fund_schedule else {}
        victims = []
        while len(closed) > self.keep_closed:
            order = orders_by_id.get(closed.popleft())
            if order is not None and not order.is_open and order.id not in awaiting_settlement.get(
                    order.instrument, ()):
                victims.append(order)
        if not victims:
            return
        ids = {o.id for o in victims}
        fills = [f for a in {o.account_id for o in victims}
                 for f in self.oms.fills.get(a, ()) if f.order_id in ids]
        self._in_flight.append((self.journal.archive(victims, fills), victims))

    def _evict(self, orders: list[Order]) -> None:
        oms = self.oms
        index = oms.index
        ids = {o.id for o in orders}
        for order in orders:
            del index.orders[order.id]
            oms.fund_desk.settle(order)  # awaiting settlement only without a fund calendar
            account = index.accounts[order.account_id]
            coids = account.by_client_order_id
            if coids.get(order.client_order_id) is order:
                del coids[order.client_order_id]
            if order.id in self._renamed:
                self._renamed.discard(order.id)
                for alias in [k for k, o in coids.items() if o is order]:
                    del coids[alias]
        for account_id in {o.account_id for o in orders}:
            account = index.accounts[account_id]
            account.orders = [o for o in account.orders if o.id not in ids]
            fills = oms.fills.get(account_id)
            if fills:
                kept = [f for f in fills if f.order_id not in ids]
                if kept:
                    oms.fills[account_id] = kept
                else:
                    del oms.fills[account_id]
        self.evicted += len(orders)
        # timers of evicted orders would wait for their due time; drop them when they dominate
        if len(oms.timers) > 2 * len(index.orders) + 1024:
            oms.timers = [t for t in oms.timers if t[2] in index.orders]
            heapify(oms.timers)
