"""Wire structs of the INTX face: request bodies (lenient) and response bodies (exact).

Requests follow the venue: unknown keys are ignored, prices and sizes may be JSON numbers or
strings (msgspec parses both to exact Decimals, never through float), booleans may be the
strings "true"/"false", and every field is optional here so that a missing one is reported in
the venue's own words ("<field> is a required field") by the handler, not by the decoder.

Responses carry exactly the keys ``intx-sdk-py`` 0.3.0 builds its dataclasses from
(``intx_sdk/services/model.py``): the SDK calls ``Order(**json)`` and friends, so one key too
many or too few is a ``TypeError`` in the client. Fields are declared in the SDK's order and
encoded even when null.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

# -- requests ------------------------------------------------------------------------------------


class CreateOrderBody(msgspec.Struct, kw_only=True):
    client_order_id: str | None = None
    side: str | None = None
    size: Decimal | None = None
    tif: str | None = None
    instrument: str | int | None = None
    type: str | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    stop_limit_price: Decimal | None = None
    expire_time: str | None = None
    portfolio: str | int | None = None
    stp_mode: str | None = None
    post_only: bool | str | None = None
    close_only: bool | str | None = None
    algo_strategy: str | None = None
    # "user" is accepted and ignored (Decision): a key acts for its own user only.


class ModifyOrderBody(msgspec.Struct, kw_only=True):
    client_order_id: str | None = None
    portfolio: str | int | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    stop_limit_price: Decimal | None = None
    size: Decimal | None = None


class CancelBody(msgspec.Struct, kw_only=True):
    """Parameters a DELETE may carry in a JSON body instead of the query (the query wins)."""

    portfolio: str | int | None = None
    instrument: str | int | None = None
    side: str | None = None
    instrument_type: str | None = None


# -- responses -----------------------------------------------------------------------------------


class Error(msgspec.Struct):
    """The venue's Javalin-style error body."""

    title: str
    status: int


class Order(msgspec.Struct):
    order_id: str
    order_uuid: str
    client_order_id: str
    side: str
    instrument_id: str
    instrument_uuid: str
    symbol: str
    portfolio_id: str
    portfolio_uuid: str
    type: str
    size: str
    tif: str
    order_status: str
    leaves_qty: str
    exec_qty: str
    avg_price: str
    fee: str
    post_only: bool
    close_only: bool
    reduce_only: bool
    event_type: str | None
    event_time: str | None
    submit_time: str | None
    price: str | None
    stop_price: str | None
    stop_limit_price: str | None
    expire_time: str | None
    stp_mode: str | None
    algo_strategy: str | None
    text: str | None


class Pagination(msgspec.Struct):
    result_limit: int
    result_offset: int


class OrderPage(msgspec.Struct):
    pagination: Pagination
    results: list[Order]


class Portfolio(msgspec.Struct):
    portfolio_id: str
    portfolio_uuid: str
    name: str
    user_uuid: str
    maker_fee_rate: str
    taker_fee_rate: str
    trading_lock: bool
    withdrawal_lock: bool
    borrow_disabled: bool
    is_lsp: bool
    is_default: bool
    cross_collateral_enabled: bool
    auto_margin_enabled: bool
    pre_launch_trading_enabled: bool
    position_offsets_enabled: bool
    margin_call_enabled: bool
    close_only: bool
    forced_liquidation: bool
    disable_overdraft_protection: bool


class Quote(msgspec.Struct):
    best_bid_price: str | None
    best_bid_size: str | None
    best_ask_price: str | None
    best_ask_size: str | None
    trade_price: str | None
    trade_qty: str | None
    index_price: str | None
    mark_price: str | None
    settlement_price: str | None
    limit_up: str | None
    limit_down: str | None
    predicted_funding: str | None
    timestamp: str


class Instrument(msgspec.Struct):
    instrument_id: str
    instrument_uuid: str
    symbol: str
    type: str
    mode: str
    base_asset_id: str
    base_asset_uuid: str
    base_asset_name: str
    quote_asset_id: str
    quote_asset_uuid: str
    quote_asset_name: str
    base_increment: str
    quote_increment: str
    price_band_percent: float
    market_order_percent: float
    qty_24hr: str
    notional_24hr: str
    avg_daily_qty: str
    avg_daily_notional: str
    avg_30day_notional: str
    avg_30day_qty: str
    previous_day_qty: str
    open_interest: str
    position_limit_qty: str
    position_limit_adq_pct: float
    replacement_cost: str
    base_imf: float
    min_notional_value: str
    min_quantity: str
    funding_interval: str
    trading_state: str
    quote: Quote
    base_asset_multiplier: str
    underlying_type: str
    rfq_maker_fee_rate: str
    position_notional_limit: str | None
    open_interest_notional_limit: str | None
    default_imf: float | None


class Asset(msgspec.Struct):
    asset_id: str
    asset_uuid: str
    asset_name: str
    status: str
    collateral_weight: str
    supported_networks_enabled: bool
    ecosystem_collateral_limit_breached: bool


class Fill(msgspec.Struct):
    portfolio_id: str
    portfolio_uuid: str
    fill_id: str
    symbol: str
    fill_price: str
    fill_qty: str
    side: str
    event_time: str
    order_id: str
    client_order_id: str
    instrument_id: str
    instrument_uuid: str
    fee: str
    liquidity_indicator: str
    fee_asset: str


class FillPagination(msgspec.Struct):
    result_limit: int
    result_offset: int
    ref_datetime: str


class FillPage(msgspec.Struct):
    pagination: FillPagination
    results: list[Fill]
