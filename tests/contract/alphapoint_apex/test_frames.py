"""What the npm client cannot send: raw frames, odd spellings, and a partially filled order.

Every bad frame gets an APEX-shaped answer (``m: 5`` only when the frame itself cannot be read,
``m: 1`` with the generic error body otherwise), changes nothing, and leaves the connection
usable.
"""

# ruff: noqa: F811 - the fixtures imported from apex_fixtures are test parameters by design

from __future__ import annotations

import json
import time

import httpx
from apex_fixtures import apex, apex_venue, connect_apex  # noqa: F401 - fixtures


def _error(frame: dict) -> tuple[int, str]:
    return frame["body"]["errorcode"], frame["body"]["errormsg"]


def test_malformed_json_gets_m5_and_the_connection_goes_on(connect_apex, apex):
    conn = connect_apex()
    conn.send_raw('{"m":0,"i":2,"n":"Ping","o":')
    frame = conn.next_frame()
    assert frame["m"] == 5
    body = json.loads(frame["o"])
    assert (body["result"], body["errorcode"], body["errormsg"]) == (False, 100, "Invalid Request")
    conn.send_raw("[1, 2]")  # JSON, but not a frame
    assert conn.next_frame()["m"] == 5
    assert conn.body("Ping", {}) == {"msg": "PONG"}


def test_malformed_o_is_an_m1_invalid_request(connect_apex, apex):
    conn = connect_apex()
    conn.login(apex["by_name"]["trader-1"])
    frame = conn.call("GetOpenOrders", '{"OMSId": 1, "AccountId": ')
    assert frame["m"] == 1 and _error(frame) == (100, "Invalid Request")
    frame = conn.call("GetOpenOrders", "[1]")
    assert frame["m"] == 1 and _error(frame) == (100, "Invalid Request")


def test_o_as_an_object_and_i_zero_are_accepted(connect_apex, apex):
    trader = apex["by_name"]["trader-1"]
    conn = connect_apex()
    conn.send_raw(json.dumps({"m": 0, "i": 0, "n": "AuthenticateUser",
                              "o": {"UserName": trader["username"], "Password": trader["password"]}}))
    frame = conn.next_frame()
    assert (frame["m"], frame["i"], frame["n"]) == (1, 0, "AuthenticateUser")
    assert json.loads(frame["o"])["User"]["AccountId"] == trader["account_id"]
    frame = conn.call("GetOpenOrders", {"OMSId": 1, "AccountId": trader["account_id"]})
    assert frame["m"] == 1 and isinstance(frame["body"], list)


def test_unknown_function_is_an_m1_operation_not_supported(connect_apex, apex):
    conn = connect_apex()
    frame = conn.call("GetTheMoon", {"OMSId": 1})
    assert (frame["m"], frame["n"]) == (1, "GetTheMoon")
    assert _error(frame) == (106, "Operation Not Supported")


def test_any_path_is_the_gateway_and_http_gets_an_apex_error(connect_apex, apex):
    conn = connect_apex("/some/other/path")
    assert conn.body("Ping", {}) == {"msg": "PONG"}
    http_url = "http" + apex["ws_url"][len("ws"):]
    response = httpx.get(http_url, timeout=5)
    assert response.status_code == 426
    assert response.json()["errorcode"] == 100 and response.json()["result"] is False


def test_request_keys_are_case_insensitive_and_aliases_work(connect_apex, apex):
    trader = apex["by_name"]["trader-1"]
    conn = connect_apex()
    reply = conn.body("AuthenticateUser", {"username": trader["username"],
                                           "PASSWORD": trader["password"]})
    assert reply["Authenticated"] is True
    account = trader["account_id"]
    assert conn.body("subscribeaccountevents", {"omsId": 1, "accountid": account}) == {
        "Subscribed": True}
    sent = conn.body("SendOrder", {
        "omsid": 1, "ACCOUNTID": account, "instrumentId": apex["instrument_id"], "side": 0,
        "quantity": "3", "orderType": 2, "timeInForce": 1, "limitPrice": "2.10",
        "clOrderId": 7001})
    assert sent["status"] == "Accepted"
    status = conn.body("GetOrderStatus", {"omsid": 1, "orderid": sent["OrderId"]})
    assert (status["ClientOrderId"], status["Quantity"], status["Price"]) == (7001, 3, 2.1)
    assert conn.body("CancelOrder", {"OmsId": 1, "accountId": account, "ClOrderId": 7001}) == {
        "result": True, "errormsg": None, "errorcode": 0, "detail": None}
    canceled = conn.event(lambda f: f["n"] == "OrderStateEvent"
                          and f["body"]["OrderId"] == sent["OrderId"]
                          and f["body"]["OrderState"] == "Canceled")
    assert canceled["ChangeReason"] == "UserModified"


def test_cancel_of_a_partially_filled_order_keeps_its_fills(connect_apex, apex):
    seller_user, buyer_user = apex["by_name"]["trader-1"], apex["by_name"]["trader-2"]
    seller, buyer = connect_apex(), connect_apex()
    seller.login(seller_user)
    buyer.login(buyer_user)
    account = seller_user["account_id"]
    seller.body("SubscribeAccountEvents", {"OMSId": 1, "AccountId": account})
    order = {"OMSId": 1, "InstrumentId": apex["instrument_id"], "OrderType": 2,
             "TimeInForce": 1, "LimitPrice": "100.10"}
    resting = seller.body("SendOrder", {**order, "AccountId": account, "Side": 1, "Quantity": 10,
                                        "ClientOrderId": 8001})
    assert resting["status"] == "Accepted"
    crossing = buyer.body("SendOrder", {**order, "AccountId": buyer_user["account_id"],
                                        "Side": 0, "Quantity": 3, "ClientOrderId": 8002})
    assert crossing["status"] == "Accepted"
    oid = resting["OrderId"]

    trade = seller.event(lambda f: f["n"] == "OrderTradeEvent" and f["body"]["OrderId"] == oid)
    assert (trade["Side"], trade["Quantity"], trade["Price"], trade["RemainingQuantity"]) == (
        "Sell", 3, 100.1, 7)
    partial = seller.event(lambda f: f["n"] == "OrderStateEvent" and f["body"]["OrderId"] == oid
                           and f["body"]["ChangeReason"] == "Trade")
    assert (partial["OrderState"], partial["Quantity"], partial["QuantityExecuted"]) == (
        "Working", 7, 3)

    assert seller.body("CancelOrder", {"OMSId": 1, "OrderId": oid})["result"] is True
    canceled = seller.event(lambda f: f["n"] == "OrderStateEvent" and f["body"]["OrderId"] == oid
                            and f["body"]["OrderState"] == "Canceled")
    status = seller.body("GetOrderStatus", {"OMSId": 1, "AccountId": account, "OrderId": oid})
    for view in (canceled, status):
        assert view["OrderState"] == "Canceled" and view["Quantity"] == 0
        assert (view["OrigQuantity"], view["QuantityExecuted"]) == (10, 3)
        assert view["AvgPrice"] == 100.1
    # exact decimal arithmetic on the wire: 3 x 100.10 in binary floating point is 300.2999...
    raw = next(f["o"] for f in seller.events if f["body"] is canceled)
    assert '"GrossValueExecuted":300.30,' in raw

    trades = seller.body("GetTradesHistory", {"OMSId": 1, "AccountId": account, "OrderId": oid})
    assert [(t["Quantity"], t["Price"], t["MakerTaker"]) for t in trades] == [(3, 100.1, "Maker")]
    buy = buyer.body("GetOrderStatus", {"OMSId": 1, "OrderId": crossing["OrderId"]})
    assert (buy["OrderState"], buy["QuantityExecuted"]) == ("FullyExecuted", 3)
    # a second cancel is too late: acknowledged, then rejected by event, the fills unchanged
    assert seller.body("CancelOrder", {"OMSId": 1, "OrderId": oid})["result"] is True
    seller.event(lambda f: f["n"] == "CancelOrderRejectEvent" and f["body"]["OrderId"] == oid)
    again = seller.body("GetOrderStatus", {"OMSId": 1, "OrderId": oid})
    assert (again["OrderState"], again["QuantityExecuted"]) == ("Canceled", 3)


def test_permissions_read_only_and_foreign_accounts(connect_apex, apex):
    viewer, trader = apex["by_name"]["viewer-1"], apex["by_name"]["trader-2"]
    conn = connect_apex()
    conn.login(viewer)
    assert isinstance(conn.body("GetOpenOrders", {"OMSId": 1, "AccountId": viewer["account_id"]}),
                      list)
    refused = conn.body("SendOrder", {"OMSId": 1, "AccountId": viewer["account_id"],
                                      "InstrumentId": apex["instrument_id"], "Side": 0,
                                      "Quantity": 1, "OrderType": 2, "TimeInForce": 1,
                                      "LimitPrice": 1})
    assert (refused["status"], refused["errorcode"]) == ("Rejected", 20)
    other = connect_apex()
    other.login(trader)
    frame = other.call("SubscribeAccountEvents", {"OMSId": 1, "AccountId": viewer["account_id"]})
    assert _error(frame) == (20, "Not Authorized")
    frame = other.call("GetOpenOrders", {"OMSId": 1, "AccountId": viewer["account_id"]})
    assert _error(frame) == (20, "Not Authorized")


def test_unauthenticated_calls_are_not_authorized(connect_apex, apex):
    conn = connect_apex()
    frame = conn.call("SendOrder", {"OMSId": 1, "AccountId": 1, "InstrumentId": 1, "Side": 0,
                                    "Quantity": 1, "OrderType": 2, "LimitPrice": 1})
    assert frame["m"] == 1 and _error(frame) == (20, "Not Authorized")


def test_bad_order_input_is_refused_and_creates_nothing(connect_apex, apex):
    trader = apex["by_name"]["trader-2"]
    conn = connect_apex()
    conn.login(trader)
    account = trader["account_id"]
    base = {"OMSId": 1, "AccountId": account, "InstrumentId": apex["instrument_id"], "Side": 0,
            "Quantity": 1, "OrderType": 2, "TimeInForce": 1, "LimitPrice": 1.5}
    before = conn.body("GetOrderHistory", {"OMSId": 1, "AccountId": account})
    cases = [
        ({**base, "LimitPrice": 1.005}, 101),  # off the 0.01 tick: never rounded
        ({**base, "Quantity": "0.5"}, 101),  # below the lot
        ({**base, "Quantity": "1e400"}, 100),
        ({**base, "Side": 9}, 100),
        ({**base, "OrderType": 5}, 106),  # trailing stop: not supported
        ({k: v for k, v in base.items() if k != "Quantity"}, 100),
        ({**base, "AccountId": "one"}, 100),
    ]
    for payload, code in cases:
        reply = conn.body("SendOrder", payload)
        assert (reply["result"], reply["status"], reply["errorcode"]) == (False, "Rejected", code), \
            (payload, reply)
    assert conn.body("GetOrderHistory", {"OMSId": 1, "AccountId": account}) == before
    frame = conn.call("CancelOrder", {"OMSId": 1, "ClientOrderId": 5})  # no AccountId
    assert _error(frame) == (100, "Invalid Request")


def test_session_token_and_cancel_on_disconnect(connect_apex, apex):
    trader = apex["by_name"]["trader-2"]
    first = connect_apex()
    login = first.body("AuthenticateUser", {"UserName": trader["username"],
                                            "Password": trader["password"],
                                            "CancelOnDisconnect": True})
    sent = first.body("SendOrder", {"OMSId": 1, "AccountId": trader["account_id"],
                                    "InstrumentId": apex["instrument_id"], "Side": 0,
                                    "Quantity": 1, "OrderType": 2, "TimeInForce": 1,
                                    "LimitPrice": "3.33"})
    first.ws.close()  # the venue cancels what this session placed
    second = connect_apex()
    resumed = second.body("WebAuthenticateUser", {"SessionToken": login["SessionToken"]})
    assert (resumed["Authenticated"], resumed["UserId"]) == (True, trader["user_id"])
    query = {"OMSId": 1, "AccountId": trader["account_id"], "OrderId": sent["OrderId"]}
    deadline = time.monotonic() + 3
    while True:
        status = second.body("GetOrderStatus", query)
        if status["OrderState"] != "Working" or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert status["OrderState"] == "Canceled"
    assert second.body("WebAuthenticateUser", {"SessionToken": "not-a-token"}) == {
        "Authenticated": False, "Locked": False, "errormsg": "Invalid username or password"}
