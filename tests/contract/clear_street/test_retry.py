"""Submit is safe to retry: the SDK re-POSTs after a 5xx, and the venue must not place twice."""

from __future__ import annotations

import clearstreet
import httpx


class LoseFirstSubmitReply(httpx.BaseTransport):
    """Between the SDK and the venue: the first submit reaches the venue (and is placed), but its
    reply is replaced by a 503, as a gateway failing after the commit would do."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.submits = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method != "POST":
            return response
        self.submits += 1
        if self.submits > 1:
            return response
        response.read()
        response.close()
        return httpx.Response(
            503,
            headers={"retry-after-ms": "10"},
            json={
                "error": {"code": 503, "message": "Service unavailable"},
                "metadata": {"request_id": "injected"},
            },
        )

    def close(self) -> None:
        self.inner.close()


def test_submit_retried_after_an_injected_503_yields_one_order(
    cs_manifest, users, acct1, cs1, coid
):
    cid = coid("retry")
    transport = LoseFirstSubmitReply()
    with clearstreet.ClearStreet(
        api_key=users["trader-1"]["api_key"],
        base_url=cs_manifest["base_url"],
        max_retries=2,
        http_client=httpx.Client(transport=transport),
        _strict_response_validation=True,
    ) as flaky:
        submitted = flaky.v1.orders.submit_orders(
            acct1,
            orders=[
                {
                    "symbol": "AAPL",
                    "side": "BUY",
                    "order_type": "LIMIT",
                    "quantity": "3",
                    "limit_price": "1.01",
                    "time_in_force": "DAY",
                    "id": cid,
                }
            ],
        )
    assert transport.submits == 2  # the SDK did retry, and the venue saw both
    order = submitted.data[0]
    assert order.client_order_id == cid and order.leaves_quantity == "3"
    listed = cs1.v1.orders.get_orders(acct1, order_ids=[cid])
    assert [o.id for o in listed.data] == [order.id] and listed.metadata.total_items == 1
    cs1.v1.orders.cancel_open_order(order.id, account_id=acct1)


def test_reused_id_with_a_different_order_is_refused_without_retry(cs1, acct1, coid):
    cid = coid()
    body = {
        "symbol": "AAPL",
        "side": "BUY",
        "order_type": "LIMIT",
        "quantity": "1",
        "limit_price": "1.00",
        "time_in_force": "DAY",
        "id": cid,
    }
    first = cs1.v1.orders.submit_orders(acct1, orders=[body]).data[0]
    try:
        cs1.v1.orders.submit_orders(acct1, orders=[{**body, "limit_price": "1.02"}])
        raise AssertionError("a different order under a used id was accepted")
    except clearstreet.UnprocessableEntityError as refused:  # 422: the SDK does not retry it
        assert refused.body["error"] == {
            "code": 422,
            "message": f"Order id {cid} already used for account {acct1}",
        }
    listed = cs1.v1.orders.get_orders(acct1, order_ids=[cid]).data
    assert [(o.id, o.limit_price) for o in listed] == [(first.id, "1.00")]
    cs1.v1.orders.cancel_open_order(first.id, account_id=acct1)
