"""Small helpers shared by the Aries tests (requests shaped as the SDK sends them)."""

from __future__ import annotations

from datetime import date

OPTION_LEG = {"positionEffect": "O", "ratioQty": "1", "securityType": "OPT", "side": "B",
              "putCall": "CALL", "strikePrice": "200", "maturity": date(2027, 1, 15)}


def limit_order(account: str, symbol: str = "AAPL", side: str = "BUY", qty: str = "1",
                price: str = "1.00", tif: str = "DAY", **extra) -> dict:
    return {"accountId": account, "symbol": symbol, "side": side, "type": "LIMIT",
            "timeInForce": tif, "qty": qty, "price": price, **extra}


def equity_cancel(account: str, cl_ord_id: str, symbol: str = "AAPL", side: str = "BUY") -> dict:
    return {"accountId": account, "origClOrdId": cl_ord_id, "symbol": symbol, "side": side,
            "securityType": "CS"}


def active(fd, account: str) -> dict:
    """The active-orders list by clOrdId (clients find orders by scanning it)."""
    rows = fd.orders.list_active_orders(id=account, limit=500).get_orders_v2_response.orders
    return {row.cl_ord_id: row for row in rows}
