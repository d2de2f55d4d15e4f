"""Wire structs of the native API: request bodies (decoded strictly) and response bodies.

Decisions, documented in the OpenAPI document too:
- Decimals travel as strings both ways (``"100.25"``), never as JSON numbers, so no client's
  float ever touches a price or a quantity.
- Unknown request fields are refused (400 ``UNKNOWN_FIELD``): this is openvenue's own API, and a
  misspelt ``post_only`` or ``stp_mode`` silently ignored would change what an order does. The
  venue faces, by contrast, ignore unknown keys as their real venues do.
- Ids are JSON integers within int64; timestamps are RFC 3339 UTC with nanoseconds.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

from openvenue.domain.accounts import Permission
from openvenue.domain.instruments import InstrumentKind, PutCall, TradingState
from openvenue.domain.orders import Liquidity, OrderStatus, OrderType, Side, StpMode, TimeInForce
from openvenue.domain.reasons import RejectReason
from openvenue.sandbox.faults import FaultRule

INT64_MAX = (1 << 63) - 1

DecimalString = Annotated[str, Meta(
    pattern=r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$", max_length=64,
    description="An exact decimal number as a string.", examples=["100.25"])]
Id = Annotated[int, Meta(ge=1, le=INT64_MAX)]
Timestamp = Annotated[str, Meta(description="RFC 3339 UTC time, e.g. 2026-01-02T15:04:05.123456789Z")]
Symbol = Annotated[str, Meta(min_length=1, max_length=64)]
Name = Annotated[str, Meta(max_length=200)]


class _Request(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


# -- orders -------------------------------------------------------------------------------------


class PlaceOrderRequest(_Request, kw_only=True):
    account_id: Id
    instrument: Symbol
    side: Side
    type: OrderType
    quantity: DecimalString | None = None
    price: DecimalString | None = None
    stop_price: DecimalString | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    expire_time: Annotated[str, Meta(max_length=64)] | None = None
    client_order_id: Annotated[str, Meta(max_length=128)] = ""
    post_only: bool = False
    stp_mode: StpMode = StpMode.NONE
    cash_amount: DecimalString | None = None  # fund subscriptions are by amount
    session_id: Annotated[int, Meta(ge=0, le=INT64_MAX)] = 0  # from a /ws hello: cancel-on-disconnect


class ReplaceOrderRequest(_Request, kw_only=True):
    quantity: DecimalString | None = None
    price: DecimalString | None = None
    stop_price: DecimalString | None = None
    client_order_id: Annotated[str, Meta(max_length=128)] = ""  # a new client order id
    as_new_order: bool = False


# Not kw_only: mapping.order_view builds it positionally, in this field order.
class Order(msgspec.Struct):
    id: int
    uuid: str
    ulid: str
    client_order_id: str
    account_id: int
    user_id: int
    instrument: str
    side: Side
    type: OrderType
    time_in_force: TimeInForce
    status: OrderStatus
    quantity: str
    filled_quantity: str
    leaves_quantity: str
    price: str | None
    stop_price: str | None
    average_fill_price: str | None
    cash_amount: str | None
    post_only: bool
    stp_mode: StpMode
    expire_time: str | None
    created_at: str
    updated_at: str
    done_reason: str | None
    replaces: int | None
    replaced_by: int | None


class OrderPage(msgspec.Struct, kw_only=True):
    orders: list[Order]
    next_cursor: str | None


class ErrorDetail(msgspec.Struct, kw_only=True):
    code: str
    message: str
    request_id: str = ""


class Error(msgspec.Struct, kw_only=True):
    error: ErrorDetail


class CancelResult(msgspec.Struct, kw_only=True):
    order: Order
    canceled: bool
    error: ErrorDetail | None


class CancelAllResult(msgspec.Struct, kw_only=True):
    results: list[CancelResult]


class Fill(msgspec.Struct, kw_only=True):
    seq: int
    trade_id: int
    order_id: int
    account_id: int
    instrument: str
    side: Side
    price: str
    quantity: str
    cash_amount: str | None
    liquidity: Liquidity
    fee: str
    leaves_quantity: str
    time: str


class FillPage(msgspec.Struct, kw_only=True):
    fills: list[Fill]
    next_cursor: str | None


# -- reference data -----------------------------------------------------------------------------


class Instrument(msgspec.Struct, kw_only=True):
    id: int
    symbol: str
    kind: InstrumentKind
    tick_size: str
    lot_size: str
    min_size: str
    trading_state: TradingState
    currency: str
    base_asset: str
    quote_asset: str
    underlying: str
    put_call: PutCall | None
    strike: str | None
    expiry: str | None
    isin: str
    amount_increment: str
    min_amount: str
    maker_fee_rate: str
    taker_fee_rate: str


class InstrumentList(msgspec.Struct):
    instruments: list[Instrument]


class Account(msgspec.Struct, kw_only=True):
    id: int
    client_id: int
    name: str
    client_name: str


class AccountList(msgspec.Struct):
    accounts: list[Account]


class Client(msgspec.Struct, kw_only=True):
    id: int
    name: str


class ClientList(msgspec.Struct):
    clients: list[Client]


class User(msgspec.Struct, kw_only=True):
    id: int
    name: str
    permissions: list[Permission]
    account_ids: list[int]


class UserList(msgspec.Struct):
    users: list[User]


class ApiKey(msgspec.Struct, kw_only=True):
    key_id: str
    user_id: int
    label: str
    created_at: str


class ApiKeyList(msgspec.Struct):
    keys: list[ApiKey]


class CreatedApiKey(msgspec.Struct, kw_only=True):
    key_id: str
    user_id: int
    label: str
    created_at: str
    api_key: str  # shown only in this response


class Health(msgspec.Struct, kw_only=True):
    status: str
    listeners: dict[str, str]


# -- admin requests -----------------------------------------------------------------------------


class CreateInstrumentRequest(_Request, kw_only=True):
    id: Id | None = None
    symbol: Symbol
    kind: InstrumentKind
    tick_size: DecimalString
    lot_size: DecimalString
    min_size: DecimalString | None = None  # defaults to the lot size
    trading_state: TradingState = TradingState.TRADING
    currency: Annotated[str, Meta(max_length=8)] = "USD"
    base_asset: Annotated[str, Meta(max_length=16)] = ""
    quote_asset: Annotated[str, Meta(max_length=16)] = ""
    underlying: Annotated[str, Meta(max_length=64)] = ""
    put_call: PutCall | None = None
    strike: DecimalString | None = None
    expiry: Annotated[str, Meta(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None
    isin: Annotated[str, Meta(max_length=12)] = ""
    amount_increment: DecimalString = "0.01"
    min_amount: DecimalString = "0"
    maker_fee_rate: DecimalString = "0"
    taker_fee_rate: DecimalString = "0"


class UpdateInstrumentRequest(_Request, kw_only=True):
    trading_state: TradingState


class CreateClientRequest(_Request, kw_only=True):
    id: Id | None = None
    name: Annotated[str, Meta(min_length=1, max_length=200)]


class CreateAccountRequest(_Request, kw_only=True):
    id: Id | None = None
    client_id: Id
    name: Name = ""


class CreateUserRequest(_Request, kw_only=True):
    id: Id | None = None
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    permissions: Annotated[list[Permission], Meta(min_length=1, max_length=3)]
    account_ids: Annotated[list[Id], Meta(max_length=10_000)] = []


class UpdateUserRequest(_Request, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    permissions: Annotated[list[Permission], Meta(min_length=1, max_length=3)] | None = None
    account_ids: Annotated[list[Id], Meta(max_length=10_000)] | None = None


class CreateApiKeyRequest(_Request, kw_only=True):
    user_id: Id
    label: Name = ""


# -- sandbox: clock and fund NAVs ---------------------------------------------------------------


ClockVerb = Annotated[str, Meta(pattern="^(freeze|advance|set|resume)$",
                               description="freeze | advance | set | resume")]


class ClockRequest(_Request, kw_only=True):
    """``freeze`` stops time; ``advance`` moves it forwards by ``seconds`` (frozen or running);
    ``set`` moves it to ``time`` (the only way back); ``resume`` lets it run from where it is."""

    action: ClockVerb
    seconds: DecimalString | None = None  # advance: a duration, to the nanosecond
    time: Annotated[str, Meta(max_length=64)] | None = None  # set: RFC 3339


class Clock(msgspec.Struct, kw_only=True):
    time: Timestamp
    time_ns: int
    frozen: bool
    offset_ns: int  # the sandbox clock minus wall time while running


class FundNavRequest(_Request, kw_only=True):
    nav: DecimalString


class FundNav(msgspec.Struct, kw_only=True):
    symbol: str
    nav: str
    time: Timestamp
    executed: int  # sent orders executed at this NAV now


# -- sandbox controls (openvenue.sandbox) -----------------------------------------------------------


class SandboxFillRequest(_Request, kw_only=True):
    quantity: DecimalString | None = None  # default: all of the order's leaves
    # With a price the venue fills the order directly at that price (its limit or better for
    # it); without, the market maker trades against it through the book.
    price: DecimalString | None = None


class RejectNextRequest(_Request, kw_only=True):
    count: Annotated[int, Meta(ge=1, le=1_000_000)] = 1
    account_id: Annotated[int, Meta(ge=0)] = 0  # 0: the next order of any account
    reason: RejectReason = RejectReason.INSTRUMENT_NOT_TRADING
    text: Annotated[str, Meta(max_length=200)] = ""


class SandboxPriceRequest(_Request, kw_only=True):
    price: DecimalString


class FaultRuleList(msgspec.Struct, kw_only=True):
    rules: list[FaultRule]


class SandboxMarket(msgspec.Struct, kw_only=True):
    reference_price: str
    order_size: str
    spread_ticks: int
    depth: int
    replay: str | None = None
    best_bid: str | None = None
    best_ask: str | None = None


class SandboxLiquidity(msgspec.Struct, kw_only=True):
    update_ms: int
    step: int  # updates run so far (paced by the venue clock)
    markets: dict[str, SandboxMarket]


class SandboxState(msgspec.Struct, kw_only=True):
    seed: int
    market_hours: str
    scenario: str | None
    market_maker: dict[str, int]  # its user_id and account_id
    liquidity: SandboxLiquidity | None
    faults: list[FaultRule]
    pending_rejections: int
