"""The contract's acceptance flow, driven by the official ``intx-sdk-py`` 0.3.0, unchanged."""

from __future__ import annotations

import pytest
from intx_sdk.services.assets import GetAssetDetailsRequest, ListAssetsRequest
from intx_sdk.services.instruments import GetInstrumentDetailsRequest, ListInstrumentsRequest
from intx_sdk.services.model import InstrumentDetails
from intx_sdk.services.orders import (
    CancelOrderRequest,
    CancelOrdersRequest,
    CreateOrderRequest,
    GetOrderDetailsRequest,
    ListOpenOrdersRequest,
    ModifyOpenOrderRequest,
)
from intx_sdk.services.portfolios import GetPortfolioRequest, ListPortfoliosRequest


def limit_buy(client_order_id: str, portfolio: str, price: str = "1000", size: str = "0.001",
              instrument: str = "BTC-PERP") -> CreateOrderRequest:
    return CreateOrderRequest(client_order_id=client_order_id, side="BUY", size=size, tif="GTC",
                              instrument=instrument, type="LIMIT", price=price, portfolio=portfolio)


def open_results(client, portfolio: str, **filters) -> list[dict]:
    return client.orders.list_open_orders(
        ListOpenOrdersRequest(portfolio=portfolio, **filters)).orders["results"]


def test_reference_data_loads_without_credentials(intx):
    # The SDK signs every request; a wrong secret must not matter on public endpoints.
    client = intx.sdk(secret="d3Jvbmcgc2VjcmV0")
    instruments = client.instruments.list_instruments(ListInstrumentsRequest()).instruments
    symbols = {i["symbol"] for i in instruments}
    assert {"BTC-PERP", "ETH-PERP"} <= symbols
    assert "AAPL" not in symbols  # not an instrument INTX can express
    for raw in instruments:
        InstrumentDetails(**raw)  # exactly the SDK's keys
    btc = client.instruments.get_instrument_details(
        GetInstrumentDetailsRequest(instrument="BTC-PERP"))
    assert (btc.type, btc.base_increment, btc.quote_increment) == ("PERP", "0.0001", "0.1")
    by_id = client.instruments.get_instrument_details(
        GetInstrumentDetailsRequest(instrument=btc.instrument_id))
    by_uuid = client.instruments.get_instrument_details(
        GetInstrumentDetailsRequest(instrument=btc.instrument_uuid))
    assert by_id.symbol == by_uuid.symbol == "BTC-PERP"
    assets = client.assets.list_assets(ListAssetsRequest()).assets
    assert {"BTC", "ETH", "USDC"} <= {a.asset_name for a in assets}
    usdc = client.assets.get_asset_details(GetAssetDetailsRequest(asset="USDC")).asset
    assert usdc.status == "ACTIVE"


def test_each_key_has_one_default_portfolio(intx):
    for name in ("trader-1", "trader-2"):
        client = intx.sdk(name)
        portfolios = client.portfolios.list_portfolios(ListPortfoliosRequest()).portfolios
        assert [p.portfolio_id for p in portfolios if p.is_default] == [intx.portfolio(name)]
        assert len(portfolios) == 1  # the key sees its own portfolio only
        one = client.portfolios.get_portfolio(
            GetPortfolioRequest(portfolio=intx.user(name)["portfolio_uuid"])).portfolio
        assert one.portfolio_id == intx.portfolio(name)


def test_place_get_list_modify_cancel(intx):
    client = intx.sdk()
    p = intx.portfolio()
    cid1, cid2 = intx.cid(), intx.cid()
    o1 = client.orders.create_order(limit_buy(cid1, p, price="1000"))
    o2 = client.orders.create_order(limit_buy(cid2, p, price="1000.5"))
    for order, coid in ((o1, cid1), (o2, cid2)):
        assert (order.order_status, order.event_type) == ("WORKING", "NEW")
        assert order.client_order_id == coid and order.portfolio_id == p
        assert (order.size, order.leaves_qty, order.exec_qty, order.avg_price) == (
            "0.001", "0.001", "0", "0")
    assert o1.order_id != o2.order_id

    got = client.orders.get_order_details(GetOrderDetailsRequest(order_id=o1.order_id, portfolio=p))
    assert (got.order_uuid, got.price, got.tif) == (o1.order_uuid, "1000", "GTC")
    by_coid = client.orders.get_order_details(GetOrderDetailsRequest(order_id=cid2, portfolio=p))
    assert by_coid.order_id == o2.order_id

    listed = {o["order_id"]: o for o in open_results(client, p)}
    assert {o1.order_id, o2.order_id} <= set(listed)
    assert listed[o1.order_id]["order_status"] == "WORKING"
    assert [o["order_id"] for o in open_results(client, p, client_order_id=cid2)] == [o2.order_id]

    modified = client.orders.modify_open_order(ModifyOpenOrderRequest(
        id=o1.order_id, client_order_id=cid1, portfolio=p, price="1001", size="0.002"))
    assert modified.order_id == o1.order_id
    assert (modified.price, modified.size, modified.event_type) == ("1001", "0.002", "REPLACED")

    canceled = client.orders.cancel_order(CancelOrderRequest(id=o1.order_id, portfolio=p))
    assert (canceled.order_id, canceled.order_status, canceled.event_type, canceled.text) == (
        o1.order_id, "DONE", "CANCELED", "client cancel")
    canceled = client.orders.cancel_order(CancelOrderRequest(id=cid2, portfolio=p))
    assert (canceled.order_id, canceled.order_status, canceled.event_type) == (
        o2.order_id, "DONE", "CANCELED")

    still_open = {o["order_id"] for o in open_results(client, p)}
    assert o1.order_id not in still_open and o2.order_id not in still_open
    done = client.orders.get_order_details(GetOrderDetailsRequest(order_id=o2.order_id, portfolio=p))
    assert done.order_status == "DONE"  # done orders stay queryable

    with pytest.raises(Exception, match="status 400") as again:
        client.orders.cancel_order(CancelOrderRequest(id=o1.order_id, portfolio=p))
    assert "ORDER_ALREADY_DONE" in str(again.value)
    with pytest.raises(Exception, match="status 404"):
        client.orders.cancel_order(CancelOrderRequest(id="no-such-order", portfolio=p))
    with pytest.raises(Exception, match="status 404"):
        client.orders.get_order_details(GetOrderDetailsRequest(order_id="123456789", portfolio=p))


def test_modify_to_a_new_client_order_id(intx):
    client, p = intx.sdk(), intx.portfolio()
    old, new = intx.cid(), intx.cid()
    order = client.orders.create_order(limit_buy(old, p, price="900"))
    modified = client.orders.modify_open_order(ModifyOpenOrderRequest(
        id=old, client_order_id=new, portfolio=p, price="901"))
    assert (modified.order_id, modified.client_order_id) == (order.order_id, new)
    canceled = client.orders.cancel_order(CancelOrderRequest(id=new, portfolio=p))
    assert canceled.order_id == order.order_id


def test_duplicate_client_order_id_is_rejected(intx):
    client, p = intx.sdk(), intx.portfolio()
    coid = intx.cid()
    first = client.orders.create_order(limit_buy(coid, p, price="800"))
    for request in (limit_buy(coid, p, price="800"), limit_buy(coid, p, price="801")):
        with pytest.raises(Exception, match="status 400") as refused:
            client.orders.create_order(request)
        assert "Order rejected (DUPLICATE_CLIENT_ORDER_ID" in str(refused.value)
    assert [o["order_id"] for o in open_results(client, p, client_order_id=coid)] == [
        first.order_id]
    client.orders.cancel_order(CancelOrderRequest(id=first.order_id, portfolio=p))


def test_invalid_order_is_refused_and_changes_nothing(intx):
    client, p = intx.sdk(), intx.portfolio()
    coid = intx.cid()
    with pytest.raises(Exception, match="status 400") as refused:
        client.orders.create_order(limit_buy(coid, p, price="1000.05"))  # tick is 0.1
    assert "Order rejected (INVALID_PRICE" in str(refused.value)
    with pytest.raises(Exception, match="status 400") as refused:
        client.orders.create_order(limit_buy(coid, p, size="0.00001"))  # step is 0.0001
    assert "Order rejected (INVALID_SIZE" in str(refused.value)
    assert open_results(client, p, client_order_id=coid) == []
    # the client order id is still free
    placed = client.orders.create_order(limit_buy(coid, p))
    client.orders.cancel_order(CancelOrderRequest(id=placed.order_id, portfolio=p))


def test_cancel_all_returns_the_canceled_orders(intx):
    client, p = intx.sdk(), intx.portfolio()
    btc = client.orders.create_order(limit_buy(intx.cid(), p, price="700"))
    eth = client.orders.create_order(limit_buy(intx.cid(), p, price="70", size="0.01",
                                               instrument="ETH-PERP"))
    only_eth = client.orders.cancel_orders(CancelOrdersRequest(portfolio=p, instrument="ETH-PERP"))
    assert [o["order_id"] for o in only_eth.orders] == [eth.order_id]
    everything = client.orders.cancel_orders(CancelOrdersRequest(portfolio=p))
    assert btc.order_id in {o["order_id"] for o in everything.orders}
    assert all((o["order_status"], o["event_type"]) == ("DONE", "CANCELED")
               for o in everything.orders)
    assert not {btc.order_id, eth.order_id} & {o["order_id"] for o in open_results(client, p)}
    assert client.orders.cancel_orders(CancelOrdersRequest(portfolio=p)).orders == []


def test_wrong_secret_is_unauthorized(intx):
    client = intx.sdk(secret="d3Jvbmcgc2VjcmV0")
    with pytest.raises(Exception, match="status 401") as refused:
        client.portfolios.list_portfolios(ListPortfoliosRequest())
    assert '{"title":"Unauthorized","status":401}' in str(refused.value)
    with pytest.raises(Exception, match="status 401"):
        client.orders.create_order(limit_buy(intx.cid(), intx.portfolio()))
