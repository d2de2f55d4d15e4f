"""Shared builders for the unit tests: a small venue with reference data and order helpers.

The ``venue`` fixture is an ``OrderManager`` on a ``ManualClock`` that already knows three
instruments (AAPL equity, BTC-PERP, a Swedish fund), two clients with one account each, a
TRADING user per account, a READ_ONLY user and an OPERATOR. Every event it emits — reference data
included — is collected in ``venue.journal``, so ``venue.assert_replays()`` can rebuild the state
from the stream and compare state hashes.

Helpers take exact decimal strings, as a wire client would send them.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from openvenue.domain.accounts import Account, Client, Permission, User
from openvenue.domain.commands import CancelAllOrders, CancelOrder, Command, PlaceOrder
from openvenue.domain.instruments import Instrument, InstrumentKind
from openvenue.domain.orders import Order, OrderType, Side, TimeInForce
from openvenue.engine.book import OrderBook
from openvenue.oms.clock import ManualClock
from openvenue.oms.manager import OrderManager
from openvenue.oms.outcome import Outcome
from openvenue.oms.projection import replay
from openvenue.oms.state_hash import state_hash

AAPL_EQUITY = Instrument(
    id=1, symbol="AAPL", kind=InstrumentKind.EQUITY, tick_size=Decimal("0.01"),
    lot_size=Decimal("1"), min_size=Decimal("1"),
)
BTC_PERP = Instrument(
    id=2, symbol="BTC-PERP", kind=InstrumentKind.CRYPTO_PERP, tick_size=Decimal("0.1"),
    lot_size=Decimal("0.0001"), min_size=Decimal("0.0001"), base_asset="BTC", quote_asset="USDC",
    currency="USDC",
)
SWEDISH_FUND = Instrument(
    id=3, symbol="SE0012193019SEK", kind=InstrumentKind.FUND, tick_size=Decimal("0.0001"),
    lot_size=Decimal("0.0000001"), min_size=Decimal("0.0000001"), currency="SEK",
    isin="SE0012193019", amount_increment=Decimal("0.01"), min_amount=Decimal("100"),
)


def _dec(value: str | int | Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class Venue:
    """An OMS with reference data, its journal, and one-line helpers for common commands."""

    AAPL = AAPL_EQUITY.symbol
    BTC = BTC_PERP.symbol
    FUND = SWEDISH_FUND.symbol

    CLIENT_1, CLIENT_2 = 1, 2
    ACCOUNT_A, ACCOUNT_B = 101, 102
    TRADER_A, TRADER_B, READER_A, OPERATOR = 11, 12, 13, 14

    def __init__(self) -> None:
        self.clock = ManualClock()
        self.oms = OrderManager(self.clock)
        self.journal: list = []
        # Subscribed before any reference data, so the journal alone rebuilds the venue.
        self.oms.subscribe(self.journal.extend)
        for instrument in (AAPL_EQUITY, BTC_PERP, SWEDISH_FUND):
            self.oms.define_instrument(instrument)
        self.oms.define_client(Client(id=self.CLIENT_1, name="Client One"))
        self.oms.define_client(Client(id=self.CLIENT_2, name="Client Two"))
        self.oms.define_account(Account(id=self.ACCOUNT_A, client_id=self.CLIENT_1, name="A"))
        self.oms.define_account(Account(id=self.ACCOUNT_B, client_id=self.CLIENT_2, name="B"))
        trading = frozenset({Permission.TRADING})
        self.oms.define_user(User(id=self.TRADER_A, name="trader-a", permissions=trading,
                                  account_ids=frozenset({self.ACCOUNT_A})))
        self.oms.define_user(User(id=self.TRADER_B, name="trader-b", permissions=trading,
                                  account_ids=frozenset({self.ACCOUNT_B})))
        self.oms.define_user(User(id=self.READER_A, name="reader-a",
                                  permissions=frozenset({Permission.READ_ONLY}),
                                  account_ids=frozenset({self.ACCOUNT_A})))
        self.oms.define_user(User(id=self.OPERATOR, name="operator",
                                  permissions=frozenset({Permission.OPERATOR})))

    # -- commands ----------------------------------------------------------------------------------

    def trader_of(self, account_id: int) -> int:
        return {self.ACCOUNT_A: self.TRADER_A, self.ACCOUNT_B: self.TRADER_B}[account_id]

    def execute(self, command: Command) -> Outcome:
        return self.oms.execute(command)

    def place(
        self, side: Side, quantity: str | None, price: str | None = None, *,
        type: OrderType | None = None, account: int | None = None, user: int | None = None,
        instrument: str = AAPL_EQUITY.symbol, stop_price: str | None = None,
        tif: TimeInForce = TimeInForce.GTC, **kw,
    ) -> Outcome:
        account = self.ACCOUNT_A if account is None else account
        if type is None:
            type = OrderType.LIMIT if price is not None else OrderType.MARKET
        return self.oms.execute(PlaceOrder(
            user_id=self.trader_of(account) if user is None else user, account_id=account,
            instrument=instrument, side=side, type=type, quantity=_dec(quantity), price=_dec(price),
            stop_price=_dec(stop_price), time_in_force=tif, **kw,
        ))

    def buy(self, quantity: str, price: str | None = None, **kw) -> Outcome:
        return self.place(Side.BUY, quantity, price, **kw)

    def sell(self, quantity: str, price: str | None = None, **kw) -> Outcome:
        return self.place(Side.SELL, quantity, price, **kw)

    def cancel(self, order_id: int = 0, *, user: int | None = None, **kw) -> Outcome:
        if user is None:
            order = self.oms.index.orders.get(order_id)
            user = self.trader_of(order.account_id) if order is not None else self.TRADER_A
        return self.oms.execute(CancelOrder(user_id=user, order_id=order_id, **kw))

    def cancel_all(self, user: int, **kw) -> Outcome:
        return self.oms.execute(CancelAllOrders(user_id=user, **kw))

    # -- looking ---------------------------------------------------------------------------------

    def order(self, order_id: int) -> Order:
        return self.oms.index.orders[order_id]

    def book(self, symbol: str = AAPL_EQUITY.symbol) -> OrderBook:
        return self.oms.engine.books[symbol]

    def resting(self, symbol: str = AAPL_EQUITY.symbol) -> list[tuple[int, int, int]]:
        """``(order_id, price_ticks, leaves)`` of every resting order, in book priority order."""
        return [(o.id, o.price, o.leaves) for o in self.book(symbol).resting()]

    @staticmethod
    def types(events) -> list[str]:
        if isinstance(events, Outcome):
            events = events.events
        return [type(e).__name__ for e in events]

    # -- replay ------------------------------------------------------------------------------------

    def assert_replays(self) -> None:
        """The journal, replayed into a fresh manager, rebuilds exactly this state."""
        assert [e.seq for e in self.journal] == list(range(1, len(self.journal) + 1))
        rebuilt = replay(OrderManager(ManualClock()), self.journal)
        assert state_hash(rebuilt) == state_hash(self.oms)


@pytest.fixture
def venue() -> Venue:
    return Venue()


@pytest.fixture
def oms(venue: Venue) -> OrderManager:
    return venue.oms
