"""The contract's acceptance flow and cancel/replace semantics, through the unchanged SDK."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from aries_helpers import OPTION_LEG, active, equity_cancel, limit_order
from finance_dev import errors


@pytest.fixture
def t1(sdk):
    return sdk("trader-1")


@pytest.fixture
def t2(sdk):
    return sdk("trader-2")


def test_acceptance_flow_place_list_cancel(t1, aries_users):
    acct = aries_users["trader-1"]["account_id"]
    placed = t1.orders.place_order(request=limit_order(acct)).ord_response
    assert placed.success and placed.status == "NEW"
    assert placed.cl_ord_id.startswith("ORD-")
    assert (placed.qty, placed.cum_qty, placed.leaves_qty) == ("1", "0", "1")
    row = active(t1, acct)[placed.cl_ord_id]
    assert (row.ord_status, row.symbol, row.price, row.security_type) == ("NEW", "AAPL", "1.00",
                                                                          "EQUITY")

    canceled = t1.orders.cancel_order(
        request=equity_cancel(acct, placed.cl_ord_id)).cancel_ord_response
    assert canceled.success and canceled.status == "CANCELED"
    assert canceled.orig_cl_ord_id == placed.cl_ord_id
    assert canceled.cl_ord_id and canceled.cl_ord_id != placed.cl_ord_id  # the cancel's own id
    row = active(t1, acct)[placed.cl_ord_id]
    assert (row.ord_status, row.leaves_qty, row.cum_qty) == ("CANCELED", "0", "0")


def test_option_order_placed_and_canceled_with_contract_fields(t1, aries_users):
    acct = aries_users["trader-1"]["account_id"]
    placed = t1.orders.place_order(request=limit_order(
        acct, qty="2", price="3.10", tif="GTC", legs=[OPTION_LEG])).ord_response
    assert placed.success and placed.status == "NEW" and placed.symbol == "AAPL"
    row = active(t1, acct)[placed.cl_ord_id]
    assert (row.security_type, row.category) == ("OPTION", "SINGLE_LEG")
    leg = row.legs[0]
    assert (leg.put_call, leg.strike_price, leg.maturity, leg.symbol) == (
        "CALL", "200", "2027-01-15", "AAPL  270115C00200000")

    cancel = {"accountId": acct, "origClOrdId": placed.cl_ord_id, "symbol": "AAPL", "side": "BUY",
              "securityType": "OPT", "putCall": "C", "strikePrice": "200.00",
              "maturity": date(2027, 1, 15)}
    with pytest.raises(errors.BadRequest) as wrong_strike:  # names another contract
        t1.orders.cancel_order(request={**cancel, "strikePrice": "210"})
    assert '"field":"strikePrice"' in wrong_strike.value.body
    assert active(t1, acct)[placed.cl_ord_id].ord_status == "NEW"

    canceled = t1.orders.cancel_order(request=cancel).cancel_ord_response
    assert canceled.success and canceled.status == "CANCELED"
    assert active(t1, acct)[placed.cl_ord_id].ord_status == "CANCELED"


def test_option_by_osi_symbol(t1, aries_users):
    acct = aries_users["trader-1"]["account_id"]
    placed = t1.orders.place_order(request=limit_order(
        acct, symbol="AAPL270115C00200000", price="2.00", tif="GTC")).ord_response
    assert placed.success and placed.symbol == "AAPL"
    canceled = t1.orders.cancel_order(request={
        "accountId": acct, "origClOrdId": placed.cl_ord_id, "symbol": "AAPL270115C00200000",
        "side": "BUY", "securityType": "OPT"}).cancel_ord_response
    assert canceled.success and canceled.status == "CANCELED"


def test_partially_filled_order_canceled_keeps_fills(t1, t2, aries_users, fresh_symbol):
    a1, a2 = aries_users["trader-1"]["account_id"], aries_users["trader-2"]["account_id"]
    resting = t1.orders.place_order(request=limit_order(
        a1, fresh_symbol, qty="10", price="10.00", tif="GTC")).ord_response
    crossing = t2.orders.place_order(request=limit_order(
        a2, fresh_symbol, side="SELL", qty="4", price="10.00", tif="IOC")).ord_response
    assert crossing.status == "FILLED" and crossing.cum_qty == "4"
    row = active(t1, a1)[resting.cl_ord_id]
    assert (row.ord_status, row.cum_qty, row.leaves_qty) == ("PARTIALLY_FILLED", "4", "6")

    canceled = t1.orders.cancel_order(
        request=equity_cancel(a1, resting.cl_ord_id, fresh_symbol)).cancel_ord_response
    assert canceled.success and canceled.status == "CANCELED"
    row = active(t1, a1)[resting.cl_ord_id]
    assert (row.ord_status, row.qty, row.cum_qty, row.leaves_qty) == ("CANCELED", "10", "4", "0")
    assert Decimal(row.avg_price) == Decimal(10)

    positions = t1.accounts.get_account_positions(id=a1).get_positions_response.positions
    mine = [p for p in positions if p.symbol == fresh_symbol]
    assert [(p.quantity, p.security_type) for p in mine] == [("4", "EQUITY")]


def test_cancel_of_filled_order_is_rejected_and_changes_nothing(t1, t2, aries_users, fresh_symbol):
    a1, a2 = aries_users["trader-1"]["account_id"], aries_users["trader-2"]["account_id"]
    resting = t1.orders.place_order(request=limit_order(
        a1, fresh_symbol, qty="5", price="20.00", tif="GTC")).ord_response
    t2.orders.place_order(request=limit_order(a2, fresh_symbol, side="SELL", qty="5",
                                              price="20.00"))
    assert active(t1, a1)[resting.cl_ord_id].ord_status == "FILLED"

    refused = t1.orders.cancel_order(
        request=equity_cancel(a1, resting.cl_ord_id, fresh_symbol)).cancel_ord_response
    assert refused.success is False and refused.status == "REJECTED"
    assert refused.orig_cl_ord_id == resting.cl_ord_id and "FILLED" in refused.text
    row = active(t1, a1)[resting.cl_ord_id]
    assert (row.ord_status, row.cum_qty, row.leaves_qty) == ("FILLED", "5", "0")


def test_replace_issues_new_id_and_old_one_is_refused(t1, aries_users):
    acct = aries_users["trader-1"]["account_id"]
    placed = t1.orders.place_order(request=limit_order(acct, qty="3", price="1.10")).ord_response
    replaced = t1.orders.replace_order(request={
        "accountId": acct, "origClOrdId": placed.cl_ord_id, "symbol": "AAPL", "price": "1.20",
        "qty": "4"}).replace_ord_response
    assert replaced.success and replaced.status == "NEW"
    assert replaced.cl_ord_id != placed.cl_ord_id and replaced.orig_cl_ord_id == placed.cl_ord_id
    assert (replaced.price, replaced.qty) == ("1.20", "4")

    rows = active(t1, acct)
    assert placed.cl_ord_id not in rows  # one row per order, under its current clOrdId
    row = rows[replaced.cl_ord_id]
    assert (row.ord_status, row.orig_cl_ord_id, row.price, row.qty) == (
        "NEW", placed.cl_ord_id, "1.20", "4")

    old_cancel = t1.orders.cancel_order(
        request=equity_cancel(acct, placed.cl_ord_id)).cancel_ord_response
    assert old_cancel.success is False and old_cancel.status == "REJECTED"
    old_replace = t1.orders.replace_order(request={
        "accountId": acct, "origClOrdId": placed.cl_ord_id, "symbol": "AAPL",
        "price": "1.30"}).replace_ord_response
    assert old_replace.success is False and old_replace.status == "REJECTED"
    assert active(t1, acct)[replaced.cl_ord_id].price == "1.20"  # the live order is untouched

    canceled = t1.orders.cancel_order(
        request=equity_cancel(acct, replaced.cl_ord_id)).cancel_ord_response
    assert canceled.success and canceled.status == "CANCELED"


def test_replace_of_partially_filled_order_keeps_totals(t1, t2, aries_users, fresh_symbol):
    a1, a2 = aries_users["trader-1"]["account_id"], aries_users["trader-2"]["account_id"]
    resting = t1.orders.place_order(request=limit_order(
        a1, fresh_symbol, qty="10", price="5.00", tif="GTC")).ord_response
    t2.orders.place_order(request=limit_order(a2, fresh_symbol, side="SELL", qty="4",
                                              price="5.00", tif="IOC"))
    replaced = t1.orders.replace_order(request={
        "accountId": a1, "origClOrdId": resting.cl_ord_id, "symbol": fresh_symbol,
        "qty": "12"}).replace_ord_response
    assert replaced.success and replaced.qty == "12"
    row = active(t1, a1)[replaced.cl_ord_id]
    assert (row.qty, row.cum_qty, row.leaves_qty) == ("12", "4", "8")
    t1.orders.cancel_order(request=equity_cancel(a1, replaced.cl_ord_id, fresh_symbol))


def test_unknown_order_is_not_found(t1, aries_users):
    acct = aries_users["trader-1"]["account_id"]
    with pytest.raises(errors.NotFound) as missing:
        t1.orders.cancel_order(request=equity_cancel(acct, "ORD-01ARZ3NDEKTSV4RRFFQ69G5FAV"))
    assert missing.value.data.error.code == "ORDER_NOT_FOUND"


def test_client_without_execution_scope_is_forbidden(sdk, aries_users):
    viewer = sdk("viewer-1")
    acct = aries_users["viewer-1"]["account_id"]
    before = active(viewer, acct)  # it may read
    with pytest.raises(errors.Forbidden) as refused:
        viewer.orders.place_order(request=limit_order(acct))
    assert refused.value.data.error.code == "INSUFFICIENT_SCOPE"
    assert active(viewer, acct).keys() == before.keys()  # nothing was placed


def test_foreign_account_is_neither_visible_nor_cancellable(t1, t2, aries_users):
    a1, a2 = aries_users["trader-1"]["account_id"], aries_users["trader-2"]["account_id"]
    placed = t1.orders.place_order(request=limit_order(a1)).ord_response
    with pytest.raises(errors.Forbidden):
        t2.orders.list_active_orders(id=a1)
    with pytest.raises(errors.Forbidden):
        t2.orders.cancel_order(request=equity_cancel(a1, placed.cl_ord_id))
    with pytest.raises(errors.NotFound):  # named under its own account: not there
        t2.orders.cancel_order(request=equity_cancel(a2, placed.cl_ord_id))
    assert placed.cl_ord_id not in active(t2, a2)
    accounts = t2.accounts.get_user_accounts().get_accounts_response.accounts
    assert [a.trading_account_id for a in accounts] == [a2]
    assert active(t1, a1)[placed.cl_ord_id].ord_status == "NEW"
    t1.orders.cancel_order(request=equity_cancel(a1, placed.cl_ord_id))


def test_wrong_secret_fails_at_the_token_endpoint(sdk, aries_users):
    with pytest.raises(Exception, match="token endpoint"):
        sdk("trader-1", secret="not-the-secret").orders.list_active_orders(
            id=aries_users["trader-1"]["account_id"])


def test_no_credentials_is_unauthorized(aries, aries_users):
    from finance_dev import FinanceDev

    with pytest.raises(errors.Unauthorized) as refused:
        FinanceDev(server_url=aries["base_url"]).orders.list_active_orders(
            id=aries_users["trader-1"]["account_id"])
    assert refused.value.data.error.code == "UNAUTHORIZED"


def test_business_refusal_is_200_rejected(t1, aries_users):
    refused = t1.orders.place_order(request=limit_order(
        aries_users["trader-1"]["account_id"], price="1.001")).ord_response
    assert refused.success is False and refused.status == "REJECTED"
    assert refused.ord_rej_reason == "INVALID_PRICE_INCREMENT"
