"""Archive rows: a closed order's final state and a fill, as bytes both backends store alike."""

from __future__ import annotations

import msgspec

from openvenue.domain.events import OrderFilled
from openvenue.domain.orders import Order
from openvenue.oms.snapshot import order_from_tuple, order_to_tuple, order_tuple_decoder

_encoder = msgspec.msgpack.Encoder()
_fill_decoder = msgspec.msgpack.Decoder(OrderFilled)


def encode_order(order: Order) -> bytes:
    return _encoder.encode(order_to_tuple(order))


def decode_order(payload: bytes) -> Order:
    return order_from_tuple(order_tuple_decoder.decode(payload))


def encode_fill(fill: OrderFilled) -> bytes:
    return _encoder.encode(fill)


def decode_fill(payload: bytes) -> OrderFilled:
    return _fill_decoder.decode(payload)
