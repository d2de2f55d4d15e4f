"""get_orders pages: next_page_token walks every page once; previous_page_token walks back."""

from __future__ import annotations


def test_pagination_walks_every_page(cs1, acct1, coid):
    ids = [coid("page") for _ in range(7)]
    placed = []
    for cid in ids:
        placed.append(
            cs1.v1.orders.submit_orders(
                acct1,
                orders=[
                    {
                        "symbol": "MSFT",
                        "side": "BUY",
                        "order_type": "LIMIT",
                        "quantity": "1",
                        "limit_price": "2.00",
                        "time_in_force": "DAY",
                        "id": cid,
                    }
                ],
            )
            .data[0]
            .id
        )

    pages = []
    response = cs1.v1.orders.get_orders(acct1, order_ids=ids, page_size=3)
    while True:
        meta = response.metadata
        assert (meta.total_items, meta.total_pages, meta.page_number) == (7, 3, len(pages) + 1)
        pages.append([o.id for o in response.data])
        if meta.next_page_token is None:
            break
        response = cs1.v1.orders.get_orders(acct1, order_ids=ids, page_token=meta.next_page_token)
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [i for page in pages for i in page] == placed[::-1]  # newest first, each once

    second = cs1.v1.orders.get_orders(acct1, order_ids=ids, page_size=3)
    second = cs1.v1.orders.get_orders(
        acct1, order_ids=ids, page_token=second.metadata.next_page_token
    )
    back = cs1.v1.orders.get_orders(
        acct1, order_ids=ids, page_token=second.metadata.previous_page_token
    )
    assert [o.id for o in back.data] == pages[0] and back.metadata.previous_page_token is None

    # a new order arriving meanwhile does not shift the pages already handed out
    newcomer = coid("page")
    cs1.v1.orders.submit_orders(
        acct1,
        orders=[
            {
                "symbol": "MSFT",
                "side": "BUY",
                "order_type": "LIMIT",
                "quantity": "1",
                "limit_price": "2.00",
                "time_in_force": "DAY",
                "id": newcomer,
            }
        ],
    )
    stable = cs1.v1.orders.get_orders(
        acct1, order_ids=ids + [newcomer], page_token=second.metadata.next_page_token
    )
    assert [o.id for o in stable.data] == pages[2]
    cs1.v1.orders.cancel_all_open_orders(acct1, instrument_ids=["MSFT"])
