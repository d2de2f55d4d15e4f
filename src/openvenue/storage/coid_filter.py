"""Which client order ids the archive may hold, answered from memory by Bloom filters (rbloom).

Every new order's client order id must be checked against the orders retention moved to the
store, and nearly every such check finds nothing (a new id is new). Asking the database each time
puts a query on every place, on the OMS thread. The filter answers "certainly not archived" for
almost all of them from memory; only a "maybe" (an archived id, or a rare false positive) goes to
the store, which stays the authority. It never forgets an id it was given, so it cannot hide an
archived order.

The store is unbounded and a Bloom filter has a fixed capacity, so the filter grows in layers:
when one is full a new one twice its size starts, and an id may be archived if any layer may
hold it. Hashes are Python's own (salted per process), so the filter lives in memory only and is
rebuilt from the store when the journal opens.
"""

from __future__ import annotations

from collections.abc import Iterable

from rbloom import Bloom

FIRST_CAPACITY = 1 << 16
FALSE_POSITIVE_RATE = 0.005  # per layer: about 11 bits per id


class ArchivedClientOrderIds:
    """``add`` every (account, client order id) handed to the archive; ``may_hold`` before asking
    the store. False answers are exact; true ones may be wrong."""

    def __init__(self, ids: Iterable[tuple[int, str]] = ()) -> None:
        self._layers: list[Bloom] = []
        self._capacity = 0  # of the newest layer
        self._room = 0  # ids the newest layer still takes at its false-positive rate
        self.count = 0
        for account_id, client_order_id in ids:
            self.add(account_id, client_order_id)

    def add(self, account_id: int, client_order_id: str) -> None:
        if not self._room:
            capacity = 2 * self._capacity or FIRST_CAPACITY
            self._layers.append(Bloom(capacity, FALSE_POSITIVE_RATE))
            self._capacity = self._room = capacity
        self._layers[-1].add((account_id, client_order_id))
        self._room -= 1
        self.count += 1

    def may_hold(self, account_id: int, client_order_id: str) -> bool:
        if not self.count:
            return False
        key = (account_id, client_order_id)
        return any(key in layer for layer in self._layers)
