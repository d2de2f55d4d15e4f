"""Snapshots: the whole order-manager state as bytes, and back into a fresh manager.

A snapshot lets recovery start from a recent point instead of replaying the journal from the
first event. It captures everything ``state_hash`` covers and everything that decides future
behaviour: reference data, every order with every field, each book's queues in priority order,
parked stops, the fund desk, pending cancels, the timer heap exactly as laid out, fills and the
counters. Orders are encoded once, as positional tuples, and every other structure refers to them
by id, so the restored manager shares one ``Order`` object between its book, indexes and desk, as
the live one does. Dict orders are preserved (they decide iteration order in cut-offs and
executions). Configuration (clock, id key) is not state: the caller builds the fresh manager.
"""

from __future__ import annotations

from operator import attrgetter

import msgspec

from openvenue.domain.accounts import Account, Client, User
from openvenue.domain.events import OrderFilled
from openvenue.domain.instruments import Instrument
from openvenue.domain.orders import ORDER_FIELD_NAMES, ORDER_FIELDS, Order
from openvenue.domain.reasons import CancelReason
from openvenue.engine.matching import _StopBook  # restoring an empty stop book needs the type
from openvenue.oms.manager import OrderManager

FORMAT = 2  # bump when the layout changes; older snapshots are then ignored, never misread

_order_values = attrgetter(*ORDER_FIELD_NAMES)

# The decoder's type for one order tuple, field by field, so enums come back as enums. Derived
# from ``Order`` itself so a new field can never be silently dropped from snapshots.
_OrderTuple = tuple[tuple(kind for _, kind in ORDER_FIELDS)]


class _Side(msgspec.Struct, array_like=True):
    levels: list[list[int]]  # best level first, each queue head first


class _Book(msgspec.Struct, array_like=True):
    symbol: str
    last_price: int
    bids: list[list[int]]
    asks: list[list[int]]


class _Stops(msgspec.Struct, array_like=True):
    symbol: str
    buys: list[int]
    sells: list[int]


class _AccountIndex(msgspec.Struct, array_like=True):
    account_id: int
    orders: list[int]
    open: list[int]
    by_client_order_id: list[tuple[str, int]]


class State(msgspec.Struct, array_like=True):
    format: int
    seq: int
    next_order_id: int
    next_trade_id: int
    instruments: list[Instrument]
    clients: list[Client]
    accounts: list[Account]
    users: list[User]
    orders: list[_OrderTuple]
    accounts_index: list[_AccountIndex]
    sessions: list[tuple[int, list[int]]]
    books: list[_Book]
    stops: list[_Stops]
    fund_waiting: list[tuple[str, list[int]]]
    fund_sent: list[tuple[str, list[int]]]
    fund_executed: list[tuple[str, list[int]]]  # awaiting settlement
    pending_cancels: list[tuple[int, int, CancelReason, int]]
    timers: list[tuple[int, int, int]]
    fills: list[tuple[int, list[OrderFilled]]]


class SnapshotError(ValueError):
    """The bytes are not a snapshot this version can restore."""


_encoder = msgspec.msgpack.Encoder(decimal_format="string")
_decoder = msgspec.msgpack.Decoder(State)


def order_to_tuple(order: Order) -> tuple:
    """Every field of ``order`` but its queue links, positionally (also used by the archive)."""
    return _order_values(order)


def order_from_tuple(values: tuple) -> Order:
    order = Order(*values)
    order.on_book = False  # only a rebuilt book queue may say so
    return order


order_tuple_decoder = msgspec.msgpack.Decoder(_OrderTuple)


def _ids(orders) -> list[int]:
    return [o.id for o in orders]


def encode(oms: OrderManager) -> bytes:
    """The manager's whole state. Runs on the writer's thread: the state must not move meanwhile."""
    index = oms.index
    books = []
    for symbol, book in oms.engine.books.items():
        books.append(_Book(symbol, book.last_price,
                           [_ids(level) for level in book.bids],
                           [_ids(level) for level in book.asks]))
    state = State(
        format=FORMAT,
        seq=oms.seq,
        next_order_id=oms.next_order_id,
        next_trade_id=oms.next_trade_id,
        instruments=list(oms.instruments.values()),
        clients=list(oms.clients.values()),
        accounts=list(oms.accounts.values()),
        users=list(oms.users.values()),
        orders=[_order_values(o) for o in index.orders.values()],
        accounts_index=[
            _AccountIndex(aid, _ids(a.orders), list(a.open),
                          [(coid, o.id) for coid, o in a.by_client_order_id.items()])
            for aid, a in index.accounts.items()
        ],
        sessions=[(sid, list(orders)) for sid, orders in index.sessions.items()],
        books=books,
        stops=[_Stops(symbol, _ids(s.buys), _ids(s.sells)) for symbol, s in oms.engine.stops.items()],
        fund_waiting=[(symbol, list(g)) for symbol, g in oms.fund_desk.waiting.items()],
        fund_sent=[(symbol, list(g)) for symbol, g in oms.fund_desk.sent.items()],
        fund_executed=[(symbol, list(g)) for symbol, g in oms.fund_desk.executed.items()],
        pending_cancels=[(oid, user, reason, due)
                         for oid, (user, reason, due) in oms.pending_cancels.items()],
        timers=list(oms.timers),
        fills=[(aid, fills) for aid, fills in oms.fills.items()],
    )
    return _encoder.encode(state)


def decode(data: bytes) -> State:
    try:
        state = _decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError, TypeError) as error:
        raise SnapshotError(f"not a readable snapshot: {error}") from error
    if state.format != FORMAT:
        raise SnapshotError(f"snapshot format {state.format}, this version reads {FORMAT}")
    return state


def restore(oms: OrderManager, data: bytes | State) -> OrderManager:
    """Load a snapshot into ``oms``, a freshly built manager (same clock and id key as before)."""
    if oms.seq or oms.index.orders or oms.instruments:
        raise ValueError("restore needs a fresh OrderManager")
    state = data if isinstance(data, State) else decode(data)
    for instrument in state.instruments:
        oms.apply_instrument(instrument)  # also builds grids, books and fee rates
    oms.clients = {c.id: c for c in state.clients}
    oms.accounts = {a.id: a for a in state.accounts}
    for user in state.users:
        oms.apply_user(user)

    orders: dict[int, Order] = {}
    for values in state.orders:
        order = order_from_tuple(values)  # on_book is set again when its queue is rebuilt
        orders[order.id] = order
    index = oms.index
    index.orders = orders
    index.accounts = {}
    for entry in state.accounts_index:
        account = index.account(entry.account_id)
        account.orders = [orders[oid] for oid in entry.orders]
        account.open = {oid: orders[oid] for oid in entry.open}
        account.by_client_order_id = {coid: orders[oid] for coid, oid in entry.by_client_order_id}
    index.sessions = {sid: {oid: orders[oid] for oid in ids} for sid, ids in state.sessions}

    engine = oms.engine
    for entry in state.books:
        book = engine.add_book(entry.symbol)
        book.last_price = entry.last_price
        for side, levels in ((book.bids, entry.bids), (book.asks, entry.asks)):
            for level in levels:
                for oid in level:
                    side.add(orders[oid])  # in queue order: rebuilds links, qty and counts
    engine.stops = {}
    for entry in state.stops:
        stops = engine.stops[entry.symbol] = _StopBook()
        for oid in entry.buys + entry.sells:
            stops.add(orders[oid])

    desk = oms.fund_desk
    desk.waiting = {symbol: {oid: orders[oid] for oid in ids} for symbol, ids in state.fund_waiting}
    desk.sent = {symbol: {oid: orders[oid] for oid in ids} for symbol, ids in state.fund_sent}
    desk.executed = {symbol: {oid: orders[oid] for oid in ids}
                     for symbol, ids in state.fund_executed}
    oms.pending_cancels = {oid: (user, reason, due)
                           for oid, user, reason, due in state.pending_cancels}
    oms.timers = [tuple(t) for t in state.timers]  # already a heap: kept exactly as laid out
    oms.fills = {aid: fills for aid, fills in state.fills}
    oms.seq = state.seq
    oms.next_order_id = state.next_order_id
    oms.next_trade_id = state.next_trade_id
    return oms
