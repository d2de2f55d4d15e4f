"""Deterministic outcomes chosen by the client order id, usable from any unchanged client.

A client order id that contains one of these markers (case-insensitive) decides what happens to
the order, whatever the simulated market does:

==================  ===================  ============================================================
text id contains    numeric id starts     outcome
==================  ===================  ============================================================
``sbx-fill``        ``9911``              filled in full by the market maker right after acceptance
``sbx-partial``     ``9922``              half filled (``sbx-partial-25``: 25 %), the rest rests
``sbx-reject``      ``9933``              rejected (the venue's "instrument not trading" refusal)
``sbx-nofill``      ``9944``              never filled by the simulated market (it quotes around it)
==================  ===================  ============================================================

Numeric forms are for venues whose client order ids are integers (APEX): at least 8 digits, e.g.
``99110001``. Fills go through the engine (the market maker sends the opposite order at the
order's limit price), so orders ahead of it at a better price fill first, as on a real venue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Planned(StrEnum):
    FILL = "fill"
    PARTIAL = "partial"
    REJECT = "reject"
    NO_FILL = "nofill"


@dataclass(frozen=True)
class Plan:
    outcome: Planned
    percent: int = 100


_TEXT = re.compile(r"sbx-(fill|partial|reject|nofill)(?:-(\d{1,3}))?", re.IGNORECASE)
_NUMERIC = {"9911": Planned.FILL, "9922": Planned.PARTIAL, "9933": Planned.REJECT,
            "9944": Planned.NO_FILL}


def plan_for(client_order_id: str) -> Plan | None:
    if not client_order_id:
        return None
    if client_order_id.isdigit():
        outcome = _NUMERIC.get(client_order_id[:4]) if len(client_order_id) >= 8 else None
        if outcome is None:
            return None
        return Plan(outcome, 50 if outcome is Planned.PARTIAL else 100)
    match = _TEXT.search(client_order_id)
    if match is None:
        return None
    outcome = Planned(match.group(1).lower())
    if outcome is Planned.PARTIAL:
        percent = int(match.group(2)) if match.group(2) else 50
        return Plan(outcome, min(max(percent, 1), 99))
    return Plan(outcome)
