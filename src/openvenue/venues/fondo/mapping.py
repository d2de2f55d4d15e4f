"""Domain <-> Fondo wire: ids, statuses, numbers, dates, and the core's refusals as Fondo errors.

Ids: orders use the core's UUID (``id``) and ULID (``sortedId``). Clients and accounts get
name-based UUIDs (uuid5) of their core ids, so they are stable across restarts without a table.

Status (contract section 5): an accepted order waiting for its cut-off is ``pending`` (the core
accepts synchronously, so ``received`` is never observable); once the fund desk has sent it,
``sent`` — also after it executed at NAV, when units and amount are known but settlement is
still banking days away; ``settled`` once the desk booked settlement; ``canceled``. ``hold`` is
never produced: the core has no cash or KYC check that could block an accepted order.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from openvenue.domain.instruments import Instrument
from openvenue.domain.orders import Order, OrderStatus
from openvenue.domain.reasons import CancelRejectReason, RejectReason
from openvenue.oms.manager import OrderManager
from openvenue.venues.fondo import schemas
from openvenue.venues.http import HttpError

_NAMESPACE = uuid.UUID("6f1d4a3e-5b0c-4e55-9a7e-0f0d0f0d0f0d")  # openvenue's Fondo namespace
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
EXECUTOR_REF = re.compile(r"^(19|20)\d{10}$")
UNITS_DECIMALS = 7


class FondoIds:
    """UUIDs of core clients and accounts, both ways."""

    def __init__(self, oms: OrderManager) -> None:
        self.oms = oms
        self._clients: dict[str, int] = {}
        self._accounts: dict[str, int] = {}

    @staticmethod
    def client_uuid(client_id: int) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"client:{client_id}"))

    @staticmethod
    def account_uuid(account_id: int) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"account:{account_id}"))

    def client_id(self, text: str) -> int | None:
        found = self._clients.get(text.lower())
        if found is None and len(self._clients) != len(self.oms.clients):
            self._clients = {self.client_uuid(c): c for c in self.oms.clients}
            found = self._clients.get(text.lower())
        return found

    def account_id(self, text: str) -> int | None:
        found = self._accounts.get(text.lower())
        if found is None and len(self._accounts) != len(self.oms.accounts):
            self._accounts = {self.account_uuid(a): a for a in self.oms.accounts}
            found = self._accounts.get(text.lower())
        return found


def sorted_id(value: int) -> str:
    """A ULID-shaped sort key for reference data (time part zero, then the id)."""
    text = []
    for _ in range(26):
        value, digit = divmod(value, 32)
        text.append(_CROCKFORD[digit])
    return "".join(reversed(text))


def format_ms(ns: int) -> str:
    """ISO-8601 UTC with milliseconds, as every Fondo date."""
    moment = datetime.fromtimestamp(ns // 1_000_000_000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{ns // 1_000_000 % 1000:03d}Z"


def parse_iso(text: str, name: str) -> int:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise HttpError(400, "invalid_request", f"{name} must be an ISO-8601 date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000) * 1_000_000


def number(value: Decimal) -> Decimal:
    """The plain exact form of a decimal (no trailing zeros, never an exponent)."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    return value.normalize()


# -- orders -----------------------------------------------------------------------------------------


def status_of(order: Order) -> str:
    status = order.status
    if status is OrderStatus.CANCELED:
        return "canceled"
    if order.settled_ns:
        return "settled"
    if order.sent_to_fund:
        return "sent"
    return "pending"


def order_view(order: Order, oms: OrderManager, executor_ref: str) -> schemas.Order:
    inst = oms.instruments[order.instrument]
    filled = order.status is OrderStatus.FILLED
    if order.is_buy:
        units = inst.quantity(order.filled) if filled else Decimal(0)
    else:
        units = inst.quantity(order.quantity)
    amount = inst.amount(order.cash_amount) if (order.is_buy or filled) else Decimal(0)
    return schemas.Order(
        id=oms.ids.uuid_text(order.id),
        status=status_of(order),
        sortedId=oms.ids.ulid_text(order.id, order.created_ns),
        orderType="subscription" if order.is_buy else "redemption",
        account=FondoIds.account_uuid(order.account_id),
        clientRef=order.client_order_id,
        executorRef=executor_ref,
        instrument=order.instrument,
        units=number(units),
        amount=number(amount),
        createdDate=format_ms(order.created_ns),
        modifiedDate=format_ms(order.updated_ns),
        canceledDate=format_ms(order.canceled_ns) if order.canceled_ns else None,
    )


class OrderRequest:
    """A create-order body, checked field by field (the wire's own rules: types and formats)."""

    __slots__ = ("account_id", "amount", "client_ref", "executor_ref", "instrument", "is_buy", "units")

    def __init__(self, body: object, account_of, withdrawal: bool) -> None:
        if not isinstance(body, dict):
            raise invalid("The request body must be a JSON object")
        order_type = body.get("orderType")
        if order_type not in ("subscription", "redemption"):
            raise invalid("orderType must be subscription or redemption")
        if withdrawal and order_type != "redemption":
            raise invalid("orderType must be redemption for a withdrawal")
        self.is_buy = order_type == "subscription"
        account = body.get("account")
        self.account_id = account_of(account) if isinstance(account, str) else None
        if self.account_id is None:
            raise invalid("account must be the id of one of the client's accounts")
        instrument = body.get("instrument")
        if not isinstance(instrument, str) or not instrument or len(instrument) > 64:
            raise invalid("instrument must be a Fondo instrument id")
        self.instrument = instrument
        executor = body.get("executorRef")
        if executor is None and not withdrawal:
            self.executor_ref = ""
        elif not isinstance(executor, str) or not EXECUTOR_REF.match(executor):
            raise invalid("executorRef must be a 12-digit Swedish personal number (YYYYMMDDNNNN)")
        else:
            self.executor_ref = executor
        client_ref = body.get("clientRef", "")
        if client_ref is None:
            client_ref = ""
        if not isinstance(client_ref, str) or len(client_ref) > 128 or not client_ref.isprintable():
            raise invalid("clientRef must be a string of at most 128 printable characters")
        self.client_ref = client_ref
        if withdrawal:
            bank = body.get("bankAccount")
            if not isinstance(bank, str) or not _is_uuid(bank):
                raise invalid("bankAccount must be a UUID")
        if self.is_buy:
            self.amount = _decimal(body.get("amount"), "amount")
            self.units = None
        else:
            self.units = _decimal(body.get("units"), "units")
            if -self.units.as_tuple().exponent > UNITS_DECIMALS and self.units != self.units.quantize(
                    Decimal(1).scaleb(-UNITS_DECIMALS)):
                raise invalid(f"units must have at most {UNITS_DECIMALS} decimals")
            self.amount = None


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _decimal(value: object, name: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise invalid(f"{name} is required and must be a positive number")
    try:
        result = Decimal(value) if isinstance(value, (int, str, Decimal)) else None
    except InvalidOperation:
        result = None
    if result is None or not result.is_finite() or result <= 0:
        raise invalid(f"{name} must be a positive number")
    return result


def invalid(description: str, status: int = 400) -> HttpError:
    return HttpError(status, "invalid_request", description)


_REJECT_TEXT = {
    RejectReason.UNKNOWN_INSTRUMENT: "instrument: unknown instrument",
    RejectReason.INSTRUMENT_NOT_TRADING: "instrument: not open for orders",
    RejectReason.BELOW_MIN_AMOUNT: "amount is below the instrument's minimum",
    RejectReason.INVALID_AMOUNT: "amount",
    RejectReason.INVALID_QUANTITY: "units",
    RejectReason.INVALID_QUANTITY_INCREMENT: f"units must have at most {UNITS_DECIMALS} decimals",
    RejectReason.BELOW_MIN_SIZE: "units are below the instrument's minimum",
    RejectReason.DUPLICATE_CLIENT_ORDER_ID: "clientRef is already used by another order",
    RejectReason.INVALID_CLIENT_ORDER_ID: "clientRef",
    RejectReason.INVALID_ORDER_TYPE: "orderType",
}


def place_refusal(reason: RejectReason, text: str) -> HttpError:
    if reason in (RejectReason.NOT_AUTHORIZED, RejectReason.UNKNOWN_ACCOUNT):
        return HttpError(403, "forbidden", "Not permitted to place orders on this account")
    described = _REJECT_TEXT.get(reason, "order")
    return invalid(f"{described}: {text}" if text and text not in described else described)


CANNOT_CANCEL = "Order already sent to fund; cannot be canceled"


def cancel_refusal(reason: CancelRejectReason) -> HttpError:
    if reason is CancelRejectReason.UNKNOWN_ORDER:
        return invalid("Order not found", 404)
    if reason is CancelRejectReason.NOT_AUTHORIZED:
        return HttpError(403, "forbidden", "Not permitted to cancel this order")
    return invalid(CANNOT_CANCEL)


def instrument_view(inst: Instrument, name: str, nav: tuple[Decimal, int] | None) -> schemas.Instrument:
    trading = inst.trading_state == "TRADING"
    minimum = number(inst.min_amount)
    return schemas.Instrument(
        id=inst.symbol, isincode=inst.isin, name=name, currency=inst.currency,
        closePrice=None if nav is None else number(nav[0]),
        priceDate=None if nav is None else format_ms(nav[1])[:10],
        kiid="", decimalsUnits=max(0, -inst.lot_size.normalize().as_tuple().exponent),
        minInvestmentAmountSEK=minimum, minInitialAmountSek=minimum, minSubsequentAmountSek=minimum,
        isComplex=False, isBuyable=trading, isSellable=trading, isTradable=trading,
        cost=Decimal(0), rebate=Decimal(0))
