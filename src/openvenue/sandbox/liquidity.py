"""The liquidity simulator: seeded market makers that keep a two-sided book on each instrument.

Each market maker holds a reference price (integer ticks) that moves one step per update — a
random walk from the sandbox's seeded generator, or the next row of a CSV of prices — and keeps
``depth`` price levels of ``order_size`` on each side around it, ``spread_ticks`` wide. It trades
only through ordinary commands from its own user and account: its quotes rest in the real book,
users' marketable orders fill against them by price-time priority and size, and when the price
moves through a user's resting order the market maker's new quote takes it, just as another
participant would. Nothing is filled by magic.

Updates are paced by the venue's clock (the core's clock port), not by wall time: a frozen clock
freezes the market, and the same seed, settings and requests give the same fills.
"""

from __future__ import annotations

import asyncio
import csv
import logging
import random
from decimal import Decimal
from pathlib import Path

import msgspec

from openvenue.domain.commands import CancelOrder, PlaceOrder
from openvenue.domain.instruments import Instrument
from openvenue.domain.orders import Order, OrderType, Side, StpMode, TimeInForce

log = logging.getLogger("openvenue.sandbox.liquidity")

MAX_CATCH_UP = 100_000  # walk steps run at once after a long clock jump; the rest are skipped


class InstrumentLiquidity(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    enabled: bool = True
    reference_price: str | None = None  # None: the instrument has no simulated market
    volatility: float = 0.0005  # standard deviation of one update's move, relative to the price
    spread_ticks: int = 2  # best ask minus best bid
    level_ticks: int = 1  # distance between the levels of one side
    depth: int = 5  # levels per side
    order_size: str | None = None  # per level; default: 100 lots
    replay: str | None = None  # CSV of prices (last column of each row), replayed in a loop


class LiquidityConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    enabled: bool = True
    update_ms: int = 1000
    warmup_steps: int = 0  # walk steps taken before the first quotes
    instruments: dict[str, InstrumentLiquidity] = {}


def _i(price: str, size: str, **kw) -> InstrumentLiquidity:
    return InstrumentLiquidity(reference_price=price, order_size=size, **kw)


# The demo venue's markets (funds are priced at NAV by the fund desk, never quoted).
DEMO_MARKETS: dict[str, InstrumentLiquidity] = {
    "AAPL": _i("190.00", "100"),
    "MSFT": _i("420.00", "100"),
    "AAPL  270115C00200000": _i("12.50", "10", spread_ticks=4, volatility=0.002),
    "BTC-PERP": _i("65000.0", "0.5", spread_ticks=10, level_ticks=5),
    "ETH-PERP": _i("3200.00", "5", spread_ticks=10, level_ticks=5),
    "BTC-USDC": _i("65000.00", "0.5", spread_ticks=100, level_ticks=50),
}


class MarketMaker:
    """One instrument's simulated market: its reference price and the quotes it wants."""

    def __init__(self, inst: Instrument, settings: InstrumentLiquidity, rng: random.Random,
                 base_dir: Path | None = None) -> None:
        self.inst = inst
        self.settings = settings
        self.rng = rng
        ticks = inst.price_to_ticks(Decimal(settings.reference_price))
        if ticks is None or ticks <= 0:
            raise ValueError(f"{inst.symbol}: reference_price is not a positive price on the grid")
        self.reference = ticks
        size = Decimal(settings.order_size) if settings.order_size else inst.quantity(100)
        lots = inst.qty_to_lots(size)
        if not lots or lots < inst.min_lots:
            raise ValueError(f"{inst.symbol}: order_size is not a valid quantity")
        self.size = lots
        self.replay: list[int] = []
        self._row = 0
        if settings.replay:
            self.replay = _read_prices(inst, Path(base_dir or ".") / settings.replay)

    def step(self) -> None:
        if self.replay:
            self.reference = self.replay[self._row % len(self.replay)]
            self._row += 1
            return
        sigma = self.settings.volatility * self.reference
        # the draw is a float, the price never is: the move is rounded to whole ticks at once
        move = round(self.rng.gauss(0.0, sigma)) if sigma > 0 else 0
        self.reference = max(1, self.reference + move)

    def move_to(self, ticks: int) -> None:
        self.reference = max(1, ticks)

    def quotes(self, highest_guarded_bid: int | None, lowest_guarded_ask: int | None
               ) -> dict[tuple[bool, int], int]:
        """(is_buy, price) -> lots. Guarded orders (never-fill) are never crossed."""
        s = self.settings
        half = s.spread_ticks // 2
        best_bid = self.reference - half
        best_ask = best_bid + max(s.spread_ticks, 1)
        if lowest_guarded_ask is not None:
            best_bid = min(best_bid, lowest_guarded_ask - 1)
        if highest_guarded_bid is not None:
            best_ask = max(best_ask, highest_guarded_bid + 1)
        wanted: dict[tuple[bool, int], int] = {}
        step = max(s.level_ticks, 1)
        for level in range(max(s.depth, 0)):
            bid = best_bid - level * step
            if bid > 0:
                wanted[(True, bid)] = self.size
            wanted[(False, best_ask + level * step)] = self.size
        return wanted


def _read_prices(inst: Instrument, path: Path) -> list[int]:
    prices = []
    with open(path, newline="") as handle:
        for row in csv.reader(handle):
            if not row or row[0].startswith("#"):
                continue
            try:
                price = Decimal(row[-1].strip())
            except ArithmeticError:
                continue  # a header
            ticks = inst.price_to_ticks(price.quantize(inst.tick_size))
            if ticks:
                prices.append(ticks)
    if not prices:
        raise ValueError(f"{path}: no prices")
    return prices


class LiquiditySimulator:
    def __init__(self, core, config: LiquidityConfig, seed: int, user_id: int, account_id: int,
                 *, base_dir: Path | None = None) -> None:
        self.core = core
        self.oms = core.oms
        self.config = config
        self.user_id = user_id
        self.account_id = account_id
        self.makers: dict[str, MarketMaker] = {}
        self.guarded: set[int] = set()  # never-fill orders (client order id convention)
        self.step_index = 0
        self._origin_ns = 0
        self._lock = asyncio.Lock()
        for symbol, settings in config.instruments.items():
            inst = self.oms.instruments.get(symbol)
            if inst is None or inst.is_fund or not settings.enabled or not settings.reference_price:
                continue
            self.makers[symbol] = MarketMaker(inst, settings, random.Random(f"{seed}:{symbol}"),
                                              base_dir)

    @property
    def step_ns(self) -> int:
        return max(self.config.update_ms, 1) * 1_000_000

    async def start(self) -> None:
        self._origin_ns = self.oms.clock.now_ns()
        for _ in range(self.config.warmup_steps):
            for maker in self.makers.values():
                maker.step()
        await self.requote_all()

    async def on_tick(self) -> None:
        """Run the updates the venue clock has made due, then requote."""
        due = (self.oms.clock.now_ns() - self._origin_ns) // self.step_ns
        if due <= self.step_index:
            return
        steps = min(due - self.step_index, MAX_CATCH_UP)
        self.step_index = due
        for _ in range(steps):
            for maker in self.makers.values():
                maker.step()
        await self.requote_all()

    async def requote_all(self) -> None:
        for symbol in list(self.makers):
            await self.requote(symbol)

    def _guards(self, symbol: str) -> tuple[int | None, int | None]:
        high_bid = low_ask = None
        orders = self.oms.index.orders
        for order_id in list(self.guarded):
            order = orders.get(order_id)
            if order is None or not order.is_open:
                self.guarded.discard(order_id)
                continue
            if order.instrument != symbol or not order.price:
                continue
            if order.is_buy:
                high_bid = order.price if high_bid is None else max(high_bid, order.price)
            else:
                low_ask = order.price if low_ask is None else min(low_ask, order.price)
        return high_bid, low_ask

    def own_orders(self, symbol: str) -> list[Order]:
        account = self.oms.index.accounts.get(self.account_id)
        if account is None:
            return []
        return [o for o in account.open.values() if o.instrument == symbol]

    async def requote(self, symbol: str) -> None:
        maker = self.makers.get(symbol)
        if maker is None or maker.inst.trading_state != "TRADING":
            return
        async with self._lock:
            maker.inst = self.oms.instruments.get(symbol, maker.inst)
            wanted = maker.quotes(*self._guards(symbol))
            for order in self.own_orders(symbol):
                key = (order.is_buy, order.price)
                if key in wanted and order.status in ("NEW", "PARTIALLY_FILLED"):
                    del wanted[key]
                    continue
                if order.status in ("NEW", "PARTIALLY_FILLED"):
                    await self.core.execute(CancelOrder(user_id=self.user_id, order_id=order.id))
            # stale quotes are gone, so a new quote that crosses takes users' resting orders only
            for (is_buy, price), lots in sorted(wanted.items()):
                await self._place(maker.inst, is_buy, price, lots)

    async def _place(self, inst: Instrument, is_buy: bool, price: int, lots: int,
                     tif: TimeInForce = TimeInForce.GTC):
        return await self.core.execute(PlaceOrder(
            user_id=self.user_id, account_id=self.account_id, instrument=inst.symbol,
            side=Side.BUY if is_buy else Side.SELL, type=OrderType.LIMIT,
            quantity=inst.quantity(lots), price=inst.price(price), time_in_force=tif,
            stp=StpMode.CANCEL_RESTING))

    async def fill(self, order: Order, lots: int):
        """Trade ``lots`` against a resting order through the book: the market maker sends the
        opposite IOC order at its limit price (orders ahead of it in priority fill first)."""
        inst = self.oms.instruments[order.instrument]
        return await self._place(inst, not order.is_buy, order.price, lots, TimeInForce.IOC)

    async def move(self, symbol: str, price: Decimal) -> int:
        maker = self.makers[symbol]
        ticks = maker.inst.price_to_ticks(price)
        if ticks is None or ticks <= 0:
            raise ValueError(f"{price} is not a positive price on {symbol}'s tick grid")
        maker.move_to(ticks)
        await self.requote(symbol)
        return ticks

    def describe(self) -> dict:
        markets = {}
        for symbol, maker in sorted(self.makers.items()):
            book = self.oms.engine.books.get(symbol)
            entry = {"reference_price": str(maker.inst.price(maker.reference)),
                     "order_size": str(maker.inst.quantity(maker.size)),
                     "spread_ticks": maker.settings.spread_ticks, "depth": maker.settings.depth,
                     "replay": maker.settings.replay}
            if book is not None:
                bid, ask = book.best_bid(), book.best_ask()
                entry["best_bid"] = None if bid is None else str(maker.inst.price(bid))
                entry["best_ask"] = None if ask is None else str(maker.inst.price(ask))
            markets[symbol] = entry
        return {"update_ms": self.config.update_ms, "step": self.step_index, "markets": markets}
