"""Under random fault schedules no acknowledged command is lost and quantity is conserved.

Each example installs a random set of rules (errors with and without the command applied,
latency, delayed cancels; random probabilities and counts), then runs a random sequence of
places, cancels and admin fills through the native API. Afterwards, with the faults cleared,
every place that was acknowledged (2xx) names an order that exists with the quantity asked for,
every acknowledged cancel ended its order (canceled, or filled first), and for every order
``filled + leaves <= quantity`` with ``leaves == 0`` once it is closed.
"""

from __future__ import annotations

import time
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sandbox_helpers import admin, client, coid

rule = st.fixed_dictionaries({
    "effect": st.sampled_from(["error", "latency", "delay_cancel"]),
    "operation": st.sampled_from(["place", "cancel", "any"]),
    "status": st.sampled_from([429, 500, 503]),
    "apply": st.booleans(),
    "probability": st.sampled_from([0.3, 0.6, 1.0]),
    "count": st.integers(0, 3),
    "latency_ms": st.integers(0, 20),
    "delay_ms": st.integers(50, 300),
})
action = st.tuples(st.sampled_from(["place", "cancel", "fill"]), st.integers(1, 9),
                   st.integers(0, 30))


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(rules=st.lists(rule, max_size=3), actions=st.lists(action, min_size=3, max_size=12))
def test_no_acknowledged_command_is_lost_and_quantity_is_conserved(market, rules, actions):
    placed: list[tuple[str, int]] = []  # acknowledged: (client order id, quantity)
    canceled: list[str] = []  # acknowledged cancels, by order id
    ids: list[str] = []
    with admin(market) as ops, client(market) as http:
        ops.delete("/v1/admin/sandbox/faults")
        for body in rules:
            ops.post("/v1/admin/sandbox/faults", json={**body, "face": "native"})
        for kind, quantity, pick in actions:
            if kind == "place":
                cid = coid("p")
                response = http.post("/v1/orders", json={
                    "account_id": 1, "instrument": "AAPL", "side": "BUY", "type": "LIMIT",
                    "quantity": str(quantity), "price": "120.00", "client_order_id": cid})
                if response.status_code in (200, 201):
                    placed.append((cid, quantity))
                    ids.append(response.json()["id"])
            elif ids:
                order_id = ids[pick % len(ids)]
                if kind == "cancel":
                    response = http.delete(f"/v1/orders/{order_id}")
                    if response.status_code == 200:
                        canceled.append(order_id)
                else:
                    ops.post(f"/v1/admin/sandbox/orders/{order_id}/fill",
                             json={"quantity": "1"})
        ops.delete("/v1/admin/sandbox/faults")
        time.sleep(0.35)  # delayed cancels complete
        for cid, quantity in placed:
            response = http.get(f"/v1/accounts/1/client-orders/{cid}")
            assert response.status_code == 200, f"acknowledged order {cid} is lost"
            assert Decimal(response.json()["quantity"]) == quantity
        for order_id in canceled:
            status = http.get(f"/v1/orders/{order_id}").json()["status"]
            assert status in ("CANCELED", "FILLED", "PENDING_CANCEL")
        everything = http.get("/v1/orders", params={"account_id": 1, "status": "all",
                                                    "instrument": "AAPL", "limit": 1000}).json()
        for order in everything["orders"]:
            filled, leaves = Decimal(order["filled_quantity"]), Decimal(order["leaves_quantity"])
            quantity = Decimal(order["quantity"])
            assert filled + leaves <= quantity
            if order["status"] in ("NEW", "PARTIALLY_FILLED", "PENDING_CANCEL"):
                assert filled + leaves == quantity
            else:
                assert leaves == 0
