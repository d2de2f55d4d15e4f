"""APEX wire structs: the frame envelope and the PascalCase objects replies and events carry.

Request payloads are not structs: APEX clients spell keys in any case (``OMSId``, ``omsId``), so
they are decoded to a dict and read case-insensitively (``calls.Params``). Everything the face
sends is a struct here, so the key set and key order of each object is fixed in one place.
Decimals are encoded as JSON numbers (exact digits, never through float): APEX clients read
prices and quantities as numbers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

# m: the message type of a frame
REQUEST, REPLY, SUBSCRIBE, EVENT, UNSUBSCRIBE, ERROR = 0, 1, 2, 3, 4, 5


class Frame(msgspec.Struct):
    """``{"m", "i", "n", "o"}``; ``o`` is a JSON string (an object is tolerated on input)."""

    m: int = REQUEST
    i: int = 0
    n: str = ""
    o: Any = ""


class Generic(msgspec.Struct, omit_defaults=False):
    """The generic reply of calls that return no object, and of every business error."""

    result: bool
    errormsg: str | None
    errorcode: int
    detail: str | None


class SendOrderAccepted(msgspec.Struct):
    status: str
    errormsg: str
    OrderId: int


class SendOrderRejected(msgspec.Struct):
    """Both shapes at once (contract, section 6): clients read ``status`` or ``result``."""

    result: bool
    status: str
    errormsg: str
    errorcode: int
    detail: str | None


class AuthUser(msgspec.Struct):
    UserId: int
    UserName: str
    Email: str
    EmailVerified: bool
    AccountId: int
    OMSId: int
    Use2FA: bool


class AuthenticateUserReply(msgspec.Struct):
    Authenticated: bool
    SessionToken: str
    User: AuthUser
    Locked: bool
    Requires2FA: bool
    TwoFAType: str | None
    TwoFAToken: str | None
    errormsg: str | None


class WebAuthenticateUserReply(msgspec.Struct):
    Authenticated: bool
    SessionToken: str
    UserId: int
    Requires2FA: bool
    errormsg: str | None


class AuthFailed(msgspec.Struct):
    Authenticated: bool
    Locked: bool
    errormsg: str


class Order(msgspec.Struct):
    """The APEX 4.x order object: GetOrderStatus, GetOpenOrders, histories, OrderStateEvent."""

    Side: str
    OrderId: int
    Price: Decimal
    Quantity: Decimal  # what is still open
    DisplayQuantity: Decimal
    Instrument: int
    Account: int
    AccountName: str
    OrderType: str
    ClientOrderId: int
    OrderState: str
    ReceiveTime: int
    ReceiveTimeTicks: int
    LastUpdatedTime: int
    LastUpdatedTimeTicks: int
    OrigQuantity: Decimal
    QuantityExecuted: Decimal
    GrossValueExecuted: Decimal
    ExecutableValue: Decimal
    AvgPrice: Decimal
    CounterPartyId: int
    ChangeReason: str
    OrigOrderId: int
    OrigClOrdId: int
    EnteredBy: int
    UserName: str
    IsQuote: bool
    InsideAsk: Decimal
    InsideAskSize: Decimal
    InsideBid: Decimal
    InsideBidSize: Decimal
    LastTradePrice: Decimal
    RejectReason: str
    IsLockedIn: bool
    CancelReason: str
    OrderFlag: str
    UseMargin: bool
    StopPrice: Decimal
    PegPriceType: str
    PegOffset: Decimal
    PegLimitOffset: Decimal
    IpAddress: str | None
    IPv6a: int
    IPv6b: int
    ClientOrderIdUuid: str | None
    OMSId: int


class Trade(msgspec.Struct):
    """OrderTradeEvent, and the items of GetTradesHistory."""

    OMSId: int
    ExecutionId: int
    TradeId: int
    OrderId: int
    AccountId: int
    AccountName: str
    SubAccountId: int
    ClientOrderId: int
    InstrumentId: int
    Side: str
    OrderType: str
    Quantity: Decimal
    RemainingQuantity: Decimal
    Price: Decimal
    Value: Decimal
    CounterParty: str
    ContraAcctId: int
    OrderTradeRevision: int
    Direction: str
    IsBlockTrade: bool
    Fee: Decimal
    FeeProductId: int
    OrderOriginator: int
    UserName: str
    TradeTimeMS: int
    MakerTaker: str
    AdapterTradeId: int
    IsQuote: bool
    TradeTime: int


class NewOrderRejectEvent(msgspec.Struct):
    OMSId: int
    AccountId: int
    ClientOrderId: int
    Status: str
    RejectReason: str


class CancelOrderRejectEvent(msgspec.Struct):
    OMSId: int
    AccountId: int
    OrderId: int
    OrderRevision: int
    OrderType: str
    InstrumentId: int
    Status: str
    RejectReason: str


class CancelReplaceReply(msgspec.Struct):
    ReplacementOrderId: int
    ReplacementClOrdId: int
    OrigOrderId: int
    OrigClOrdId: int


class Instrument(msgspec.Struct):
    OMSId: int
    InstrumentId: int
    Symbol: str
    Product1: int
    Product1Symbol: str
    Product2: int
    Product2Symbol: str
    InstrumentType: str
    VenueInstrumentId: int
    VenueId: int
    SortIndex: int
    SessionStatus: str
    PreviousSessionStatus: str
    SessionStatusDateTime: str
    SelfTradePrevention: bool
    QuantityIncrement: Decimal
    PriceIncrement: Decimal
    MinimumQuantity: Decimal
    MinimumPrice: Decimal
    VenueSymbol: str
    IsDisable: bool
    MasterDataId: int
    PriceCollarThreshold: Decimal
    PriceCollarPercent: Decimal
    PriceCollarEnabled: bool
    PriceFloorLimit: Decimal
    PriceFloorLimitEnabled: bool
    PriceCeilingLimit: Decimal
    PriceCeilingLimitEnabled: bool
    CreateWithMarketRunning: bool
    AllowOnlyMarketMakerCounterParty: bool


class Subscribed(msgspec.Struct):
    Subscribed: bool


class Unsubscribed(msgspec.Struct):
    Unsubscribed: bool


class Pong(msgspec.Struct):
    msg: str


encode = msgspec.json.Encoder(decimal_format="number").encode
# Decimals from the start: a JSON number like 0.1 must never pass through float.
decode_payload = msgspec.json.Decoder(float_hook=Decimal).decode
# an object ``o`` (tolerated) is decoded with the frame: its numbers must be exact too
decode_frame = msgspec.json.Decoder(Frame, float_hook=Decimal).decode
