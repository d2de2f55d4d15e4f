"""The order book of one instrument: two sides of price levels, each level a FIFO queue.

Both sides key their levels so that the best level has the largest key (bids: price, asks:
-price); ``keys`` is a plain sorted list, best at the end. Taking or dropping the best level is
then ``list.pop()``, and an incoming order crosses a level when ``key >= limit_key``, the same
comparison on either side. Inserting a new price level is a C-level ``insort`` — for books of up
to tens of thousands of levels that is faster than any tree in Python.

A level is an intrusive doubly linked list of orders (``Order.prev``/``next``): appending,
taking the head and cancelling from the middle are all O(1).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator

try:
    import cython
except ImportError:  # uncompiled, without Cython installed: its decorators do nothing
    from openvenue.domain import _cython_shim as cython

from openvenue.domain.orders import Order

NO_LIMIT = -(1 << 62)  # the limit key of a market order: crosses every level


# A level refers only to orders, which never refer back to it.
@cython.no_gc
@cython.cclass
class PriceLevel:
    __slots__ = ("count", "head", "price", "qty", "tail")

    def __init__(self, price: int) -> None:
        self.price = price
        self.qty = 0  # sum of the queue's leaves, for depth and fill-or-kill checks
        self.count = 0
        self.head: Order | None = None
        self.tail: Order | None = None

    def __iter__(self) -> Iterator[Order]:
        order = self.head
        while order is not None:
            yield order
            order = order.next


class BookSide:
    __slots__ = ("keys", "levels", "sign")

    def __init__(self, sign: int) -> None:
        self.sign = sign  # +1 bids, -1 asks
        self.levels: dict[int, PriceLevel] = {}
        self.keys: list[int] = []

    def add(self, order: Order) -> None:
        """Append ``order`` at the back of its price level."""
        key = order.price * self.sign
        level = self.levels.get(key)
        if level is None:
            level = self.levels[key] = PriceLevel(order.price)
            keys = self.keys
            if not keys or key > keys[-1]:
                keys.append(key)
            else:
                insort(keys, key)
        tail = level.tail
        order.prev = tail
        if tail is None:
            level.head = order
        else:
            tail.next = order
        level.tail = order
        level.qty += order.leaves
        level.count += 1
        order.on_book = True

    def remove(self, order: Order) -> None:
        """Unlink ``order`` from wherever it stands in its level."""
        key = order.price * self.sign
        level = self.levels[key]
        prev, nxt = order.prev, order.next
        if prev is None:
            level.head = nxt
        else:
            prev.next = nxt
        if nxt is None:
            level.tail = prev
        else:
            nxt.prev = prev
        order.prev = order.next = None
        order.on_book = False
        level.qty -= order.leaves
        level.count -= 1
        if level.count == 0:
            self._drop_level(key)

    def _drop_level(self, key: int) -> None:
        del self.levels[key]
        keys = self.keys
        if keys[-1] == key:
            keys.pop()
        else:
            del keys[bisect_left(keys, key)]

    def best_price(self) -> int | None:
        keys = self.keys
        return keys[-1] * self.sign if keys else None

    def __iter__(self) -> Iterator[PriceLevel]:
        """Levels from best to worst."""
        levels = self.levels
        for key in reversed(self.keys):
            yield levels[key]

    def __len__(self) -> int:
        return len(self.keys)


class OrderBook:
    __slots__ = ("asks", "bids", "instrument", "last_price")

    def __init__(self, instrument: str) -> None:
        self.instrument = instrument
        self.bids = BookSide(1)
        self.asks = BookSide(-1)
        self.last_price = 0  # of the last trade, in ticks; 0 before the first

    def side_of(self, order: Order) -> BookSide:
        return self.bids if order.is_buy else self.asks

    def best_bid(self) -> int | None:
        return self.bids.best_price()

    def best_ask(self) -> int | None:
        return self.asks.best_price()

    def resting(self) -> Iterator[Order]:
        """Every resting order in priority order: bids best first, then asks best first."""
        for side in (self.bids, self.asks):
            for level in side:
                yield from level

    def depth(self, levels: int = 10) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
        """Aggregated levels ``(price, qty, orders)`` per side, best first."""
        def top(side: BookSide) -> list[tuple[int, int, int]]:
            out = []
            for level in side:
                if len(out) == levels:
                    break
                out.append((level.price, level.qty, level.count))
            return out

        return top(self.bids), top(self.asks)
