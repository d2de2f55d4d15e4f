"""Trading-day boundaries: when a DAY order of each instrument kind expires.

Equities and options close at 16:00 New York time, crypto at 00:00 UTC and funds at their
cut-off; a DAY order expires at the first close after it was placed.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from openvenue.domain.instruments import InstrumentKind

_CLOSES: dict[InstrumentKind, tuple[ZoneInfo | timezone, time]] = {
    InstrumentKind.EQUITY: (ZoneInfo("America/New_York"), time(16, 0)),
    InstrumentKind.OPTION: (ZoneInfo("America/New_York"), time(16, 0)),
    InstrumentKind.CRYPTO_PERP: (timezone.utc, time(0, 0)),
    InstrumentKind.CRYPTO_SPOT: (timezone.utc, time(0, 0)),
    InstrumentKind.FUND: (ZoneInfo("Europe/Stockholm"), time(15, 0)),
}


def day_end_ns(kind: InstrumentKind, now_ns: int) -> int:
    """The first session close strictly after ``now_ns``, in ns since the epoch."""
    zone, close = _CLOSES[kind]
    local = datetime.fromtimestamp(now_ns / 1e9, zone)
    candidate = datetime.combine(local.date(), close, tzinfo=zone)
    if candidate.timestamp() * 1e9 <= now_ns:
        candidate = datetime.combine(local.date() + timedelta(days=1), close, tzinfo=zone)
    return int(candidate.timestamp()) * 1_000_000_000
