"""The contract's acceptance flow (section 9), through the official SDK in strict mode."""

from __future__ import annotations

import uuid
from datetime import UTC

import clearstreet
import pytest

OPTION = "AAPL  270115C00200000"  # the demo's OSI option
OPEN = ["PENDING_NEW", "NEW", "PARTIALLY_FILLED", "PENDING_CANCEL", "PENDING_REPLACE"]


def limit_buy(
    client_order_id: str,
    symbol: str = "AAPL",
    price: str = "1.00",
    quantity: str = "1",
    time_in_force: str = "DAY",
) -> dict:
    return {
        "symbol": symbol,
        "side": "BUY",
        "order_type": "LIMIT",
        "quantity": quantity,
        "limit_price": price,
        "time_in_force": time_in_force,
        "id": client_order_id,
    }


def test_acceptance_flow(cs1, cs2, acct1, coid, cs_manifest):
    cid = coid()
    # 1. submit: the order comes back working, named by our id, with a request id
    sub = cs1.v1.orders.submit_orders(acct1, orders=[limit_buy(cid)])
    assert len(sub.data) == 1 and sub.metadata.request_id
    order = sub.data[0]
    assert order.status in ("PENDING_NEW", "NEW")
    assert order.client_order_id == cid and order.account_id == acct1
    assert str(uuid.UUID(order.id)) == order.id
    assert (order.quantity, order.leaves_quantity, order.filled_quantity) == ("1", "1", "0")
    assert (order.limit_price, order.stop_price, order.average_fill_price) == ("1.00", None, None)
    assert (order.symbol, order.instrument_type, order.venue) == ("AAPL", "COMMON_STOCK", "XNAS")
    assert order.side == "BUY" and order.order_type == "LIMIT" and order.time_in_force == "DAY"
    assert order.created_at.tzinfo is not None and order.created_at.utcoffset() == UTC.utcoffset(
        None
    )

    # 2. the same order by its id and by our id, and listed among the open orders
    by_id = cs1.v1.orders.get_order_by_id(order.id, account_id=acct1).data
    by_cid = cs1.v1.orders.get_order_by_id(cid, account_id=acct1).data
    assert by_id.id == by_cid.id == order.id and by_id.leaves_quantity == "1"
    listed = cs1.v1.orders.get_orders(acct1, status=OPEN, order_ids=[cid])
    assert [o.id for o in listed.data] == [order.id]

    # 3. a re-submit of the same body returns the same order and places nothing new
    again = cs1.v1.orders.submit_orders(acct1, orders=[limit_buy(cid)]).data[0]
    assert again.id == order.id
    assert cs1.v1.orders.get_orders(acct1, order_ids=[cid]).metadata.total_items == 1

    # 4. the other user may not act on account 1; the order is untouched
    with pytest.raises(clearstreet.PermissionDeniedError) as denied:
        cs2.v1.orders.cancel_open_order(order.id, account_id=acct1)
    assert denied.value.status_code == 403
    assert denied.value.body["error"] == {
        "code": 403,
        "message": "The caller does not have permission to execute the specified operation",
    }
    assert cs1.v1.orders.get_order_by_id(order.id, account_id=acct1).data.status == "NEW"

    # 5. cancel is acknowledged PENDING_CANCEL; the next read shows it CANCELED
    ack = cs1.v1.orders.cancel_open_order(order.id, account_id=acct1)
    assert ack.data.id == order.id and ack.data.status == "PENDING_CANCEL"
    assert ack.data.leaves_quantity == "1" and ack.metadata.request_id
    final = cs1.v1.orders.get_order_by_id(order.id, account_id=acct1).data
    assert final.status == "CANCELED" and final.leaves_quantity == "0"
    assert final.filled_quantity == "0" and final.details == ["Canceled by user"]
    with pytest.raises(clearstreet.BadRequestError) as twice:
        cs1.v1.orders.cancel_open_order(order.id, account_id=acct1)
    assert twice.value.body["error"] == {
        "code": 400,
        "message": f"Order {order.id} is not open (status CANCELED)",
    }
    # a client order id names an order only while it is open
    with pytest.raises(clearstreet.NotFoundError):
        cs1.v1.orders.get_order_by_id(cid, account_id=acct1)
    assert cs1.v1.orders.get_orders(acct1, order_ids=[cid]).data[0].status == "CANCELED"

    # 7. unknown order -> 404 in the envelope; a wrong key -> 401
    unknown = str(uuid.uuid4())
    with pytest.raises(clearstreet.NotFoundError) as missing:
        cs1.v1.orders.cancel_open_order(unknown, account_id=acct1)
    assert missing.value.body["error"] == {
        "code": 404,
        "message": f"Order {unknown} not found for account {acct1}",
    }
    assert missing.value.body["metadata"]["request_id"]
    stranger = clearstreet.ClearStreet(
        api_key="not-a-key",
        base_url=cs_manifest["base_url"],
        max_retries=0,
        _strict_response_validation=True,
    )
    with stranger, pytest.raises(clearstreet.AuthenticationError) as unauthenticated:
        stranger.v1.orders.get_orders(acct1)
    assert unauthenticated.value.body["error"]["code"] == 401


def test_cancel_by_client_order_id_while_open(cs1, acct1, coid):
    cid = coid()
    order = cs1.v1.orders.submit_orders(acct1, orders=[limit_buy(cid)]).data[0]
    ack = cs1.v1.orders.cancel_open_order(cid, account_id=acct1).data
    assert ack.id == order.id and ack.status == "PENDING_CANCEL"
    assert cs1.v1.orders.get_order_by_id(order.id, account_id=acct1).data.status == "CANCELED"


def test_option_orders_carry_osi_symbol_and_underlying(cs1, acct1, coid):
    aapl = cs1.v1.instruments.get_instrument_by_id("AAPL").data
    option = cs1.v1.instruments.get_instrument_by_id(OPTION).data
    assert option.instrument_type == "OPTION" and option.symbol == OPTION
    # instruments are named by UUID as well as by symbol, in orders too
    order = cs1.v1.orders.submit_orders(
        acct1,
        orders=[
            {
                "instrument_id": option.id,
                "side": "BUY",
                "order_type": "LIMIT",
                "quantity": "2",
                "limit_price": "0.05",
                "time_in_force": "GOOD_TILL_CANCEL",
                "id": coid(),
            }
        ],
    ).data[0]
    assert (order.symbol, order.instrument_id, order.instrument_type) == (
        OPTION,
        option.id,
        "OPTION",
    )
    assert (order.underlying_instrument_id, order.underlying_instrument_type) == (
        aapl.id,
        "COMMON_STOCK",
    )
    assert order.time_in_force == "GOOD_TILL_CANCEL"
    listed = cs1.v1.orders.get_orders(
        acct1, underlying_instrument_ids=["AAPL"], order_ids=[order.id]
    )
    assert [o.id for o in listed.data] == [order.id]
    cs1.v1.orders.cancel_open_order(order.id, account_id=acct1)


def test_replace_amends_in_place(cs1, acct1, coid):
    order = cs1.v1.orders.submit_orders(acct1, orders=[limit_buy(coid(), quantity="5")]).data[0]
    amended = cs1.v1.orders.replace_order(
        order.id, account_id=acct1, limit_price="1.10", quantity="7"
    ).data
    assert amended.id == order.id
    assert (amended.limit_price, amended.quantity, amended.leaves_quantity) == ("1.10", "7", "7")
    assert cs1.v1.orders.get_order_by_id(order.id, account_id=acct1).data.limit_price == "1.10"
    with pytest.raises(clearstreet.UnprocessableEntityError) as off_tick:
        cs1.v1.orders.replace_order(order.id, account_id=acct1, limit_price="1.105")
    assert off_tick.value.body["error"]["code"] == 422
    cs1.v1.orders.cancel_open_order(order.id, account_id=acct1)
    with pytest.raises(clearstreet.BadRequestError) as closed:
        cs1.v1.orders.replace_order(order.id, account_id=acct1, limit_price="1.20")
    assert (
        closed.value.body["error"]["message"] == f"Order {order.id} is not open (status CANCELED)"
    )
    assert cs1.v1.orders.get_order_by_id(order.id, account_id=acct1).data.limit_price == "1.10"


def test_reference_data_a_client_calls_first(cs1, acct1, cs_manifest):
    accounts = cs1.v1.accounts.get_accounts().data
    assert [a.id for a in accounts] == [acct1]
    assert cs1.v1.accounts.get_account_by_id(acct1).data.id == acct1
    with pytest.raises(clearstreet.PermissionDeniedError):
        cs1.v1.accounts.get_account_by_id(acct1 + 1)
    symbols = [i.symbol for i in cs1.v1.instruments.get_instruments().data]
    assert symbols == cs_manifest["symbols"] == ["AAPL", "MSFT", OPTION]
    assert cs1.v1.calendar.get_clock().data.clock.tzinfo is not None
