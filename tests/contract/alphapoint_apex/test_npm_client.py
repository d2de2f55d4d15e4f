"""The contract's acceptance flow through the official npm client ``alphapoint-apex-api@3.2.19``.

apex_flow.js drives the unchanged client against this folder's demo server and reports what the
client saw; the assertions are here. The client only settles calls answered with ``m: 1``, so a
face that answered any of these steps with ``m: 5`` (or not at all) fails the script's 3 s limit.
Node and the client come from ``npm ci`` in this folder; under CI=true their absence fails.
"""

# ruff: noqa: F811 - the fixtures imported from apex_fixtures are test parameters by design

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from apex_fixtures import apex, apex_venue  # noqa: F401 - fixtures

HERE = Path(__file__).resolve().parent
CLIENT = HERE / "node_modules" / "alphapoint-apex-api" / "package.json"
PINNED = "3.2.19"


def _node() -> str:
    node = shutil.which("node")
    problem = None
    if node is None:
        problem = "node is not installed"
    elif not CLIENT.exists():
        problem = f"the npm client is not installed: run `npm ci` in {HERE}"
    elif json.loads(CLIENT.read_text())["version"] != PINNED:
        problem = f"alphapoint-apex-api is not the pinned {PINNED}: run `npm ci` in {HERE}"
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    return node


@pytest.fixture(scope="module")
def flow(apex_venue) -> dict:
    node = _node()
    manifest = apex_venue.data_dir / "manifest.json"
    done = subprocess.run([node, str(HERE / "apex_flow.js"), str(manifest)], cwd=HERE,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, f"apex_flow.js failed:\n{done.stderr}\n{done.stdout}"
    return json.loads(done.stdout)


OK = {"result": True, "errormsg": None, "errorcode": 0, "detail": None}


def test_authentication_by_password_api_key_and_bad_signature(flow, apex):
    trader = apex["by_name"]["trader-1"]
    assert flow["password_login"] == {"authenticated": True, "account_id": trader["account_id"],
                                      "user_id": trader["user_id"], "session_token": "string"}
    assert flow["api_key_login"] == {"authenticated": True, "account_id": trader["account_id"]}
    assert flow["bad_signature"] == {"Authenticated": False, "Locked": False,
                                     "errormsg": "Invalid username or password"}


def test_send_order_is_accepted_working_and_open(flow, apex):
    account = apex["by_name"]["trader-1"]["account_id"]
    assert flow["subscribe"] == {"Subscribed": True}
    sent = flow["send_order"]
    assert sent["status"] == "Accepted" and isinstance(sent["OrderId"], int)
    working = flow["working_event"]
    assert working["OrderId"] == sent["OrderId"]
    assert (working["OrderState"], working["ChangeReason"]) == ("Working", "NewInputAccepted")
    [open_order] = [o for o in flow["open_orders"] if o["OrderId"] == sent["OrderId"]]
    assert open_order["Side"] == "Buy" and open_order["OrderType"] == "Limit"
    assert open_order["ClientOrderId"] == 1001 and open_order["Account"] == account
    assert open_order["Instrument"] == apex["instrument_id"] and open_order["Price"] == 1
    assert open_order["Quantity"] == 1 and open_order["OMSId"] == apex["oms_id"]


def test_cancel_by_order_id_acknowledges_then_pushes_canceled(flow):
    assert flow["cancel_by_id"] == OK
    event = flow["cancel_by_id_event"]
    assert (event["OrderState"], event["ChangeReason"], event["CancelReason"]) == (
        "Canceled", "UserModified", "UserModified")
    assert event["Quantity"] == 0 and event["OrigQuantity"] == 1
    assert flow["cancel_reply_before_event"] is True
    assert flow["cancel_event_i"] == flow["subscribe_i"]  # events carry the subscription's i
    assert flow["status_after_cancel"]["OrderState"] == "Canceled"


def test_cancel_by_account_and_client_order_id(flow):
    assert flow["cancel_by_client_order_id"] == OK
    event = flow["cancel_by_client_order_id_event"]
    assert event["ClientOrderId"] == 1002 and event["OrderState"] == "Canceled"
    assert flow["status_after_client_order_id_cancel"] == "Canceled"
    assert flow["open_after_cancels"] == []


def test_repeated_cancel_is_acknowledged_then_rejected_by_event(flow):
    assert flow["repeat_cancel"] == OK
    reject = flow["repeat_cancel_reject"]
    assert reject["OrderId"] == flow["send_order"]["OrderId"]
    assert (reject["Status"], reject["RejectReason"]) == ("Rejected", "Order Not Found")


def test_cancel_refusals_unknown_unidentified_foreign_and_unauthenticated(flow):
    assert flow["cancel_unknown"] == {"result": False, "errormsg": "Resource Not Found",
                                      "errorcode": 104, "detail": None}
    assert flow["cancel_account_only"]["errorcode"] == 100
    assert flow["cancel_account_only"]["errormsg"] == "Invalid Request"
    assert flow["cancel_foreign_account"] == {"result": False, "errormsg": "Not Authorized",
                                              "errorcode": 20, "detail": None}
    assert flow["status_after_foreign_cancel"] == "Working"  # untouched by the refused cancel
    assert flow["cancel_unauthenticated"]["errorcode"] == 20


def test_operator_cancels_another_accounts_order(flow):
    assert flow["cancel_as_operator"] == OK
    assert flow["operator_cancel_event"]["OrderState"] == "Canceled"
    assert flow["operator_cancel_event"]["ClientOrderId"] == 1003


def test_modify_reduces_in_place_and_cancel_replace_issues_a_new_order(flow):
    assert flow["modify"] == OK
    modified = flow["modified_event"]
    assert (modified["OrderState"], modified["Quantity"]) == ("Working", 3)
    replace = flow["replace"]
    assert replace["OrigOrderId"] == modified["OrderId"] and replace["OrigClOrdId"] == 1004
    assert replace["ReplacementClOrdId"] == 1005
    assert replace["ReplacementOrderId"] != replace["OrigOrderId"]
    assert flow["replaced_old_event"]["OrderState"] == "Canceled"
    new = flow["replacement_status"]
    assert (new["OrderState"], new["Price"], new["Quantity"]) == ("Working", 1.04, 2)
    assert new["OrigOrderId"] == replace["OrigOrderId"]


def test_cancel_all_orders_of_the_account(flow):
    assert flow["cancel_all"] == OK
    assert flow["open_after_cancel_all"] == []
