"""The matching core: price-time order books, order types and time-in-force rules, self-trade
prevention, stops, expiry, and the fund desk for NAV-priced fund orders."""
