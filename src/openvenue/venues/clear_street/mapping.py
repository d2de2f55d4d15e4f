"""Domain <-> Clear Street wire: ids, enums, statuses, times, decimals, views and error statuses.

The core's words become the SDK's: ``GTC`` is ``GOOD_TILL_CANCEL``, an untriggered stop is
``PENDING_TRIGGER``, a short sale is a ``SELL``. Orders are named by their UUID (the core's
single id set); instruments, which the core numbers, get a stable name-based UUID. Every refusal
the core can give maps to one status here, never 408, 409 or 5xx: the SDK retries those.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from openvenue.domain.events import OrderCanceled, OrderFilled
from openvenue.domain.instruments import Instrument, InstrumentKind
from openvenue.domain.orders import STOP_TYPES, Order, OrderStatus, OrderType, Side, TimeInForce
from openvenue.domain.reasons import CancelReason, CancelRejectReason, RejectReason
from openvenue.oms.manager import OrderManager
from openvenue.venues.clear_street import schemas
from openvenue.venues.http import HttpError
from openvenue.venues.wire import rfc3339_ns as format_ns

# -- errors ---------------------------------------------------------------------------------------

PERMISSION_DENIED = "The caller does not have permission to execute the specified operation"


def error(status: int, message: str) -> HttpError:
    # The toolkit's ``code`` slot carries nothing for this venue: its code is the HTTP status.
    return HttpError(status, str(status), message)


def not_found(order_ref: str, account_id: int) -> HttpError:
    return error(404, f"Order {order_ref} not found for account {account_id}")


def not_open(order_ref: str, order: Order) -> HttpError:
    # Contract decision: 400, never 409 (the SDK would retry a 409).
    return error(400, f"Order {order_ref} is not open (status {status_of(order)})")


def refusal(reason: RejectReason | CancelRejectReason, text: str, order_ref: str,
            account_id: int, order: Order | None) -> HttpError:
    """The venue's answer to a core refusal of a place, cancel or replace."""
    if reason in (RejectReason.NOT_AUTHORIZED, CancelRejectReason.NOT_AUTHORIZED):
        return error(403, PERMISSION_DENIED)
    if reason in (RejectReason.UNKNOWN_ORDER, CancelRejectReason.UNKNOWN_ORDER):
        return not_found(order_ref, account_id)
    if reason is RejectReason.UNKNOWN_ACCOUNT:
        return error(404, f"Account {account_id} not found")
    if reason in (CancelRejectReason.TOO_LATE_TO_CANCEL, RejectReason.TOO_LATE_TO_REPLACE):
        if order is not None:
            return not_open(order_ref, order)
        return error(400, f"Order {order_ref} is not open")
    if reason in (CancelRejectReason.ALREADY_PENDING, RejectReason.ALREADY_PENDING):
        return error(400, f"Order {order_ref} already has a cancel or replace pending")
    if reason is RejectReason.DUPLICATE_CLIENT_ORDER_ID:
        # Contract decision: 422, not 409, so the SDK does not retry it.
        return error(422, f"Order id {order_ref} already used for account {account_id}")
    if reason is RejectReason.NOTHING_TO_CHANGE:
        return error(400, "The replace request changes nothing")
    return error(422, text or str(reason))


# -- instruments ----------------------------------------------------------------------------------

# Instrument UUIDs are derived from the core's instrument id under a fixed namespace, so they are
# the same on every restart and every openvenue instance, like the venue's own reference data.
_INSTRUMENT_NAMESPACE = uuid.UUID("6f1c8d52-1e8a-4b7e-9a51-3c2e7d4b9f10")

SECURITY_TYPE: dict[InstrumentKind, str] = {
    InstrumentKind.EQUITY: "COMMON_STOCK",
    InstrumentKind.OPTION: "OPTION",
}
# Decision: the MIC each kind is routed to in reports (US equities on Nasdaq, options on Cboe).
MIC: dict[InstrumentKind, str] = {InstrumentKind.EQUITY: "XNAS", InstrumentKind.OPTION: "XCBO"}
OFF_VENUE_MIC = "XOFF"  # orders placed elsewhere on instruments Clear Street does not list


@lru_cache(maxsize=4096)
def _instrument_uuid(instrument_id: int) -> str:
    return str(uuid.uuid5(_INSTRUMENT_NAMESPACE, f"instrument:{instrument_id}"))


def instrument_uuid(inst: Instrument) -> str:
    return _instrument_uuid(inst.id)


def is_listed(inst: Instrument) -> bool:
    """Clear Street trades US equities and options; the core's other kinds are not its own."""
    return inst.kind in SECURITY_TYPE


class InstrumentIndex:
    """Instrument by symbol or UUID, rebuilt when the core's reference data changes."""

    def __init__(self, oms: OrderManager) -> None:
        self._oms = oms
        self._seen: tuple[int, ...] = ()
        self._by_uuid: dict[str, Instrument] = {}

    def resolve(self, ref: str) -> Instrument | None:
        """A listed instrument named by symbol (ticker or OSI) or by its UUID."""
        inst = self._oms.instruments.get(ref)
        if inst is None:
            inst = self._uuids().get(ref.lower())
        return inst if inst is not None and is_listed(inst) else None

    def listed(self) -> list[Instrument]:
        listed = (i for i in self._oms.instruments.values() if is_listed(i))
        return sorted(listed, key=lambda i: i.id)

    def _uuids(self) -> dict[str, Instrument]:
        # a redefinition (halt, resume) replaces the instrument object: identities tell
        current = tuple(map(id, self._oms.instruments.values()))
        if current != self._seen:
            self._by_uuid = {instrument_uuid(i): i for i in self._oms.instruments.values()}
            self._seen = current
        return self._by_uuid


# -- enums ----------------------------------------------------------------------------------------

REQUEST_SIDE = {"BUY": Side.BUY, "SELL": Side.SELL, "SELL_SHORT": Side.SELL}
REQUEST_ORDER_TYPE = {"MARKET": OrderType.MARKET, "LIMIT": OrderType.LIMIT,
                      "STOP": OrderType.STOP, "STOP_LIMIT": OrderType.STOP_LIMIT}
REQUEST_TIME_IN_FORCE = {"DAY": TimeInForce.DAY, "GOOD_TILL_CANCEL": TimeInForce.GTC,
                         "IMMEDIATE_OR_CANCEL": TimeInForce.IOC,
                         "FILL_OR_KILL": TimeInForce.FOK, "GOOD_TILL_DATE": TimeInForce.GTD}
TIME_IN_FORCE = {v: k for k, v in REQUEST_TIME_IN_FORCE.items()}
# openvenue's own short-sale and cover sides read as the SDK's two sides
SIDE = {Side.BUY: "BUY", Side.BUY_TO_COVER: "BUY", Side.SELL: "SELL", Side.SELL_SHORT: "SELL"}
SIDES_OF = {"BUY": (Side.BUY, Side.BUY_TO_COVER), "SELL": (Side.SELL, Side.SELL_SHORT)}

ORDER_STATUSES = frozenset({
    "PENDING_NEW", "QUEUED", "PENDING_TRIGGER", "NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED",
    "REJECTED", "EXPIRED", "PENDING_CANCEL", "PENDING_REPLACE", "REPLACED", "DONE_FOR_DAY",
    "STOPPED", "SUSPENDED", "CALCULATED", "OTHER"})
ORDER_TYPES = frozenset({"MARKET", "LIMIT", "STOP", "STOP_LIMIT", "TRAILING_STOP",
                         "TRAILING_STOP_LIMIT", "OTHER"})
SECURITY_TYPES = frozenset({"COMMON_STOCK", "INDEX", "OPTION", "CASH"})

_DETAILS = {
    CancelReason.REQUESTED: "Canceled by user",
    CancelReason.MASS_CANCEL: "Canceled by cancel-all request",
    CancelReason.IOC_REMAINDER: "Unfilled quantity canceled (time in force)",
    CancelReason.SELF_TRADE: "Canceled to prevent a self-trade",
    CancelReason.DISCONNECT: "Canceled on disconnect",
    CancelReason.OPERATOR: "Canceled by the venue operator",
    CancelReason.EXPIRED: "Expired",
}


def status_of(order: Order) -> str:
    status = order.status
    if (status is OrderStatus.NEW and order.type in STOP_TYPES and not order.triggered
            and not order.filled):
        return "PENDING_TRIGGER"
    return status.value  # the core's statuses are all SDK statuses


# -- times ----------------------------------------------------------------------------------------



_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?"
                   r"([Zz]|[+-]\d{2}:?\d{2})?$")


def parse_time(text: str, name: str, *, end_of_day: bool = False) -> int:
    """ISO 8601 / RFC 3339 -> ns since the epoch; no zone means UTC. A bare date is the start
    of that day, or its end (the last nanosecond) when ``end_of_day``, as the venue's range
    filters expand it."""
    try:
        if _DATE.match(text):
            day = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
            if end_of_day:
                return _ns(day + timedelta(days=1)) - 1
            return _ns(day)
        match = _TIME.match(text)
        if match is None:
            raise ValueError
        base, fraction, zone = match.groups()
        if zone in (None, "Z", "z"):
            zone = "+00:00"
        moment = datetime.fromisoformat(base.replace("t", "T") + zone)
    except ValueError:
        raise error(400, f"{name}: {text!r} is not an ISO 8601 date or time") from None
    return _ns(moment) + int((fraction or "").ljust(9, "0"))


def _ns(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000_000


# -- decimals -------------------------------------------------------------------------------------


def plain(value: Decimal) -> str:
    """Plain digits, no exponent, the grid's trailing zeros kept."""
    return f"{value:f}"


# -- views ----------------------------------------------------------------------------------------


class Views:
    """Order and execution views for one core (its id codec and instruments)."""

    def __init__(self, oms: OrderManager, instruments: InstrumentIndex) -> None:
        self.oms = oms
        self.instruments = instruments
        self._uuids: dict[int, str] = {}

    def order_uuid(self, order_id: int) -> str:
        text = self._uuids.get(order_id)
        if text is None:
            if len(self._uuids) >= 1 << 18:  # bounded: ids are cheap to derive again
                self._uuids.clear()
            text = self._uuids[order_id] = self.oms.ids.uuid_text(order_id)
        return text

    def order(self, order: Order, *, status: str | None = None, leaves: int | None = None,
              updated_ns: int | None = None) -> schemas.Order:
        """The order as the venue shows it; the overrides describe a moment the core has
        already moved past (the PENDING_CANCEL acknowledgement)."""
        inst = self.oms.instruments[order.instrument]
        listed = is_listed(inst)
        average = inst.average_price(order.notional, order.filled) if order.filled else None
        view = schemas.Order(
            id=self.order_uuid(order.id),
            account_id=order.account_id,
            client_order_id=order.client_order_id,
            created_at=format_ns(order.created_ns),
            updated_at=format_ns(order.updated_ns if updated_ns is None else updated_ns),
            filled_quantity=plain(inst.quantity(order.filled)),
            leaves_quantity=plain(inst.quantity(order.leaves if leaves is None else leaves)),
            quantity=plain(inst.quantity(order.quantity)),
            order_type=order.type.value,
            side=SIDE[order.side],
            status=status_of(order) if status is None else status,
            time_in_force=TIME_IN_FORCE[order.time_in_force],
            venue=MIC.get(inst.kind, OFF_VENUE_MIC),
            symbol=order.instrument,
            instrument_id=instrument_uuid(inst) if listed else None,
            instrument_type=SECURITY_TYPE.get(inst.kind),  # type: ignore[arg-type]
            limit_price=plain(inst.price(order.price)) if order.price else None,
            stop_price=plain(inst.price(order.stop_price)) if order.stop_price else None,
            average_fill_price=None if average is None else plain(average),
        )
        if order.time_in_force is TimeInForce.GTD and order.expire_ns:
            view.expires_at = format_ns(order.expire_ns)
        detail = self._detail(order, status)
        if detail:
            view.details = [detail]
        underlying = self._underlying(inst)
        if underlying is not None:
            view.underlying_instrument_id, view.underlying_instrument_type = underlying
        return view

    def _underlying(self, inst: Instrument) -> tuple[str, str] | None:
        """An option's underlying instrument, as (UUID, security type)."""
        if inst.kind is not InstrumentKind.OPTION:
            return None
        underlying = self.oms.instruments.get(inst.underlying)
        if underlying is None or not is_listed(underlying):
            return None
        return instrument_uuid(underlying), SECURITY_TYPE[underlying.kind]

    @staticmethod
    def _detail(order: Order, status: str | None) -> str:
        if status == "PENDING_CANCEL":
            return "Cancel requested"
        if order.status is OrderStatus.EXPIRED:
            return "Expired"
        if order.status is OrderStatus.CANCELED:
            return _DETAILS.get(order.done_reason, "Canceled")  # type: ignore[call-overload]
        if order.status is OrderStatus.REPLACED:
            return "Replaced"
        return ""

    def pending_cancel(self, order: Order, canceled: OrderCanceled | None) -> schemas.Order:
        """The cancel acknowledgement: the order as it was when the cancel was accepted.

        The venue answers a cancel with the order in PENDING_CANCEL, its leaves not yet
        released, and shows CANCELED on the next read. openvenue's core completes the cancel
        before the reply leaves, so this view is the moment just before completion: the
        released quantity is still leaves, the fills are what they are (and stay)."""
        if canceled is None:  # the core left the cancel pending (a delayed cancel)
            return self.order(order)
        return self.order(order, status="PENDING_CANCEL", leaves=canceled.canceled_quantity,
                          updated_ns=canceled.ts)

    def execution(self, fill: OrderFilled, order: Order) -> schemas.Execution:
        inst = self.oms.instruments[order.instrument]
        view = schemas.Execution(
            # unique per fill: the fill's sequence number in the core's single event stream
            id=str(uuid.uuid5(_INSTRUMENT_NAMESPACE, f"fill:{fill.seq}")),
            order_id=self.order_uuid(order.id),
            quantity=plain(inst.quantity(fill.quantity)),
            side=SIDE[order.side],
            transaction_time=format_ns(fill.ts),
            instrument_id=instrument_uuid(inst) if is_listed(inst) else None,
            price=plain(inst.price(fill.price)),
            symbol=order.instrument,
            venue=MIC.get(inst.kind, OFF_VENUE_MIC),
        )
        underlying = self._underlying(inst)
        if underlying is not None:
            view.underlying_instrument_id, view.underlying_instrument_type = underlying
        return view

    def instrument(self, inst: Instrument) -> schemas.Instrument:
        name = inst.symbol
        if inst.kind is InstrumentKind.OPTION and inst.expiry and inst.strike is not None:
            name = (f"{inst.underlying} {inst.expiry.isoformat()} {plain(inst.strike)} "
                    f"{inst.put_call.value if inst.put_call else ''}").strip()
        return schemas.Instrument(
            id=instrument_uuid(inst), symbol=inst.symbol, name=name,
            instrument_type=SECURITY_TYPE[inst.kind],  # type: ignore[arg-type]
            venue=MIC[inst.kind], currency=inst.currency, country_of_issue="US",
            is_tradable=inst.trading_state.value == "TRADING",
            is_fractionable=inst.lot_size < 1,
            # openvenue keeps no borrow, margin or Reg SHO lists: nothing is restricted
            easy_to_borrow=True, is_liquidation_only=False, is_marginable=True, is_ptp=False,
            is_short_prohibited=False, is_threshold_security=False)
