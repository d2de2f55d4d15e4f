"""Cancel semantics: fills kept, cancel-all exactly the open matches, other accounts untouched."""

from __future__ import annotations

from decimal import Decimal

import clearstreet
import pytest

OPTION = "AAPL  270115C00200000"


def order(
    symbol: str,
    side: str,
    quantity: str,
    price: str,
    client_order_id: str,
    time_in_force: str = "GOOD_TILL_CANCEL",
) -> dict:
    return {
        "symbol": symbol,
        "side": side,
        "order_type": "LIMIT",
        "quantity": quantity,
        "limit_price": price,
        "time_in_force": time_in_force,
        "id": client_order_id,
    }


def clear(client, account_id: int, **filters) -> None:
    """Start from no open orders matching ``filters`` (none may be left by earlier tests)."""
    try:
        client.v1.orders.cancel_all_open_orders(account_id, **filters)
    except clearstreet.NotFoundError:
        pass


def test_cancel_of_a_partially_filled_order_keeps_its_fills(cs1, cs2, acct1, acct2, coid):
    clear(cs1, acct1, instrument_ids=["MSFT"])
    clear(cs2, acct2, instrument_ids=["MSFT"])
    resting = cs1.v1.orders.submit_orders(
        acct1, orders=[order("MSFT", "BUY", "10", "400.00", coid())]
    ).data[0]
    assert resting.status == "NEW"
    taker = cs2.v1.orders.submit_orders(
        acct2, orders=[order("MSFT", "SELL", "4", "400.00", coid(), "DAY")]
    ).data[0]
    assert (taker.status, taker.filled_quantity, taker.leaves_quantity) == ("FILLED", "4", "0")

    partial = cs1.v1.orders.get_order_by_id(resting.id, account_id=acct1).data
    assert (partial.status, partial.filled_quantity, partial.leaves_quantity) == (
        "PARTIALLY_FILLED",
        "4",
        "6",
    )
    assert Decimal(partial.average_fill_price) == Decimal(400)

    ack = cs1.v1.orders.cancel_open_order(resting.id, account_id=acct1).data
    assert (ack.status, ack.filled_quantity, ack.leaves_quantity) == ("PENDING_CANCEL", "4", "6")
    assert Decimal(ack.average_fill_price) == Decimal(400)
    done = cs1.v1.orders.get_order_by_id(resting.id, account_id=acct1).data
    assert (done.status, done.filled_quantity, done.leaves_quantity) == ("CANCELED", "4", "0")
    assert done.average_fill_price == partial.average_fill_price

    executions = cs1.v1.orders.get_executions(acct1, order_ids=[resting.id]).data
    assert [(e.order_id, e.side, e.quantity, e.price, e.symbol) for e in executions] == [
        (resting.id, "BUY", "4", "400.00", "MSFT")
    ]
    theirs = cs2.v1.orders.get_executions(acct2, order_ids=[taker.id]).data
    assert [(e.side, e.quantity) for e in theirs] == [("SELL", "4")]
    assert theirs[0].transaction_time == executions[0].transaction_time
    # a filled order cannot be canceled: a clear 400, nothing changes
    with pytest.raises(clearstreet.BadRequestError) as filled:
        cs2.v1.orders.cancel_open_order(taker.id, account_id=acct2)
    assert filled.value.body["error"]["message"] == f"Order {taker.id} is not open (status FILLED)"


def test_cancel_all_with_filters_cancels_exactly_the_open_matches(cs1, acct1, coid):
    clear(cs1, acct1, instrument_ids=[OPTION])
    matching = [
        cs1.v1.orders.submit_orders(acct1, orders=[order(OPTION, "BUY", "1", price, coid())]).data[
            0
        ]
        for price in ("0.10", "0.11", "0.12")
    ]
    other_side = cs1.v1.orders.submit_orders(
        acct1, orders=[order(OPTION, "SELL", "1", "50.00", coid())]
    ).data[0]
    other_symbol = cs1.v1.orders.submit_orders(
        acct1, orders=[order("AAPL", "BUY", "1", "1.00", coid())]
    ).data[0]
    closed = cs1.v1.orders.submit_orders(
        acct1, orders=[order(OPTION, "BUY", "1", "0.13", coid())]
    ).data[0]
    cs1.v1.orders.cancel_open_order(closed.id, account_id=acct1)

    result = cs1.v1.orders.cancel_all_open_orders(
        acct1, instrument_ids=[OPTION], side="BUY", type="LIMIT"
    )
    assert sorted(o.id for o in result.data) == sorted(o.id for o in matching)
    assert {o.status for o in result.data} == {"PENDING_CANCEL"}
    for placed in matching:
        assert cs1.v1.orders.get_order_by_id(placed.id, account_id=acct1).data.status == "CANCELED"
    for untouched in (other_side, other_symbol):
        assert cs1.v1.orders.get_order_by_id(untouched.id, account_id=acct1).data.status == "NEW"
    with pytest.raises(clearstreet.NotFoundError) as nothing:
        cs1.v1.orders.cancel_all_open_orders(acct1, instrument_ids=[OPTION], side="BUY")
    assert nothing.value.body["error"] == {
        "code": 404,
        "message": "No orders match the specified filters",
    }

    by_type = cs1.v1.orders.cancel_all_open_orders(acct1, instrument_type="OPTION").data
    assert [o.id for o in by_type] == [other_side.id]
    assert cs1.v1.orders.get_order_by_id(other_symbol.id, account_id=acct1).data.status == "NEW"
    cs1.v1.orders.cancel_open_order(other_symbol.id, account_id=acct1)


def test_another_accounts_order_is_neither_changed_nor_described(cs1, cs2, acct1, acct2, coid):
    mine = cs1.v1.orders.submit_orders(
        acct1, orders=[order("AAPL", "BUY", "2", "1.00", coid())]
    ).data[0]
    # through account 1, which trader-2 is not entitled to: the seed's 403
    with pytest.raises(clearstreet.PermissionDeniedError):
        cs2.v1.orders.get_order_by_id(mine.id, account_id=acct1)
    with pytest.raises(clearstreet.PermissionDeniedError):
        cs2.v1.orders.replace_order(mine.id, account_id=acct1, quantity="1")
    with pytest.raises(clearstreet.PermissionDeniedError):
        cs2.v1.orders.cancel_all_open_orders(acct1)
    # through trader-2's own account: the order is not there (404), as if it did not exist
    for attempt in (cs2.v1.orders.cancel_open_order, cs2.v1.orders.get_order_by_id):
        with pytest.raises(clearstreet.NotFoundError) as hidden:
            attempt(mine.id, account_id=acct2)
        assert (
            hidden.value.body["error"]["message"]
            == f"Order {mine.id} not found for account {acct2}"
        )
    assert mine.id not in [o.id for o in cs2.v1.orders.get_orders(acct2, order_ids=[mine.id]).data]
    after = cs1.v1.orders.get_order_by_id(mine.id, account_id=acct1).data
    assert (after.status, after.quantity, after.leaves_quantity, after.updated_at) == (
        "NEW",
        "2",
        "2",
        mine.updated_at,
    )
    cs1.v1.orders.cancel_open_order(mine.id, account_id=acct1)
