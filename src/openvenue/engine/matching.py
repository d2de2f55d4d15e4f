"""Matching: price-time priority across every instrument's book, one writer, no I/O.

The engine owns the books and every quantity an execution changes (``leaves``, ``filled``,
``notional``, book membership). It reports what happened through an ``ExecutionSink`` — the OMS,
which moves statuses and emits events — in the exact order things happen, so a fill, a
self-trade cancel and a stop trigger come out causally ordered.

Fills print at the resting order's price. Self-trade prevention follows the aggressing order's
mode. Fill-or-kill is decided before the first fill by a read-only walk of the book. Stops
trigger on the last trade price of their instrument and then work as market (STOP) or limit
(STOP_LIMIT) orders; triggers cascade in stop-price then arrival order.
"""

from __future__ import annotations

from typing import Protocol

from sortedcontainers import SortedKeyList

from openvenue.domain.orders import Order, OrderType, StpMode, TimeInForce
from openvenue.domain.reasons import CancelReason
from openvenue.engine.book import NO_LIMIT, BookSide, OrderBook, PriceLevel

_MARKET = OrderType.MARKET
_STOP = OrderType.STOP
_STOP_LIMIT = OrderType.STOP_LIMIT
_IOC = TimeInForce.IOC
_FOK = TimeInForce.FOK
_STP_NONE = StpMode.NONE
_CANCEL_AGGRESSING = StpMode.CANCEL_AGGRESSING
_CANCEL_RESTING = StpMode.CANCEL_RESTING
_CANCEL_BOTH = StpMode.CANCEL_BOTH
# CancelReason members as globals: cheaper than a read off the enum class on Python 3.11
_IOC_REMAINDER = CancelReason.IOC_REMAINDER
_SELF_TRADE = CancelReason.SELF_TRADE


class ExecutionSink(Protocol):
    def on_trade(self, taker: Order, maker: Order, price: int, quantity: int) -> None:
        """Both orders' quantities already reflect the fill."""

    def on_canceled(self, order: Order, quantity: int, reason: CancelReason) -> None:
        """The engine took ``quantity`` (all of its leaves) off ``order``; leaves is now 0."""

    def on_reduced(self, order: Order, quantity: int) -> None:
        """Decrement-and-cancel took ``quantity`` off ``order``, which stays open."""

    def on_triggered(self, order: Order, last_price: int) -> None:
        """A stop order's stop price was reached; it is about to be executed."""


class _StopBook:
    """Untriggered stops of one instrument, each side sorted so the next to trigger is first."""

    __slots__ = ("buys", "sells")

    def __init__(self) -> None:
        # buy stops trigger when last >= stop (lowest stop first); sell stops when last <= stop
        self.buys = SortedKeyList(key=lambda o: (o.stop_price, o.id))
        self.sells = SortedKeyList(key=lambda o: (-o.stop_price, o.id))

    def add(self, order: Order) -> None:
        (self.buys if order.is_buy else self.sells).add(order)

    def remove(self, order: Order) -> bool:
        side = self.buys if order.is_buy else self.sells
        try:
            side.remove(order)
        except ValueError:
            return False
        return True

    def pop_triggered(self, last: int) -> Order | None:
        buys, sells = self.buys, self.sells
        if buys and buys[0].stop_price <= last:
            if sells and sells[0].stop_price >= last and sells[0].id < buys[0].id:
                return sells.pop(0)
            return buys.pop(0)
        if sells and sells[0].stop_price >= last:
            return sells.pop(0)
        return None

    def __len__(self) -> int:
        return len(self.buys) + len(self.sells)

    def __iter__(self):
        yield from self.buys
        yield from self.sells


class MatchingEngine:
    __slots__ = ("books", "sink", "stops")

    def __init__(self, sink: ExecutionSink) -> None:
        self.sink = sink
        self.books: dict[str, OrderBook] = {}
        self.stops: dict[str, _StopBook] = {}

    def add_book(self, instrument: str) -> OrderBook:
        book = self.books.get(instrument)
        if book is None:
            book = self.books[instrument] = OrderBook(instrument)
        return book

    # -- queries used before an order is accepted ------------------------------------------------

    def would_cross(self, instrument: str, is_buy: bool, price: int) -> bool:
        """Whether a limit order at ``price`` would take liquidity now (post-only must not)."""
        book = self.books[instrument]
        opposite = book.asks if is_buy else book.bids
        keys = opposite.keys
        return bool(keys) and keys[-1] >= price * opposite.sign

    # -- commands --------------------------------------------------------------------------------

    def submit(self, order: Order) -> None:
        """Execute a newly accepted order: match it, then rest, park or cancel what is left."""
        book = self.books[order.instrument]
        typ = order.type
        if (typ is _STOP or typ is _STOP_LIMIT) and not order.triggered:
            last = book.last_price
            if not last or (last < order.stop_price if order.is_buy else last > order.stop_price):
                self.park_stop(order)
                return
            order.triggered = True
            self.sink.on_triggered(order, last)
        last_before = book.last_price
        self._execute(book, order)
        if book.last_price != last_before and order.instrument in self.stops:
            self._run_stops(book)

    def park_stop(self, order: Order) -> None:
        """Hold an untriggered stop until the last trade price reaches its stop price."""
        stops = self.stops.get(order.instrument)
        if stops is None:
            stops = self.stops[order.instrument] = _StopBook()
        stops.add(order)

    def cancel(self, order: Order) -> int:
        """Take a resting or parked order out; returns the leaves released (now 0 on the order)."""
        self.unlink(order)
        released = order.leaves
        order.leaves = 0
        return released

    def execute_against(self, order: Order, quantity: int, price: int) -> None:
        """Apply a fill to ``order`` outside matching: a venue-side execution or a replayed fill.

        The book and the last trade price follow; stops are left to ``run_stops``, so the caller
        can record the fill before anything it triggers.
        """
        if order.on_book:
            book = self.books[order.instrument]
            side = book.bids if order.is_buy else book.asks
            side.levels[order.price * side.sign].qty -= quantity
            order.leaves -= quantity
            if not order.leaves:
                side.remove(order)
        else:
            order.leaves -= quantity
        order.filled += quantity
        order.notional += price * quantity
        self.books[order.instrument].last_price = price

    def run_stops(self, instrument: str) -> None:
        if instrument in self.stops:
            self._run_stops(self.books[instrument])

    def reduce(self, order: Order, new_leaves: int) -> None:
        """Lower a resting order's leaves in place: it keeps its place in the queue."""
        if order.on_book:
            book = self.books[order.instrument]
            side = book.bids if order.is_buy else book.asks
            side.levels[order.price * side.sign].qty -= order.leaves - new_leaves
        order.leaves = new_leaves

    def unlink(self, order: Order) -> None:
        """Take an order out of the book without releasing it, before it is changed and resubmitted."""
        if order.on_book:
            book = self.books[order.instrument]
            (book.bids if order.is_buy else book.asks).remove(order)
        elif order.type in (_STOP, _STOP_LIMIT) and not order.triggered:
            stops = self.stops.get(order.instrument)
            if stops is not None:
                stops.remove(order)

    # -- matching --------------------------------------------------------------------------------

    def _execute(self, book: OrderBook, order: Order) -> None:
        typ = order.type
        market = typ is _MARKET or typ is _STOP
        if order.is_buy:
            opposite = book.asks
            limit_key = NO_LIMIT if market else -order.price
        else:
            opposite = book.bids
            limit_key = NO_LIMIT if market else order.price
        tif = order.time_in_force
        if tif is _FOK and not _can_fill(order, opposite, limit_key):
            self._cancel_remainder(order, _IOC_REMAINDER)
            return
        keys = opposite.keys
        if keys and keys[-1] >= limit_key:
            self._match(book, order, opposite, limit_key)
        if order.leaves:
            if market or tif is _IOC or tif is _FOK:
                self._cancel_remainder(order, _IOC_REMAINDER)
            else:
                (book.bids if order.is_buy else book.asks).add(order)

    def _match(self, book: OrderBook, taker: Order, opposite: BookSide, limit_key: int) -> None:
        keys, levels = opposite.keys, opposite.levels
        on_trade = self.sink.on_trade
        check_stp = taker.stp is not _STP_NONE
        account = taker.account_id
        last = 0
        while keys:
            key = keys[-1]
            if key < limit_key:
                break
            level = levels[key]
            maker = level.head
            if check_stp and maker.account_id == account:
                self._prevent_self_trade(opposite, level, taker, maker)
                if not taker.leaves:
                    break
                continue
            price = level.price
            qty = taker.leaves
            maker_leaves = maker.leaves
            qty = min(qty, maker_leaves)
            value = price * qty
            maker_leaves -= qty
            maker.leaves = maker_leaves
            maker.filled += qty
            maker.notional += value
            taker.leaves -= qty
            taker.filled += qty
            taker.notional += value
            level.qty -= qty
            if not maker_leaves:
                nxt = maker.next
                level.head = nxt
                if nxt is None:
                    level.tail = None
                else:
                    nxt.prev = None
                    maker.next = None
                maker.on_book = False
                level.count -= 1
                if not level.count:
                    keys.pop()
                    del levels[key]
            last = price
            on_trade(taker, maker, price, qty)
            if not taker.leaves:
                break
        if last:
            book.last_price = last

    def _prevent_self_trade(
        self, opposite: BookSide, level: PriceLevel, taker: Order, maker: Order
    ) -> None:
        stp = taker.stp
        if stp is _CANCEL_AGGRESSING:
            self._cancel_remainder(taker, _SELF_TRADE)
        elif stp is _CANCEL_RESTING:
            self._cancel_resting(opposite, maker)
        elif stp is _CANCEL_BOTH:
            self._cancel_resting(opposite, maker)
            self._cancel_remainder(taker, _SELF_TRADE)
        else:  # DECREMENT_AND_CANCEL: the smaller is canceled, the larger reduced by as much
            overlap = min(taker.leaves, maker.leaves)
            if maker.leaves > overlap:
                level.qty -= overlap
                maker.leaves -= overlap
                self.sink.on_reduced(maker, overlap)
            else:
                self._cancel_resting(opposite, maker)
            if taker.leaves > overlap:
                taker.leaves -= overlap
                self.sink.on_reduced(taker, overlap)
            else:
                self._cancel_remainder(taker, _SELF_TRADE)

    def _cancel_resting(self, side: BookSide, order: Order) -> None:
        side.remove(order)
        self._cancel_remainder(order, _SELF_TRADE)

    def _cancel_remainder(self, order: Order, reason: CancelReason) -> None:
        quantity = order.leaves
        order.leaves = 0
        self.sink.on_canceled(order, quantity, reason)

    def _run_stops(self, book: OrderBook) -> None:
        stops = self.stops[book.instrument]
        while True:
            order = stops.pop_triggered(book.last_price)
            if order is None:
                return
            order.triggered = True
            self.sink.on_triggered(order, book.last_price)
            self._execute(book, order)


def _can_fill(order: Order, opposite: BookSide, limit_key: int) -> bool:
    """Whether ``order`` would fill completely right now, honouring its self-trade mode."""
    needed = order.leaves
    stp, account = order.stp, order.account_id
    levels = opposite.levels
    for key in reversed(opposite.keys):
        if key < limit_key:
            return False
        level = levels[key]
        if stp is _STP_NONE:
            needed -= level.qty
        else:
            for maker in level:
                if maker.account_id != account:
                    needed -= maker.leaves
                elif stp is not _CANCEL_RESTING:
                    return False  # matching would stop (or shrink the order) here
                if needed <= 0:
                    return True
        if needed <= 0:
            return True
    return False
