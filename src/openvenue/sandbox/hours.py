"""Market hours per instrument kind, so "outside market hours" can be tested on the venue clock.

Equities and options (US): regular session 09:30-16:00 New York time, extended hours 04:00-09:30
and 16:00-20:00, Monday to Friday (exchange holidays are not modelled). Crypto trades around the
clock. Funds take orders at any time (their cut-off is the fund desk's business).

The mode is the sandbox's: ``always`` (no restriction, the default), ``regular`` (equities only
in the regular session) or ``extended`` (regular plus extended hours). Outside the allowed hours
a new order is refused the way each face refuses an order for an instrument that is not trading.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from openvenue.domain.instruments import InstrumentKind

Mode = Literal["always", "regular", "extended"]
NEW_YORK = ZoneInfo("America/New_York")
REGULAR = (time(9, 30), time(16, 0))
EXTENDED = (time(4, 0), time(20, 0))
_SESSION_KINDS = frozenset({InstrumentKind.EQUITY, InstrumentKind.OPTION})


def session(kind: InstrumentKind, now_ns: int) -> str:
    """``regular``, ``extended`` or ``closed`` for an equity or option; ``open`` otherwise."""
    if kind not in _SESSION_KINDS:
        return "open"
    local = datetime.fromtimestamp(now_ns // 1_000_000_000, NEW_YORK)
    if local.weekday() >= 5:
        return "closed"
    moment = local.time()
    if REGULAR[0] <= moment < REGULAR[1]:
        return "regular"
    if EXTENDED[0] <= moment < EXTENDED[1]:
        return "extended"
    return "closed"


def is_open(mode: Mode, kind: InstrumentKind, now_ns: int) -> bool:
    if mode == "always":
        return True
    current = session(kind, now_ns)
    if current in ("open", "regular"):
        return True
    return mode == "extended" and current == "extended"
