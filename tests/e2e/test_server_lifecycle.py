"""The server as an operator runs it: manifest, health, docs, metrics, JSON logs, the admin
CLI, graceful shutdown, and a restart that keeps every order."""

from __future__ import annotations

import json
import subprocess

import httpx
from venue_process import server_command


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_manifest_health_docs_and_metrics(live_venue):
    native = live_venue.manifest["native"]
    assert native["base_url"].startswith("http://127.0.0.1:")
    assert native["admin_key"] and native["ws_url"].endswith("/ws")
    users = {u["name"]: u for u in native["users"]}
    assert users["trader-1"]["account_id"] == 1 and users["trader-1"]["permissions"] == ["TRADING"]
    assert users["operator"]["permissions"] == ["OPERATOR"] and "account_id" not in users["operator"]
    assert {"AAPL", "BTC-PERP"} <= set(native["instruments"])
    printed = subprocess.run(server_command("demo", "--json", "--data-dir", str(live_venue.data_dir)),
                             capture_output=True, text=True, timeout=30)
    assert printed.returncode == 0 and json.loads(printed.stdout) == live_venue.manifest
    with httpx.Client(base_url=native["base_url"]) as http:
        health = http.get("/healthz")
        assert health.status_code == 200 and health.json()["listeners"]["native"] == native["base_url"]
        spec = http.get("/openapi.json").json()
        assert spec["openapi"] == "3.1.0" and "/v1/orders" in spec["paths"]
        docs = http.get("/docs")
        assert docs.headers["content-type"].startswith("text/html")
        assert "<script" in docs.text and "http" + "s://" not in docs.text  # self-contained
        metrics = http.get("/metrics").text
        for family in ("openvenue_commands_total", "openvenue_events_total",
                       "openvenue_journal_commit_seconds_bucket", "openvenue_journal_commits",
                       "openvenue_open_orders", "openvenue_websocket_connections"):
            assert family in metrics


def test_demo_without_a_server_says_so(tmp_path):
    result = subprocess.run(server_command("demo", "--json", "--data-dir", str(tmp_path)),
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and "openvenue serve --demo" in result.stderr


def test_admin_cli_against_a_running_server(live_venue):
    data_dir = str(live_venue.data_dir)

    def cli(*args: str) -> dict:
        result = subprocess.run(server_command(*args, "--data-dir", data_dir),
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    client = cli("clients", "create", "--name", "CLI Client")
    account = cli("accounts", "create", "--client-id", str(client["id"]), "--name", "cli")
    user = cli("users", "create", "--name", "cli-trader", "--permission", "TRADING",
               "--account", str(account["id"]))
    key = cli("keys", "create", "--user-id", str(user["id"]))
    assert any(k["key_id"] == key["key_id"] for k in cli("keys", "list")["keys"])
    with httpx.Client(base_url=live_venue.base_url) as http:
        order = http.post("/v1/orders", headers=bearer(key["api_key"]), json={
            "account_id": account["id"], "instrument": "AAPL", "side": "BUY", "type": "LIMIT",
            "quantity": "1", "price": "1.00"})
        assert order.status_code == 201
    halted = cli("instruments", "halt", "MSFT")
    assert halted["trading_state"] == "HALTED"
    assert cli("instruments", "resume", "MSFT")["trading_state"] == "TRADING"
    failed = subprocess.run(server_command("accounts", "create", "--client-id", "999999",
                                           "--data-dir", data_dir),
                            capture_output=True, text=True, timeout=30)
    assert failed.returncode == 1 and "UNKNOWN_CLIENT" in failed.stderr


def test_restart_keeps_every_order_and_shutdown_is_clean(start_venue, tmp_path):
    data_dir = tmp_path / "restart"
    venue = start_venue(data_dir, "--log-format", "json")
    placed = []
    with httpx.Client(base_url=venue.base_url) as http:
        for i in range(20):
            placed.append(http.post("/v1/orders", headers=bearer("demo-trader-1-key"), json={
                "account_id": 1, "instrument": "MSFT", "side": "SELL" if i % 2 else "BUY",
                "type": "LIMIT", "quantity": "3", "price": "100.00" if i % 2 else "90.00",
                "client_order_id": f"r-{i}"}).json())
        taker = http.post("/v1/orders", headers=bearer("demo-trader-2-key"), json={
            "account_id": 2, "instrument": "MSFT", "side": "BUY", "type": "LIMIT",
            "quantity": "4", "price": "100.00", "time_in_force": "IOC"})
        assert taker.json()["filled_quantity"] == "4"
        http.delete(f"/v1/orders/{placed[0]['id']}", headers=bearer("demo-trader-1-key"))
        before = http.get("/v1/orders", params={"status": "all", "account_id": 1},
                          headers=bearer("demo-trader-1-key")).json()["orders"]
    assert venue.stop() == 0
    assert not (data_dir / "manifest.json").exists()  # only a running server has a manifest
    log_lines = [json.loads(line) for line in venue.log_path.read_text().splitlines()
                 if line.startswith("{")]
    assert any(entry["message"] == "ready" for entry in log_lines)

    again = start_venue(data_dir)
    with httpx.Client(base_url=again.base_url) as http:
        after = http.get("/v1/orders", params={"status": "all", "account_id": 1},
                         headers=bearer("demo-trader-1-key")).json()["orders"]
        assert after == before  # every order, with its fills, status and ids
        by_coid = http.get("/v1/accounts/1/client-orders/r-5",
                           headers=bearer("demo-trader-1-key")).json()
        assert by_coid["id"] == placed[5]["id"] and by_coid["uuid"] == placed[5]["uuid"]
        # and the retried client order id still answers with the original order
        retry = http.post("/v1/orders", headers=bearer("demo-trader-1-key"), json={
            "account_id": 1, "instrument": "MSFT", "side": "BUY", "type": "LIMIT",
            "quantity": "3", "price": "90.00", "client_order_id": "r-2"})
        assert retry.status_code == 200 and retry.json()["id"] == placed[2]["id"]


def test_busy_port_fails_fast_with_a_clear_message(live_venue, tmp_path):
    result = subprocess.run(server_command("serve", "--data-dir", str(tmp_path / "busy"),
                                           "--port-base", str(live_venue.port_base)),
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and "cannot listen" in result.stderr
