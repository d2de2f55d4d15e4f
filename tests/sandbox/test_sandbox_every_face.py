"""Marketable orders fill from simulated liquidity through every face's official client."""

from __future__ import annotations

from decimal import Decimal

from finance_dev import FinanceDev, models
from intx_sdk import Credentials, IntxServicesClient
from intx_sdk.services.orders import CreateOrderRequest, GetOrderDetailsRequest
from sandbox_helpers import admin, coid


def _best_ask(venue, symbol: str) -> Decimal:
    with admin(venue) as ops:
        return Decimal(ops.get("/v1/admin/sandbox").json()["liquidity"]["markets"][symbol]
                       ["best_ask"])


def test_a_marketable_intx_order_fills_from_the_market_makers(market):
    face = market.manifest["coinbase_intx"]
    user = next(u for u in face["users"] if u["name"] == "trader-1")
    sdk = IntxServicesClient(Credentials(user["access_key"], user["passphrase"],
                                         user["signing_key"]), base_url=face["base_url"])
    ask = _best_ask(market, "BTC-PERP")
    placed = sdk.orders.create_order(CreateOrderRequest(
        client_order_id=coid("intx"), side="BUY", size="0.001", tif="IOC",
        instrument="BTC-PERP", type="LIMIT", price=str(ask), portfolio=user["portfolio_id"]))
    order = sdk.orders.get_order_details(GetOrderDetailsRequest(
        order_id=placed.order_id, portfolio=user["portfolio_id"]))
    assert order.order_status == "DONE"
    assert Decimal(order.exec_qty) == Decimal("0.001")
    assert Decimal(order.avg_price) == ask


def test_a_marketable_aries_order_fills_from_the_market_makers(market):
    face = market.manifest["aries"]
    user = next(u for u in face["users"] if u["name"] == "trader-1")
    sdk = FinanceDev(server_url=face["base_url"], security=models.Security(
        client_id=user["client_id"], client_secret=user["client_secret"],
        token_url=face["token_url"]))
    ask = _best_ask(market, "AAPL")
    placed = sdk.orders.place_order(request={
        "accountId": user["account_id"], "symbol": "AAPL", "side": "BUY", "type": "LIMIT",
        "timeInForce": "DAY", "qty": "5", "price": str(ask)}).ord_response
    assert placed.success
    assert (placed.status, placed.cum_qty, placed.leaves_qty) == ("FILLED", "5", "0")
