"""The OMS's in-memory indexes of orders, shared by the live path and by replay.

Per account: every order in id order (a list: orders are created, and replayed, in id order,
so appending keeps it sorted), the open ones by id, and client order ids. Per
session: the open orders placed through it, for cancel-on-disconnect. Closing an order removes
it from the open indexes only; it stays findable by id and client order id.
"""

from __future__ import annotations

from openvenue.domain.orders import Order


class AccountOrders:
    __slots__ = ("by_client_order_id", "open", "orders")

    def __init__(self) -> None:
        self.orders: list[Order] = []
        self.open: dict[int, Order] = {}
        self.by_client_order_id: dict[str, Order] = {}


class OrderIndex:
    __slots__ = ("accounts", "orders", "sessions")

    def __init__(self) -> None:
        self.orders: dict[int, Order] = {}
        self.accounts: dict[int, AccountOrders] = {}
        self.sessions: dict[int, dict[int, Order]] = {}

    def account(self, account_id: int) -> AccountOrders:
        book = self.accounts.get(account_id)
        if book is None:
            book = self.accounts[account_id] = AccountOrders()
        return book

    def add(self, order: Order) -> None:
        oid = order.id
        self.orders[oid] = order
        account = self.accounts.get(order.account_id)
        if account is None:
            account = self.account(order.account_id)
        account.orders.append(order)
        account.open[oid] = order
        if order.client_order_id:
            account.by_client_order_id[order.client_order_id] = order
        if order.session_id:
            self.sessions.setdefault(order.session_id, {})[oid] = order

    def close(self, order: Order) -> None:
        del self.accounts[order.account_id].open[order.id]
        if order.session_id:
            session = self.sessions.get(order.session_id)
            if session is not None:
                session.pop(order.id, None)
                if not session:
                    del self.sessions[order.session_id]
