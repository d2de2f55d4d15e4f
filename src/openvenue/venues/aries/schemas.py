"""Aries wire structs: the requests the `finance-dev` SDK sends and the bodies it parses.

Requests are camelCase JSON; unknown keys are ignored (the venue is lenient in). Field limits
the Aries documents give are declared here as msgspec constraints, so a value outside them is
refused while decoding and the error names the field. Account ids are strings on the wire (the
SDK sends them so); a JSON integer is accepted too. Prices and quantities decode to exact
Decimals from strings or JSON numbers, never through float.

Responses carry only fields the SDK models know, with the JSON types they declare: every
decimal is a string, every id a string, and optional values are left out rather than null.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

# -- request field types (limits from the Aries docs; see contracts/aries.md §4) ------------------

OrigClOrdId = Annotated[str, Meta(min_length=1, max_length=100)]
AccountId = Annotated[str, Meta(min_length=1, max_length=50)] | Annotated[int, Meta(ge=0)]
# The cancel's symbol is 1-20 (seed). Place and replace also take a padded OSI option symbol,
# which is 21 characters (newer docs say 1-21).
CancelSymbol = Annotated[str, Meta(min_length=1, max_length=20)]
OrderSymbol = Annotated[str, Meta(min_length=1, max_length=21)]
ClientTag = Annotated[str, Meta(max_length=50)]
Currency = Annotated[str, Meta(pattern=r"^[A-Za-z]{3}$")]
Maturity = Annotated[str, Meta(pattern=r"^\d{4}-\d{2}-\d{2}$")]

Side = Literal["BUY", "SELL", "SELL_SHORT", "BUY_TO_COVER"]
OrderType = Literal["MARKET", "LIMIT", "STOP", "STOP_LIMIT"]
TimeInForce = Literal["DAY", "GTC", "IOC", "FOK", "EXTENDED_HOURS", "AT_THE_OPENING",
                      "AT_THE_CLOSE", "ATO", "ATC", "EXT"]
SecurityType = Literal["CS", "OPT"]
PutCall = Literal["PUT", "CALL", "P", "C"]
LegSide = Literal["B", "S", "BUY", "SELL"]
PositionEffect = Literal["O", "C", "OPEN", "CLOSE"]


class OrdLeg(msgspec.Struct, rename="camel", kw_only=True):
    position_effect: PositionEffect
    ratio_qty: Decimal
    security_type: SecurityType
    side: LegSide
    cfi_code: str | None = None
    maturity: Maturity | None = None
    put_call: PutCall | None = None
    strike_price: Decimal | None = None
    symbol: OrderSymbol | None = None


class PlaceOrdRequest(msgspec.Struct, rename="camel", kw_only=True):
    symbol: OrderSymbol
    side: Side
    type: OrderType
    time_in_force: TimeInForce
    qty: Decimal
    account_id: AccountId | None = None
    trading_account_id: AccountId | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    client_id: ClientTag | None = None
    currency: Currency | None = None
    legs: list[OrdLeg] | None = None


class ReplaceOrdRequest(msgspec.Struct, rename="camel", kw_only=True):
    orig_cl_ord_id: OrigClOrdId
    symbol: OrderSymbol
    account_id: AccountId | None = None
    trading_account_id: AccountId | None = None
    client_id: ClientTag | None = None
    currency: Currency | None = None
    legs: list[OrdLeg] | None = None
    price: Decimal | None = None
    qty: Decimal | None = None
    side: Side | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce | None = None
    type: OrderType | None = None


class CancelOrdRequest(msgspec.Struct, rename="camel", kw_only=True):
    orig_cl_ord_id: OrigClOrdId
    symbol: CancelSymbol
    side: Side
    account_id: AccountId | None = None
    trading_account_id: AccountId | None = None
    security_type: SecurityType | None = None
    put_call: PutCall | None = None
    strike_price: Decimal | None = None
    maturity: Maturity | None = None


# -- responses ------------------------------------------------------------------------------------


class OrdResponse(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True):
    success: bool
    status: str
    text: str
    ord_rej_reason: str = ""
    transact_time: str | UnsetType = UNSET
    cl_ord_id: str | UnsetType = UNSET
    symbol: str | UnsetType = UNSET
    side: str | UnsetType = UNSET
    qty: str | UnsetType = UNSET
    cum_qty: str | UnsetType = UNSET
    leaves_qty: str | UnsetType = UNSET
    avg_price: str | UnsetType = UNSET


class CancelOrdResponse(msgspec.Struct, rename="camel", kw_only=True):
    success: bool
    cl_ord_id: str
    orig_cl_ord_id: str
    status: str
    text: str


class ReplaceOrdResponse(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True):
    success: bool
    orig_cl_ord_id: str
    status: str
    text: str
    cl_ord_id: str | UnsetType = UNSET
    price: str | UnsetType = UNSET
    qty: str | UnsetType = UNSET
    transact_time: str | UnsetType = UNSET


class PreviewOrderResponse(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True):
    commission: str
    fees: str
    errors: list[str]
    warnings: list[str]
    estimated_cost: str | UnsetType = UNSET
    buying_power_impact: str | UnsetType = UNSET


class TradeOrderLegV2(msgspec.Struct, rename="camel", kw_only=True):
    maturity: str
    position_effect: str
    put_call: str
    ratio_qty: str
    security_type: str
    side: str
    strike_price: str
    symbol: str


class TradeOrderV2(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True):
    account_id: str
    cl_ord_id: str
    ord_id: str
    symbol: str
    side: str
    type: str
    time_in_force: str
    ord_status: str
    qty: str
    cum_qty: str
    leaves_qty: str
    avg_price: str
    security_type: str
    category: str
    ex_destination: str
    currency: str
    created_at: str
    updated_at: str
    text: str = ""
    ord_rej_reason: str = ""
    orig_cl_ord_id: str | UnsetType = UNSET
    client_id: str | UnsetType = UNSET
    price: str | UnsetType = UNSET
    stop_price: str | UnsetType = UNSET
    legs: list[TradeOrderLegV2] | UnsetType = UNSET


class GetOrdersV2Response(msgspec.Struct, rename="camel"):
    orders: list[TradeOrderV2]  # never null: [] when empty (the SDK's `next()` relies on it)
    next_cursor: int


class AccountItem(msgspec.Struct):  # snake_case on the wire, every field required by the SDK
    account_class: str
    account_type: str
    broker_account_id: str
    is_sim: bool
    status: str
    trading_account_id: str


class GetAccountsResponse(msgspec.Struct):
    accounts: list[AccountItem]


class AccountPosition(msgspec.Struct, rename="camel", kw_only=True):
    account_id: str
    symbol: str
    security_type: str
    quantity: str
    average_price: str
    cost_basis: str


class GetPositionsResponse(msgspec.Struct):
    positions: list[AccountPosition]


class AccountBalanceV2(msgspec.Struct, rename="camel", kw_only=True):
    account_id: str
    pending_orders_count: int
    value_bought: str
    value_sold: str


# -- OAuth2 ---------------------------------------------------------------------------------------


class TokenResponse(msgspec.Struct, omit_defaults=True):
    access_token: str
    token_type: str
    expires_in: int
    scope: str
    refresh_token: str | UnsetType = UNSET


class OAuthError(msgspec.Struct):
    error: str
    error_description: str


# -- errors ---------------------------------------------------------------------------------------


class ErrorDetail(msgspec.Struct):
    type: str
    code: str  # a string: the SDK's error models refuse an integer code
    message: str
    request_id: str
    details: dict[str, str]


class ErrorEnvelope(msgspec.Struct):
    error: ErrorDetail
    meta: dict[str, str]
