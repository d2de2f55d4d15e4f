"""Partial fills, cancels that keep them, fills, and another portfolio's orders, through the SDK.

A resting order of trader-1 is crossed by a smaller order of trader-2 (another portfolio), so
the resting order is partially filled by a real match in the core.
"""

from __future__ import annotations

import pytest
from intx_sdk.services.orders import (
    CancelOrderRequest,
    CancelOrdersRequest,
    CreateOrderRequest,
    GetOrderDetailsRequest,
    ListOpenOrdersRequest,
    ModifyOpenOrderRequest,
)
from intx_sdk.services.portfolios import ListFillsByPortfoliosRequest, ListPortfolioFillsRequest


def order(intx, side: str, size: str, price: str, tif: str = "GTC", portfolio: str | None = None,
          instrument: str = "BTC-PERP") -> CreateOrderRequest:
    return CreateOrderRequest(client_order_id=intx.cid(), side=side, size=size, tif=tif,
                              instrument=instrument, type="LIMIT", price=price,
                              portfolio=portfolio)


def test_partially_filled_order_cancels_with_its_fills_kept(intx):
    seller, buyer = intx.sdk("trader-1"), intx.sdk("trader-2")
    p1 = intx.portfolio("trader-1")
    resting = seller.orders.create_order(order(intx, "SELL", "0.01", "90000.5", portfolio=p1))
    # trader-2 names no portfolio: its default portfolio is used
    taker = buyer.orders.create_order(order(intx, "BUY", "0.004", "90001", tif="IOC"))
    assert (taker.order_status, taker.event_type, taker.exec_qty, taker.avg_price) == (
        "DONE", "TRADE", "0.004", "90000.5")
    assert taker.portfolio_id == intx.portfolio("trader-2")

    partial = seller.orders.get_order_details(
        GetOrderDetailsRequest(order_id=resting.order_id, portfolio=p1))
    assert (partial.order_status, partial.event_type) == ("WORKING", "TRADE")
    assert (partial.exec_qty, partial.leaves_qty, partial.avg_price) == ("0.004", "0.006", "90000.5")

    canceled = seller.orders.cancel_order(CancelOrderRequest(id=resting.order_id, portfolio=p1))
    assert (canceled.order_status, canceled.event_type, canceled.text) == (
        "DONE", "CANCELED", "client cancel")
    assert (canceled.exec_qty, canceled.avg_price, canceled.fee) == ("0.004", "90000.5", "0")
    assert canceled.leaves_qty == "0.006"  # exec_qty + leaves_qty = size, also when done
    open_ids = {o["order_id"] for o in seller.orders.list_open_orders(
        ListOpenOrdersRequest(portfolio=p1)).orders["results"]}
    assert resting.order_id not in open_ids

    fills = seller.portfolios.list_portfolio_fills(ListPortfolioFillsRequest(
        portfolio=p1, order_id=resting.order_id)).fills_result
    assert set(fills.pagination) == {"result_limit", "result_offset", "ref_datetime"}
    assert [(f["fill_qty"], f["fill_price"], f["side"], f["liquidity_indicator"])
            for f in fills.results] == [("0.004", "90000.5", "SELL", "MAKER")]
    taker_fills = buyer.portfolios.list_fills_by_portfolios(ListFillsByPortfoliosRequest(
        portfolios=intx.portfolio("trader-2"), client_order_id=taker.client_order_id)).fills_result
    assert [(f["order_id"], f["liquidity_indicator"]) for f in taker_fills.results] == [
        (taker.order_id, "TAKER")]

    with pytest.raises(Exception, match="status 400") as again:
        seller.orders.cancel_order(CancelOrderRequest(id=resting.order_id, portfolio=p1))
    assert "ORDER_ALREADY_DONE" in str(again.value)


def test_modify_below_the_executed_size_is_refused(intx):
    seller, buyer = intx.sdk("trader-1"), intx.sdk("trader-2")
    p1 = intx.portfolio("trader-1")
    resting = seller.orders.create_order(order(intx, "SELL", "0.01", "91000", portfolio=p1))
    buyer.orders.create_order(order(intx, "BUY", "0.005", "91000", tif="IOC"))
    with pytest.raises(Exception, match="status 400") as refused:
        seller.orders.modify_open_order(ModifyOpenOrderRequest(
            id=resting.order_id, client_order_id=resting.client_order_id, portfolio=p1,
            size="0.004"))
    assert "Invalid replace order request" in str(refused.value)
    unchanged = seller.orders.get_order_details(
        GetOrderDetailsRequest(order_id=resting.order_id, portfolio=p1))
    assert (unchanged.size, unchanged.exec_qty, unchanged.order_status) == ("0.01", "0.005",
                                                                             "WORKING")
    seller.orders.cancel_order(CancelOrderRequest(id=resting.order_id, portfolio=p1))


def test_another_portfolios_order_is_invisible_and_not_cancellable(intx):
    owner, other = intx.sdk("trader-1"), intx.sdk("trader-2")
    p1, p2 = intx.portfolio("trader-1"), intx.portfolio("trader-2")
    mine = owner.orders.create_order(order(intx, "BUY", "0.001", "500", portfolio=p1))

    for ref in (mine.order_id, mine.client_order_id, mine.order_uuid):
        # named in the other user's own portfolio: the order does not exist there
        with pytest.raises(Exception, match="status 404"):
            other.orders.get_order_details(GetOrderDetailsRequest(order_id=ref, portfolio=p2))
        with pytest.raises(Exception, match="status 404"):
            other.orders.cancel_order(CancelOrderRequest(id=ref, portfolio=p2))
        # naming the owner's portfolio is refused outright, whatever the order
        with pytest.raises(Exception, match="status 403"):
            other.orders.cancel_order(CancelOrderRequest(id=ref, portfolio=p1))
    with pytest.raises(Exception, match="status 404"):
        other.orders.modify_open_order(ModifyOpenOrderRequest(
            id=mine.order_id, client_order_id=mine.client_order_id, portfolio=p2, price="501"))
    with pytest.raises(Exception, match="status 403"):
        other.orders.list_open_orders(ListOpenOrdersRequest(portfolio=p1))
    with pytest.raises(Exception, match="status 403"):
        other.orders.cancel_orders(CancelOrdersRequest(portfolio=p1))
    swept = other.orders.cancel_orders(CancelOrdersRequest(portfolio=p2)).orders
    assert mine.order_id not in {o["order_id"] for o in swept}
    assert mine.order_id not in {o["order_id"] for o in other.orders.list_open_orders(
        ListOpenOrdersRequest()).orders["results"]}

    still = owner.orders.get_order_details(GetOrderDetailsRequest(order_id=mine.order_id,
                                                                  portfolio=p1))
    assert (still.order_status, still.event_type, still.price) == ("WORKING", "NEW", "500")
    owner.orders.cancel_order(CancelOrderRequest(id=mine.order_id, portfolio=p1))
