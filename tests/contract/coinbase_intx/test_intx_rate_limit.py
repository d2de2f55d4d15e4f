"""The per-key rate limit: the venue's 40 requests per second by default, configurable, off at 0."""

from __future__ import annotations

import time

from openvenue.venues.coinbase_intx.ratelimit import RateLimiter


def burst(intx, count: int, name: str = "trader-1") -> tuple[list[int], float]:
    started = time.monotonic()
    codes = [intx.request("GET", "/api/v1/portfolios", name=name).status_code
             for _ in range(count)]
    return codes, time.monotonic() - started


def until_limited(intx, most: int = 1000):
    """Requests as fast as one client can until the first 429: (200s before it, seconds, 429)."""
    started = time.monotonic()
    for passed in range(most):
        response = intx.request("GET", "/api/v1/portfolios")
        if response.status_code != 200:
            return passed, time.monotonic() - started, response
    raise AssertionError(f"{most} requests were never limited")


def test_default_limit_is_40_per_second_per_key(start_intx):
    intx = start_intx(None)
    passed, elapsed, limited = until_limited(intx)
    assert passed >= 40  # a full second's worth may come at once
    assert passed <= 40 + 40 * elapsed + 1  # then the documented rate, no more
    assert (limited.status_code, limited.json()) == (429, {
        "title": "Rate limit exceeded - Server allows 40 requests per second", "status": 429})
    # another key has a bucket of its own
    assert intx.request("GET", "/api/v1/portfolios", name="trader-2").status_code == 200


def test_configured_limit_refuses_without_changing_anything_and_refills(start_intx):
    intx = start_intx("5")
    passed, elapsed, _ = until_limited(intx)
    assert 5 <= passed <= 5 + 5 * elapsed + 1
    body = {"client_order_id": intx.cid(), "side": "BUY", "size": "0.001", "tif": "GTC",
            "instrument": "BTC-PERP", "type": "LIMIT", "price": "100"}
    refused = intx.request("POST", "/api/v1/orders", body)
    assert refused.status_code == 429
    assert refused.json()["title"] == "Rate limit exceeded - Server allows 5 requests per second"
    time.sleep(0.5)  # two tokens back at 5 per second
    listed = intx.request("GET", f"/api/v1/orders?client_order_id={body['client_order_id']}")
    assert (listed.status_code, listed.json()["results"]) == (200, [])
    # the public endpoints need no key and are not limited per key
    assert all(intx.http.get("/api/v1/instruments").status_code == 200 for _ in range(10))


def test_limit_off_at_zero(intx):
    codes, _ = burst(intx, 120)  # the session server runs with the limit off
    assert codes == [200] * 120


def test_token_bucket_bursts_then_refills_at_the_rate():
    now = [100.0]
    limiter = RateLimiter(4, clock=lambda: now[0])
    assert [limiter.allow("k") for _ in range(5)] == [True] * 4 + [False]
    assert limiter.allow("other")  # per key
    now[0] += 0.25  # one token back
    assert [limiter.allow("k") for _ in range(2)] == [True, False]
    now[0] += 60  # never more than one second's worth
    assert [limiter.allow("k") for _ in range(5)] == [True] * 4 + [False]
