"""An order's UUID and ULID, derived from its sequence id instead of stored beside it.

Every order has one int64 sequence id; the UUID and ULID are pure functions of that id, the
instance's id key and (for the ULID) the creation time. Deriving them keeps the hot path free of
random-number calls and extra indexes, stays deterministic on replay, and still makes lookups by
UUID or ULID O(1): both decode back to the sequence id.

The UUID is a version-4-shaped value whose low 62 bits are a keyed Feistel permutation of the id
(so ids are not guessable from UUIDs) and whose high bits are a keyed mix of the id. The ULID is
the creation millisecond, 16 key bits and the id: lexicographic order follows creation order, as
ULID-sorted cursors expect.
"""

from __future__ import annotations

import hashlib
import uuid

from ulid import ULID

_MASK31 = (1 << 31) - 1
_MASK62 = (1 << 62) - 1
_MASK64 = (1 << 64) - 1
_ROUNDS = 4
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]
_PAIR_SHIFTS = range(120, -1, -10)  # a ULID is 130 bits (2 leading zeros) in 26 characters


class OrderIdCodec:
    """Maps sequence ids to UUIDs and ULIDs and back, under one instance key."""

    __slots__ = ("_round_keys", "_high_key", "_ulid_key")

    def __init__(self, key: bytes) -> None:
        digest = hashlib.blake2b(key, digest_size=32, person=b"openvenue-ids").digest()
        words = [int.from_bytes(digest[i : i + 4], "big") for i in range(0, 32, 4)]
        self._round_keys = tuple(w | 1 for w in words[:_ROUNDS])
        self._high_key = words[4] << 32 | words[5]
        self._ulid_key = words[6] & 0xFFFF

    # -- UUID ------------------------------------------------------------------------------------

    def _permute(self, value: int) -> int:
        left, right = value >> 31, value & _MASK31
        for k in self._round_keys:
            left, right = right, left ^ (((right * k) >> 7 ^ right) & _MASK31)
        return left << 31 | right

    def _unpermute(self, value: int) -> int:
        left, right = value >> 31, value & _MASK31
        for k in reversed(self._round_keys):
            left, right = right ^ (((left * k) >> 7 ^ left) & _MASK31), left
        return left << 31 | right

    def uuid_int(self, order_id: int) -> int:
        low = self._permute(order_id & _MASK62) | (0b10 << 62)  # RFC 4122 variant
        high = ((order_id ^ self._high_key) * 0x9E3779B97F4A7C15) & _MASK64
        high = ((high ^ high >> 30) * 0xBF58476D1CE4E5B9) & _MASK64
        high ^= high >> 27
        high = (high & ~(0xF << 12)) | (0x4 << 12)  # version 4
        return high << 64 | low

    def uuid(self, order_id: int) -> uuid.UUID:
        return uuid.UUID(int=self.uuid_int(order_id))

    def uuid_text(self, order_id: int) -> str:
        """``str(self.uuid(order_id))`` without building the UUID object (every reply needs it)."""
        h = f"{self.uuid_int(order_id):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def order_id_from_uuid(self, value: str | uuid.UUID) -> int | None:
        """The sequence id a UUID was derived from, or None if it is not one of ours."""
        try:
            parsed = value if isinstance(value, uuid.UUID) else uuid.UUID(value)
        except (ValueError, TypeError, AttributeError):
            return None
        order_id = self._unpermute(parsed.int & _MASK62)
        return order_id if self.uuid(order_id) == parsed else None

    # -- ULID ------------------------------------------------------------------------------------

    def _ulid_int(self, order_id: int, created_ns: int) -> int:
        return (created_ns // 1_000_000) << 80 | self._ulid_key << 64 | (order_id & _MASK64)

    def ulid(self, order_id: int, created_ns: int) -> ULID:
        return ULID.from_int(self._ulid_int(order_id, created_ns))

    def ulid_text(self, order_id: int, created_ns: int) -> str:
        """``str(self.ulid(...))``, ten bits (two Crockford characters) per table lookup."""
        value = self._ulid_int(order_id, created_ns)
        return "".join([_CROCKFORD_PAIRS[(value >> shift) & 0x3FF] for shift in _PAIR_SHIFTS])

    def order_id_from_ulid(self, value: str) -> int | None:
        """The sequence id inside a ULID of ours (its timestamp is checked by the caller's lookup)."""
        try:
            parsed = ULID.from_str(value)
        except (ValueError, TypeError):
            return None
        as_int = int(parsed)
        if (as_int >> 64) & 0xFFFF != self._ulid_key:
            return None
        return as_int & _MASK64
