"""A fingerprint of the whole core state, stable across processes and Python hash seeds.

Two managers with the same hash hold the same reference data, the same orders with the same
quantities and statuses, the same book queues in the same priority order, the same parked stops,
fund desk, pending cancels and fills, and will react identically to any future command. Sets are
sorted before hashing because their iteration order depends on the per-process string hash seed.
"""

from __future__ import annotations

import hashlib

import msgspec

from openvenue.domain.orders import ORDER_FIELD_NAMES, Order
from openvenue.oms.manager import OrderManager

_encode = msgspec.msgpack.Encoder(decimal_format="string").encode


def order_fingerprint(order: Order) -> tuple:
    return tuple(getattr(order, name) for name in ORDER_FIELD_NAMES)


def state_hash(oms: OrderManager) -> str:
    digest = hashlib.blake2b(digest_size=32, person=b"openvenue-state")
    update = digest.update
    update(_encode((oms.seq, oms.next_order_id, oms.next_trade_id)))
    for symbol in sorted(oms.instruments):
        update(_encode(oms.instruments[symbol]))
    for client_id in sorted(oms.clients):
        update(_encode(oms.clients[client_id]))
    for account_id in sorted(oms.accounts):
        update(_encode(oms.accounts[account_id]))
    for user_id in sorted(oms.users):
        user = oms.users[user_id]
        update(_encode((user.id, user.name, sorted(user.permissions), sorted(user.account_ids))))
    for order_id in sorted(oms.index.orders):
        update(_encode(order_fingerprint(oms.index.orders[order_id])))
    for symbol in sorted(oms.engine.books):
        book = oms.engine.books[symbol]
        update(_encode((symbol, book.last_price, [o.id for o in book.resting()])))
    for symbol in sorted(oms.engine.stops):
        parked = [o.id for o in oms.engine.stops[symbol]]
        if parked:  # an empty stop book is no state: replay may create one the live run did not
            update(_encode((symbol, parked)))
    desk = oms.fund_desk
    update(_encode((sorted(o.id for o in desk.pending()), sorted(o.id for o in desk.pending()
                                                                 if o.sent_to_fund))))
    update(_encode(sorted(o for group in desk.executed.values() for o in group)))
    update(_encode(sorted((k, list(v)) for k, v in oms.pending_cancels.items())))
    for account_id in sorted(oms.fills):
        fills = oms.fills[account_id]
        update(_encode((account_id, len(fills), fills[-1].seq if fills else 0)))
    for account_id in sorted(oms.index.accounts):
        account = oms.index.accounts[account_id]
        update(_encode((account_id, sorted(account.open),
                        sorted((k, o.id) for k, o in account.by_client_order_id.items()))))
    return digest.hexdigest()
