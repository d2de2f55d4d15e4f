"""The shipped example scenarios load, and a scenario sets up the venue it describes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sandbox_helpers import admin, client, coid

from openvenue.sandbox.scenario import ScenarioError, load

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.mark.parametrize("path", sorted(p for p in SCENARIOS.iterdir() if p.is_file()),
                         ids=lambda p: p.name)
def test_every_shipped_scenario_loads(path):
    scenario = load(path)
    assert scenario.name and (scenario.faults or scenario.liquidity)


def test_a_misspelt_key_is_an_error_not_ignored(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("seeed = 3\n")
    with pytest.raises(ScenarioError, match="seeed"):
        load(bad)


def test_the_after_hours_scenario_refuses_equities_until_the_open(start):
    venue = start("--liquidity", "on", "--scenario", str(SCENARIOS / "after-hours-replay.toml"))
    order = {"account_id": 1, "instrument": "AAPL", "side": "BUY", "type": "LIMIT",
             "quantity": "1", "price": "100.00"}
    with admin(venue) as ops, client(venue) as http:
        assert ops.get("/v1/admin/clock").json()["frozen"] is True
        closed = http.post("/v1/orders", json={**order, "client_order_id": coid()})
        assert closed.status_code == 422
        ops.post("/v1/admin/clock", json={"action": "set", "time": "2026-01-07T14:30:00Z"})
        assert http.post("/v1/orders", json={**order, "client_order_id": coid()}).status_code == 201
        market = ops.get("/v1/admin/sandbox").json()["liquidity"]["markets"]["AAPL"]
        assert market["replay"] == "prices/aapl-prices.csv" and market["best_bid"]
