"""Clear Street v1 wire structs: request bodies as the SDK sends them, responses as it parses them.

Requests are lenient the way the venue is: unknown keys are ignored, prices and quantities are
exact decimals whether they arrive as strings or JSON numbers, and the seed document's older
enum spellings (``SELL_SHORT``, ``AT_THE_OPENING``) are accepted beside the SDK's. Responses
carry only values of the pinned SDK's (``clearstreet==0.11.0``) enums, because its strict mode
rejects anything else, and every field its models require.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

# -- requests -----------------------------------------------------------------------------------

RequestSide = Literal["BUY", "SELL", "SELL_SHORT"]
RequestOrderType = Literal["MARKET", "LIMIT", "STOP", "STOP_LIMIT", "TRAILING_STOP",
                           "TRAILING_STOP_LIMIT"]
RequestTimeInForce = Literal["DAY", "GOOD_TILL_CANCEL", "IMMEDIATE_OR_CANCEL", "FILL_OR_KILL",
                             "GOOD_TILL_DATE", "AT_OPEN", "AT_CLOSE", "AT_THE_OPENING",
                             "AT_THE_CLOSE"]
# The venue documents client order ids of at most 64 characters.
ClientOrderId = Annotated[str, Meta(min_length=1, max_length=64)]
Text = Annotated[str, Meta(max_length=64)]


class Strategy(msgspec.Struct, kw_only=True):
    type: Literal["SOR", "VWAP", "TWAP", "DMA"]
    start_at: Text | None = None
    end_at: Text | None = None
    destination: Text | None = None


class NewOrderRequest(msgspec.Struct, kw_only=True):
    order_type: RequestOrderType
    quantity: Decimal
    side: RequestSide
    time_in_force: RequestTimeInForce
    id: ClientOrderId | None = None
    symbol: Text | None = None
    instrument_id: Text | None = None
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    expires_at: Text | None = None
    extended_hours: bool | None = None
    position_intent: Literal["OPEN", "CLOSE"] | None = None
    limit_offset: Decimal | None = None
    trailing_offset: Decimal | None = None
    trailing_offset_type: Literal["PRICE", "BPS"] | None = None
    strategy: Strategy | None = None


class ReplaceOrderRequest(msgspec.Struct, kw_only=True):
    limit_price: Decimal | None = None
    quantity: Decimal | None = None
    stop_price: Decimal | None = None
    limit_offset: Decimal | None = None
    trailing_offset: Decimal | None = None
    trailing_offset_type: Literal["PRICE", "BPS"] | None = None


# -- responses ----------------------------------------------------------------------------------

Side = Literal["BUY", "SELL"]
SecurityType = Literal["COMMON_STOCK", "INDEX", "OPTION", "CASH"]


class Order(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    account_id: int
    client_order_id: str
    created_at: str
    updated_at: str
    filled_quantity: str
    leaves_quantity: str
    quantity: str
    order_type: str
    side: Side
    status: str
    time_in_force: str
    venue: str
    # Sent even when null, as the seed's example does.
    symbol: str | None
    instrument_id: str | None
    instrument_type: SecurityType | None
    limit_price: str | None
    stop_price: str | None
    average_fill_price: str | None
    # Present only where they apply.
    expires_at: str | UnsetType = UNSET
    details: list[str] | UnsetType = UNSET
    underlying_instrument_id: str | UnsetType = UNSET
    underlying_instrument_type: SecurityType | UnsetType = UNSET


class Execution(msgspec.Struct, kw_only=True):
    id: str
    order_id: str
    quantity: str
    side: Side
    transaction_time: str
    instrument_id: str | None
    price: str
    symbol: str | None
    venue: str
    underlying_instrument_id: str | UnsetType = UNSET
    underlying_instrument_type: SecurityType | UnsetType = UNSET


class Account(msgspec.Struct, kw_only=True):
    id: int
    account_holder_entity_id: int
    account_holder_entity_kind: Literal["NATURAL_PERSON", "LEGAL_ENTITY", "OTHER"]
    full_name: str
    open_date: str
    options_level: int
    short_name: str
    status: Literal["ACTIVE", "INACTIVE", "CLOSED"]
    subtype: Literal["CASH", "MARGIN", "OTHER"]
    type: Literal["CUSTOMER", "OTHER"]


class Instrument(msgspec.Struct, kw_only=True):
    id: str
    symbol: str
    name: str
    instrument_type: SecurityType
    venue: str
    currency: str
    country_of_issue: str
    is_tradable: bool
    is_fractionable: bool
    easy_to_borrow: bool
    is_liquidation_only: bool
    is_marginable: bool
    is_ptp: bool
    is_short_prohibited: bool
    is_threshold_security: bool


class Clock(msgspec.Struct, kw_only=True):
    clock: str


class Metadata(msgspec.Struct, kw_only=True, omit_defaults=True):
    request_id: str
    next_page_token: str | None | UnsetType = UNSET
    previous_page_token: str | None | UnsetType = UNSET
    page_number: int | UnsetType = UNSET
    total_items: int | UnsetType = UNSET
    total_pages: int | UnsetType = UNSET


class Envelope(msgspec.Struct, kw_only=True):
    data: object
    error: None
    metadata: Metadata


class ApiError(msgspec.Struct, kw_only=True):
    code: int
    message: str


class ErrorEnvelope(msgspec.Struct, kw_only=True):
    """The seed's error shape: no ``data`` key (contract, section 6)."""

    error: ApiError
    metadata: Metadata
