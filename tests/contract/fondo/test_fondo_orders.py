"""Create, get, list, cancel and validate fund orders (the clock stays before the cut-off here)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from fondo_shapes import check_error, check_order, exact


def test_subscription_and_redemption_are_created_pending(partner1):
    reply = partner1.create(partner1.subscription(1000, clientRef="sub-1"))
    assert reply.status_code == 200, reply.text
    sub = check_order(reply.json())
    assert sub["status"] == "pending" and sub["orderType"] == "subscription"
    assert exact(reply)["amount"] == 1000 and sub["units"] == 0 and sub["clientRef"] == "sub-1"
    assert sub["executorRef"] == "197001010003" and sub["account"] == partner1.account
    assert sub["canceledDate"] is None
    reply = partner1.create(partner1.redemption("12.3456789", clientRef="red-1"))
    red = check_order(reply.json())
    assert red["orderType"] == "redemption" and exact(reply)["units"] == Decimal("12.3456789")
    assert red["amount"] == 0  # known only once executed at NAV
    got = partner1.get(f"{partner1.orders_path()}/{sub['id']}")
    assert got.status_code == 200 and got.json() == sub


def test_list_is_ascending_by_sorted_id_with_an_exclusive_start_cursor(partner1):
    made = [partner1.create(partner1.subscription(100 + i, clientRef=f"page-{i}")).json()
            for i in range(3)]
    every = partner1.orders()
    ids = [o["sortedId"] for o in every]
    assert ids == sorted(ids)
    mine = [o for o in every if o["clientRef"].startswith("page-")]
    assert [o["id"] for o in mine] == [o["id"] for o in made]
    first = partner1.orders(start=made[0]["sortedId"], limit=1)
    assert [o["id"] for o in first] == [made[1]["id"]]
    rest = partner1.orders(start=made[1]["sortedId"])
    assert made[2]["id"] in [o["id"] for o in rest] and made[1]["id"] not in [o["id"] for o in rest]
    for order in every:
        check_order(order)


def test_cancel_while_pending_returns_the_canceled_order_and_is_idempotent(partner1, partner2):
    created = partner1.create(partner1.subscription(2500, clientRef="to-cancel")).json()
    check_error(partner2.delete(created["id"], client=partner1.client), 403, "forbidden")
    assert partner1.get(f"{partner1.orders_path()}/{created['id']}").json()["status"] == "pending"
    reply = partner1.delete(created["id"])
    assert reply.status_code == 200
    canceled = check_order(reply.json())
    assert canceled["status"] == "canceled" and canceled["canceledDate"]
    assert canceled["modifiedDate"] == canceled["canceledDate"]
    unchanged = ("id", "sortedId", "orderType", "account", "clientRef", "executorRef",
                 "instrument", "units", "amount", "createdDate")
    assert {k: canceled[k] for k in unchanged} == {k: created[k] for k in unchanged}
    again = partner1.delete(created["id"])
    assert again.status_code == 200 and again.json() == canceled


def test_unknown_order_is_not_found(partner1, partner2):
    check_error(partner1.delete(str(uuid.uuid4())), 404, "invalid_request")
    check_error(partner1.get(f"{partner1.orders_path()}/not-a-uuid"), 404, "invalid_request")
    theirs = partner2.create(partner2.subscription(300)).json()
    # partner 2's order under partner 1's own client: not found there
    check_error(partner1.delete(theirs["id"]), 404, "invalid_request")
    assert partner2.get(f"{partner2.orders_path()}/{theirs['id']}").json()["status"] == "pending"


BAD_FIELDS = [
    ("executorRef", lambda p: p.subscription(executorRef="12345")),
    ("executorRef", lambda p: p.subscription(executorRef="301001010003")),
    ("units", lambda p: p.redemption("1.12345678")),
    ("units", lambda p: p.redemption(0)),
    ("instrument", lambda p: p.subscription(instrument="SE0000000000SEK")),
    ("amount", lambda p: p.subscription(99.99)),
    ("amount", lambda p: p.subscription("abc")),
    ("orderType", lambda p: p.subscription(orderType="buy")),
    ("account", lambda p: p.subscription(account=str(uuid.uuid4()))),
]


@pytest.mark.parametrize(("field", "body"), BAD_FIELDS)
def test_every_field_check_is_invalid_request_and_stores_nothing(partner1, field, body):
    before = partner1.orders()
    payload = body(partner1)
    payload["clientRef"] = f"bad-{field}"
    body_ = check_error(partner1.create(payload), 400, "invalid_request")
    assert field in body_["error_description"]
    assert partner1.orders() == before


def test_malformed_json_is_invalid_request(partner1):
    reply = partner1.raw.post(partner1.orders_path(), content=b"{not json",
                              headers={**partner1.headers, "Content-Type": "application/json"})
    check_error(reply, 400, "invalid_request")


def test_validate_only_checks_everything_and_persists_nothing(partner1):
    before = partner1.orders()
    ok = partner1.create(partner1.subscription(750, clientRef="dry-run"), query="?validate-only=true")
    assert ok.status_code == 200
    would_be = ok.json()
    assert would_be["id"] is None and would_be["sortedId"] is None
    assert would_be["amount"] == 750 and would_be["clientRef"] == "dry-run"
    check_error(partner1.create(partner1.subscription(50), query="?validate-only=true"),
                400, "invalid_request")
    assert partner1.orders() == before


def test_instruments_carry_the_documented_fields(partner1):
    instruments = partner1.get("/v2/partner/instrument").json()
    assert {i["id"] for i in instruments} == {"SE0012193019SEK", "SE0007091236SEK"}
    fund = partner1.get("/v2/partner/instrument/SE0012193019SEK").json()
    assert fund["isincode"] == "SE0012193019" and fund["currency"] == "SEK"
    assert fund["decimalsUnits"] == 7 and fund["minInvestmentAmountSEK"] == 100
    assert fund["isBuyable"] is True and fund["isSellable"] is True
    assert isinstance(fund["closePrice"], (int, float)) and fund["priceDate"]
    check_error(partner1.get("/v2/partner/instrument/NOPE"), 404, "invalid_request")


def test_unknown_routes_and_methods_answer_in_fondo_shape(partner1):
    check_error(partner1.get("/v2/partner/nothing-here"), 404, "invalid_request")
    check_error(partner1.raw.put(partner1.orders_path(), headers=partner1.headers), 405,
                "invalid_request")
