"""The source document's order fields and types, checked on every order a test receives."""

from __future__ import annotations

import re
import uuid

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
MILLIS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ORDER_FIELDS = {"id", "status", "sortedId", "orderType", "account", "clientRef", "executorRef",
                "instrument", "units", "amount", "createdDate", "modifiedDate", "canceledDate"}
STATUSES = {"received", "pending", "sent", "settled", "canceled", "hold"}


def check_order(order: dict) -> dict:
    assert set(order) == ORDER_FIELDS, set(order) ^ ORDER_FIELDS
    assert str(uuid.UUID(order["id"])) == order["id"]
    assert ULID.match(order["sortedId"])
    assert order["status"] in STATUSES
    assert order["orderType"] in ("subscription", "redemption")
    uuid.UUID(order["account"])
    for name in ("clientRef", "executorRef", "instrument"):
        assert isinstance(order[name], str)
    for name in ("units", "amount"):  # JSON numbers, never strings
        assert isinstance(order[name], (int, float)) and not isinstance(order[name], bool)
    assert MILLIS.match(order["createdDate"]) and MILLIS.match(order["modifiedDate"])
    assert order["canceledDate"] is None or MILLIS.match(order["canceledDate"])
    return order


def check_error(reply, status: int, code: str) -> dict:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert set(body) == {"error", "error_description"} and body["error"] == code, body
    assert isinstance(body["error_description"], str) and body["error_description"]
    return body


def exact(reply):
    """The reply's JSON with numbers as exact decimals (JSON numbers must not be read as floats)."""
    import json
    from decimal import Decimal

    return json.loads(reply.text, parse_float=Decimal, parse_int=Decimal)
