"""Reference data and seeded command flows shared by the storage tests and the crash writer.

``define_reference_data`` sets up instruments of every kind the core treats differently (a
fee-charging equity, a crypto pair, a NAV-priced fund), a client, accounts and users.
``random_command`` draws a mixed flow from the manager's current state — places of every type,
cancels by id and by client order id, delayed cancels, replaces, fund cut-offs and executions —
so a journal written with it exercises every event type the projector replays.
"""

from __future__ import annotations

import random
from decimal import Decimal

import msgspec

from openvenue.domain.accounts import Account, Client, Permission, User
from openvenue.domain.commands import (
    CancelAllOrders,
    CancelOrder,
    ExecuteFundOrders,
    PlaceOrder,
    ReplaceOrder,
    RunFundCutoff,
)
from openvenue.domain.instruments import Instrument, InstrumentKind
from openvenue.domain.orders import OrderType, Side, StpMode, TimeInForce
from openvenue.oms.manager import OrderManager

EQUITY, CRYPTO, FUND = "ACME", "BTC-USD", "SE0012193019SEK"
ACCOUNTS = (101, 102, 103, 104)
TRADER, OPERATOR = 7, 9

COMMAND_TYPES = {t.__name__: t for t in (PlaceOrder, CancelOrder, CancelAllOrders, ReplaceOrder,
                                         RunFundCutoff, ExecuteFundOrders)}


def define_reference_data(oms: OrderManager) -> None:
    oms.define_instrument(Instrument(
        id=1, symbol=EQUITY, kind=InstrumentKind.EQUITY, tick_size=Decimal("0.01"),
        lot_size=Decimal(1), min_size=Decimal(1), maker_fee_rate=Decimal("0.0001"),
        taker_fee_rate=Decimal("0.0003")))
    oms.define_instrument(Instrument(
        id=2, symbol=CRYPTO, kind=InstrumentKind.CRYPTO_SPOT, tick_size=Decimal("0.5"),
        lot_size=Decimal("0.001"), min_size=Decimal("0.001"), base_asset="BTC",
        quote_asset="USD"))
    oms.define_instrument(Instrument(
        id=3, symbol=FUND, kind=InstrumentKind.FUND, tick_size=Decimal("0.0001"),
        lot_size=Decimal("0.0000001"), min_size=Decimal("0.0000001"), currency="SEK",
        isin="SE0012193019", min_amount=Decimal(100)))
    oms.define_client(Client(id=1, name="Bench Capital"))
    for account_id in ACCOUNTS:
        oms.define_account(Account(id=account_id, client_id=1, name=f"acct-{account_id}"))
    oms.define_user(User(id=TRADER, name="trader", permissions=frozenset({Permission.TRADING}),
                         account_ids=frozenset(ACCOUNTS)))
    oms.define_user(User(id=OPERATOR, name="ops", permissions=frozenset({Permission.OPERATOR})))


def random_command(oms: OrderManager, rng: random.Random, serial: int):
    """One command drawn from the current state (``serial`` makes client order ids unique)."""
    roll = rng.random()
    open_orders = [o for a in ACCOUNTS for o in oms.index.accounts[a].open.values()]
    if open_orders and roll < 0.30:
        order = rng.choice(open_orders)
        if rng.random() < 0.5 and order.client_order_id:
            return CancelOrder(user_id=TRADER, account_id=order.account_id,
                               client_order_id=order.client_order_id,
                               delay_ns=rng.choice((0, 0, 0, 1_000)))
        return CancelOrder(user_id=TRADER, order_id=order.id)
    if open_orders and roll < 0.36:
        order = rng.choice(open_orders)
        if order.instrument == EQUITY and order.type is OrderType.LIMIT:
            return ReplaceOrder(user_id=TRADER, order_id=order.id,
                                quantity=Decimal(rng.randint(1, 20)),
                                price=Decimal(rng.randint(9_900, 10_100)) / 100,
                                as_new_order=rng.random() < 0.3)
    if roll < 0.38:
        return PlaceOrder(user_id=TRADER, account_id=rng.choice(ACCOUNTS), instrument=FUND,
                          side=Side.BUY, type=OrderType.MARKET,
                          cash_amount=Decimal(rng.randint(100, 5_000)),
                          client_order_id=f"f{serial}")
    if roll < 0.385:
        return RunFundCutoff(instrument=FUND)
    if roll < 0.39:
        return ExecuteFundOrders(instrument=FUND, nav=Decimal("123.4567"))
    if roll < 0.392:
        return CancelAllOrders(user_id=OPERATOR, instrument=CRYPTO)
    instrument = EQUITY if rng.random() < 0.7 else CRYPTO
    side = rng.choice((Side.BUY, Side.SELL))
    kind = rng.random()
    if instrument == EQUITY:
        price = Decimal(rng.randint(9_950, 10_050)) / 100
        quantity = Decimal(rng.randint(1, 30))
    else:
        price = Decimal(rng.randint(60_000, 60_040)) / 2
        quantity = Decimal(rng.randint(1, 500)) / 1000
    common = {"user_id": TRADER, "account_id": rng.choice(ACCOUNTS), "instrument": instrument,
                  "side": side, "quantity": quantity, "client_order_id": f"c{serial}",
                  "stp": rng.choice((StpMode.NONE, StpMode.NONE, StpMode.CANCEL_RESTING,
                                  StpMode.DECREMENT_AND_CANCEL))}
    if kind < 0.10:
        return PlaceOrder(type=OrderType.MARKET, time_in_force=TimeInForce.IOC, **common)
    if kind < 0.16:
        return PlaceOrder(type=OrderType.STOP_LIMIT, price=price, stop_price=price,
                          time_in_force=TimeInForce.GTC, **common)
    if kind < 0.22:
        return PlaceOrder(type=OrderType.LIMIT, price=price, time_in_force=TimeInForce.DAY,
                          **common)
    if kind < 0.28:  # expires within the run: exercises timers and OrderExpired
        return PlaceOrder(type=OrderType.LIMIT, price=price, time_in_force=TimeInForce.GTD,
                          expire_ns=oms.clock.now_ns() + rng.randint(1_000, 200_000), **common)
    return PlaceOrder(type=OrderType.LIMIT, price=price, time_in_force=TimeInForce.GTC,
                      post_only=kind > 0.95, **common)


def encode_command(command) -> str:
    return f"{type(command).__name__} {msgspec.json.encode(command).decode()}"


def decode_command(text: str):
    name, _, body = text.partition(" ")
    return msgspec.json.decode(body, type=COMMAND_TYPES[name])
