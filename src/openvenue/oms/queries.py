"""Read side of the order manager: one order, open orders, order history and fills.

Every query runs as a user and shows only what that user may read; an order the user may not
see is reported exactly like one that does not exist. Pages go newest first; the cursor is the
id (order id, or fill sequence number) of the last item returned, so pages stay stable while new
orders arrive.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from enum import StrEnum
from heapq import merge
from uuid import UUID

from openvenue.domain.events import OrderFilled
from openvenue.domain.orders import Order, OrderType, Side
from openvenue.oms.manager import OrderManager

MAX_PAGE = 1000


class StatusFilter(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"


class Page:
    __slots__ = ("items", "next_cursor")

    def __init__(self, items: list, next_cursor: int | None) -> None:
        self.items = items
        self.next_cursor = next_cursor  # None on the last page


class OrderQueries:
    def __init__(self, oms: OrderManager) -> None:
        self.oms = oms

    def _readable_accounts(self, user_id: int, account_id: int) -> Iterable[int] | None:
        """The accounts a query may cover: the named one, or all the user may read."""
        user = self.oms.users.get(user_id)
        if user is None:
            return None
        if account_id:
            return (account_id,) if user.may_read(account_id) else None
        if user.is_operator:
            return list(self.oms.index.accounts)
        return sorted(user.account_ids)

    def get_order(self, user_id: int, *, order_id: int = 0, account_id: int = 0,
                  client_order_id: str = "", uuid: str | UUID | None = None) -> Order | None:
        oms = self.oms
        user = oms.users.get(user_id)
        if user is None:
            return None
        if uuid is not None:
            order_id = oms.ids.order_id_from_uuid(uuid) or 0
            if not order_id:
                return None
        archive = oms.archive
        if order_id:
            order = oms.index.orders.get(order_id)
            if order is None and archive is not None:
                order = archive.find_order(order_id)
        elif account_id and client_order_id:
            account = oms.index.accounts.get(account_id)
            order = None if account is None else account.by_client_order_id.get(client_order_id)
            if order is None and archive is not None:
                order = archive.find_by_client_order_id(account_id, client_order_id)
        else:
            return None
        if order is None or (account_id and order.account_id != account_id):
            return None
        return order if user.may_read(order.account_id) else None

    def open_orders(self, user_id: int, *, account_id: int = 0, instrument: str | None = None,
                    side: Side | None = None) -> list[Order]:
        accounts = self._readable_accounts(user_id, account_id)
        if accounts is None:
            return []
        index = self.oms.index.accounts
        orders = [o for a in accounts if a in index for o in index[a].open.values()]
        orders.sort(key=_order_id)
        return [o for o in orders if _matches(o, instrument, side, None)]

    def order_history(self, user_id: int, *, account_id: int = 0,
                      status: StatusFilter = StatusFilter.ALL, instrument: str | None = None,
                      side: Side | None = None, order_type: OrderType | None = None,
                      cursor: int | None = None, limit: int = 100) -> Page:
        accounts = self._readable_accounts(user_id, account_id)
        if accounts is None:
            return Page([], None)
        limit = max(1, min(limit, MAX_PAGE))
        index = self.oms.index.accounts
        if len(accounts) == 1:
            account = index.get(next(iter(accounts)))
            candidates: Iterator[Order] = _newest_first(account.orders if account else [], cursor)
        else:
            wanted = set(accounts)
            candidates = (o for o in reversed(self.oms.index.orders.values())
                          if o.account_id in wanted)
            if cursor is not None:
                candidates = (o for o in candidates if o.id < cursor)
        archive = self.oms.archive
        if archive is not None and status is not StatusFilter.OPEN:
            # Retention moved some closed orders to the store: their ids interleave with the
            # ones still in memory, so the two newest-first streams are merged.
            archived = _pages(lambda before: archive.order_history(
                list(accounts), before_order_id=before, limit=limit + 1), cursor, _order_id)
            candidates = merge(candidates, archived, key=_order_id, reverse=True)
        items: list[Order] = []
        for order in candidates:
            if status is StatusFilter.OPEN and not order.is_open:
                continue
            if status is StatusFilter.CLOSED and order.is_open:
                continue
            if not _matches(order, instrument, side, order_type):
                continue
            if len(items) == limit:
                return Page(items, items[-1].id)
            items.append(order)
        return Page(items, None)

    def fills(self, user_id: int, *, account_id: int = 0, order_id: int = 0,
              cursor: int | None = None, limit: int = 100) -> Page:
        """Fills newest first; the cursor is the sequence number of the last fill returned."""
        accounts = self._readable_accounts(user_id, account_id)
        if accounts is None:
            return Page([], None)
        limit = max(1, min(limit, MAX_PAGE))
        fills_by_account = self.oms.fills
        merged: list[OrderFilled] = [f for a in accounts for f in fills_by_account.get(a, ())]
        if len(accounts) > 1:
            merged.sort(key=_seq)
        newest_first: Iterator[OrderFilled] = reversed(merged)
        if cursor is not None:
            newest_first = (f for f in newest_first if f.seq < cursor)
        if order_id:
            newest_first = (f for f in newest_first if f.order_id == order_id)
        archive = self.oms.archive
        if archive is not None:
            archived = _pages(lambda before: archive.fills(
                list(accounts), order_id=order_id, before_seq=before, limit=limit + 1),
                cursor, _seq)
            newest_first = merge(newest_first, archived, key=_seq, reverse=True)
        items: list[OrderFilled] = []
        for fill in newest_first:
            if len(items) == limit:
                return Page(items, items[-1].seq)
            items.append(fill)
        return Page(items, None)


def _newest_first(orders: list[Order], before: int | None) -> Iterator[Order]:
    """An account's orders (a list in id order) newest first, from just below ``before``."""
    end = len(orders) if before is None else bisect_left(orders, before, key=_order_id)
    return (orders[i] for i in range(end - 1, -1, -1))


def _pages(fetch, before: int | None, key) -> Iterator:
    """Items of a newest-first store query, fetched a page at a time as they are consumed."""
    while True:
        batch = fetch(before)
        yield from batch
        if not batch:
            return
        before = key(batch[-1])


def _matches(order: Order, instrument: str | None, side: Side | None,
             order_type: OrderType | None) -> bool:
    return ((instrument is None or order.instrument == instrument)
            and (side is None or order.side is side)
            and (order_type is None or order.type is order_type))


def _order_id(order: Order) -> int:
    return order.id


def _seq(fill: OrderFilled) -> int:
    return fill.seq
