"""What a command's caller gets back: the events it caused, and the order or refusal they mean."""

from __future__ import annotations

from collections.abc import Sequence

try:
    import cython
except ImportError:  # uncompiled, without Cython installed: its decorators do nothing
    from openvenue.domain import _cython_shim as cython

from openvenue.domain.events import Event
from openvenue.domain.orders import Order
from openvenue.domain.reasons import CancelRejectReason, RejectReason


# One per command, and never part of a cycle: kept out of the cyclic collector's way.
@cython.no_gc
@cython.cclass
class Outcome:
    """The result of one command.

    ``order`` is the order the command created or acted on (the live object: read it before the
    next command if a stable view is needed). ``reason`` is set when the command was refused.
    ``results`` is filled by CancelAllOrders: one ``(order, reason or None)`` per order touched.
    """

    __slots__ = ("events", "order", "reason", "results", "text")

    def __init__(
        self,
        events: list[Event],
        order: Order | None = None,
        reason: RejectReason | CancelRejectReason | None = None,
        text: str = "",
    ) -> None:
        self.events = events
        self.order = order
        self.reason = reason
        self.text = text
        # CancelAllOrders replaces this with its own list; others share the empty tuple
        self.results: Sequence[tuple[Order, CancelRejectReason | None]] = ()

    @property
    def ok(self) -> bool:
        return self.reason is None

    def __repr__(self) -> str:
        status = "ok" if self.reason is None else self.reason
        order = None if self.order is None else (self.order.id, self.order.status)
        return f"Outcome({status}, order={order}, events={len(self.events)})"


def outcome_of(events: list[Event], order: Order | None) -> Outcome:
    """``Outcome(events, order)``, built field by field: every place and cancel returns one, and
    compiled (outcome.pxd) this is a C call with no argument parsing."""
    outcome = Outcome.__new__(Outcome)
    outcome.events = events
    outcome.order = order
    outcome.reason = None
    outcome.text = ""
    outcome.results = ()
    return outcome
