"""Fondo wire structs: the order, instrument, client and account objects, the token reply and
the error body, exactly as the Partner API documents them.

Amounts and units are JSON numbers (the docs type them ``number``); they are encoded from exact
decimals (``decimal_format="number"``), so no float ever rounds them. Dates are ISO-8601 UTC with
milliseconds. Request bodies are decoded leniently: unknown keys are ignored, as the real API
does, and numbers may arrive as JSON numbers or strings (the order body is decoded to a plain
object with floats as exact decimals, then checked field by field in ``mapping``).
"""

from __future__ import annotations

from decimal import Decimal

import msgspec


class Error(msgspec.Struct):
    error: str
    error_description: str


class Token(msgspec.Struct):
    access_token: str
    expires_in: int
    state: str | None
    token_type: str = "Bearer"  # not in the docs' example; harmless, and what OAuth2 clients expect


class TokenRequest(msgspec.Struct, kw_only=True):
    """The JSON form of the token request (the documented form is urlencoded)."""

    grant_type: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    scope: str | None = None
    state: str | None = None


class Order(msgspec.Struct, kw_only=True, omit_defaults=False):
    id: str | None
    status: str
    sortedId: str | None
    orderType: str
    account: str
    clientRef: str
    executorRef: str
    instrument: str
    units: Decimal
    amount: Decimal
    createdDate: str | None
    modifiedDate: str | None
    canceledDate: str | None = None


class Instrument(msgspec.Struct, kw_only=True):
    id: str
    isincode: str
    name: str
    currency: str
    closePrice: Decimal | None
    priceDate: str | None
    kiid: str
    decimalsUnits: int
    minInvestmentAmountSEK: Decimal
    minInitialAmountSek: Decimal
    minSubsequentAmountSek: Decimal
    isComplex: bool
    isBuyable: bool
    isSellable: bool
    isTradable: bool
    cost: Decimal
    rebate: Decimal


class BankAccount(msgspec.Struct, kw_only=True):
    id: str
    clearingNumber: str
    accountNumber: str
    bank: str


class Client(msgspec.Struct, kw_only=True):
    id: str
    sortedId: str
    name: str
    displayName: str
    bankAccounts: list[BankAccount]
    serviceTypes: list[str]
    createdDate: str
    modifiedDate: str
    crn: str
    country: str


class Account(msgspec.Struct, kw_only=True):
    id: str
    sortedId: str
    client: str
    name: str
    currency: str
    createdDate: str
    modifiedDate: str
