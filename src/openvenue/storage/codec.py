"""Journal records: how a run of events becomes one framed, checksummed row, and back.

A record is the events of one or more whole commands, MessagePack-encoded as one array, stored
with the sequence range it covers and a CRC-32 over that range and the payload. The databases
already make each commit atomic, so a crash cannot tear a record in the usual sense; the checksum
is there for what they do not promise: a bit flipped on disk, a file copied while written, a row
edited by hand. Decoding always checks the range against the events themselves, so a record that
lies about what it holds is as corrupt as one whose bytes changed.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

import msgspec

from openvenue.domain.events import Event

_encoder = msgspec.msgpack.Encoder(decimal_format="string")
_decoder = msgspec.msgpack.Decoder(list[Event])
_RANGE = struct.Struct("<qq")


class JournalError(RuntimeError):
    """The journal cannot be used as asked."""


class JournalCorrupt(JournalError):
    """A record failed its checks. ``first_seq``..``last_seq`` is the range it claims to hold."""

    def __init__(self, first_seq: int, last_seq: int, why: str) -> None:
        super().__init__(f"journal record for events {first_seq}..{last_seq} is corrupt: {why}")
        self.first_seq = first_seq
        self.last_seq = last_seq
        self.why = why


def checksum(first_seq: int, last_seq: int, payload: bytes) -> int:
    return zlib.crc32(payload, zlib.crc32(_RANGE.pack(first_seq, last_seq)))


def encode_events(events: Sequence[Event]) -> bytes:
    return _encoder.encode(events)


def check_record(first_seq: int, last_seq: int, crc: int, payload: bytes) -> str | None:
    """Why the row is not intact, or None. Cheap: no decoding (used by ``verify``'s full scan)."""
    if last_seq < first_seq:
        return f"range ends before it starts ({first_seq}..{last_seq})"
    if checksum(first_seq, last_seq, payload) != crc:
        return "checksum mismatch"
    return None


def decode_record(first_seq: int, last_seq: int, crc: int, payload: bytes) -> list[Event]:
    """The record's events, after checking its checksum and that they fill its range exactly."""
    why = check_record(first_seq, last_seq, crc, payload)
    if why is not None:
        raise JournalCorrupt(first_seq, last_seq, why)
    try:
        events = _decoder.decode(payload)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise JournalCorrupt(first_seq, last_seq, f"undecodable payload ({error})") from None
    if not events or events[0].seq != first_seq or events[-1].seq != last_seq \
            or len(events) != last_seq - first_seq + 1:
        raise JournalCorrupt(first_seq, last_seq, "events do not fill the record's range")
    return events
