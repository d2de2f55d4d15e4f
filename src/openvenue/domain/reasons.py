"""Why an order or request ended the way it did: every reject and cancel reason the core emits."""

from __future__ import annotations

from enum import StrEnum


class RejectReason(StrEnum):
    """Why a PlaceOrder or ReplaceOrder was refused. Nothing was changed."""

    NOT_AUTHORIZED = "NOT_AUTHORIZED"
    UNKNOWN_ACCOUNT = "UNKNOWN_ACCOUNT"
    UNKNOWN_INSTRUMENT = "UNKNOWN_INSTRUMENT"
    INSTRUMENT_NOT_TRADING = "INSTRUMENT_NOT_TRADING"
    INVALID_PRICE = "INVALID_PRICE"
    INVALID_PRICE_INCREMENT = "INVALID_PRICE_INCREMENT"
    INVALID_STOP_PRICE = "INVALID_STOP_PRICE"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    INVALID_QUANTITY_INCREMENT = "INVALID_QUANTITY_INCREMENT"
    BELOW_MIN_SIZE = "BELOW_MIN_SIZE"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    BELOW_MIN_AMOUNT = "BELOW_MIN_AMOUNT"
    INVALID_TIME_IN_FORCE = "INVALID_TIME_IN_FORCE"
    INVALID_EXPIRE_TIME = "INVALID_EXPIRE_TIME"
    INVALID_ORDER_TYPE = "INVALID_ORDER_TYPE"
    INVALID_CLIENT_ORDER_ID = "INVALID_CLIENT_ORDER_ID"
    DUPLICATE_CLIENT_ORDER_ID = "DUPLICATE_CLIENT_ORDER_ID"
    POST_ONLY_WOULD_CROSS = "POST_ONLY_WOULD_CROSS"
    # replace only
    UNKNOWN_ORDER = "UNKNOWN_ORDER"
    TOO_LATE_TO_REPLACE = "TOO_LATE_TO_REPLACE"
    ALREADY_PENDING = "ALREADY_PENDING"
    NOTHING_TO_CHANGE = "NOTHING_TO_CHANGE"
    # venue-side fill only
    NOT_RESTING = "NOT_RESTING"  # the order is not open in the book


class CancelRejectReason(StrEnum):
    """Why a CancelOrder did not cancel. The order, if any, is unchanged."""

    UNKNOWN_ORDER = "UNKNOWN_ORDER"
    TOO_LATE_TO_CANCEL = "TOO_LATE_TO_CANCEL"  # already filled, canceled, expired or replaced
    ALREADY_PENDING = "ALREADY_PENDING"  # a cancel or replace is already in flight
    NOT_AUTHORIZED = "NOT_AUTHORIZED"


class CancelReason(StrEnum):
    """Why an order was canceled (its fills are always kept)."""

    REQUESTED = "REQUESTED"
    IOC_REMAINDER = "IOC_REMAINDER"  # the unfilled rest of an IOC, FOK or market order
    SELF_TRADE = "SELF_TRADE"
    MASS_CANCEL = "MASS_CANCEL"
    DISCONNECT = "DISCONNECT"
    EXPIRED = "EXPIRED"
    OPERATOR = "OPERATOR"
