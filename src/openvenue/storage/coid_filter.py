"""Which client order ids the archive may hold, answered from memory: a layered Bloom filter.

Every new order's client order id must be checked against the orders retention moved to the
store, and nearly every such check finds nothing (a new id is new). Asking the database each time
puts a query on every place, on the OMS thread. The filter answers "certainly not archived" for
almost all of them from memory; only a "maybe" (an archived id, or a rare false positive) goes to
the store, which stays the authority. It never forgets an id it was given, so it cannot hide an
archived order.

The store is unbounded, so the filter grows in layers: when one is full a new one twice its size
starts, and an id may be archived if any layer may hold it. About 12 bits per id and 5 probes
keep false positives near 0.5% per layer. Hashes are Python's own (salted per process), so the
filter lives in memory only and is rebuilt from the store when the journal opens.
"""

from __future__ import annotations

from collections.abc import Iterable

BITS_PER_ID = 12
PROBES = 5
FIRST_CAPACITY = 1 << 16
_MASK32 = (1 << 32) - 1


class _Layer:
    __slots__ = ("bits", "capacity", "count", "size")

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.count = 0
        self.size = capacity * BITS_PER_ID
        self.bits = bytearray((self.size + 7) // 8)

    def positions(self, key_hash: int) -> list[int]:
        # double hashing: PROBES positions from the two halves of one 64-bit hash
        first = key_hash & _MASK32
        step = (key_hash >> 32) | 1
        size = self.size
        return [(first + i * step) % size for i in range(PROBES)]

    def add(self, key_hash: int) -> None:
        bits = self.bits
        for position in self.positions(key_hash):
            bits[position >> 3] |= 1 << (position & 7)
        self.count += 1

    def may_hold(self, key_hash: int) -> bool:
        bits = self.bits
        for position in self.positions(key_hash):
            if not bits[position >> 3] & (1 << (position & 7)):
                return False
        return True


class ArchivedClientOrderIds:
    """``add`` every (account, client order id) handed to the archive; ``may_hold`` before asking
    the store. False answers are exact; true ones may be wrong."""

    def __init__(self, ids: Iterable[tuple[int, str]] = ()) -> None:
        self._layers: list[_Layer] = []
        self.count = 0
        for account_id, client_order_id in ids:
            self.add(account_id, client_order_id)

    def add(self, account_id: int, client_order_id: str) -> None:
        layers = self._layers
        if not layers or layers[-1].count >= layers[-1].capacity:
            layers.append(_Layer(FIRST_CAPACITY if not layers else 2 * layers[-1].capacity))
        layers[-1].add(hash((account_id, client_order_id)))
        self.count += 1

    def may_hold(self, account_id: int, client_order_id: str) -> bool:
        if not self.count:
            return False
        key_hash = hash((account_id, client_order_id))
        return any(layer.may_hold(key_hash) for layer in self._layers)
