"""The INTX face's own settings, from the server's configuration.

``coinbase_intx_rate_limit`` (requests per second per API key, the venue's documented 40; 0 turns
it off for benchmarks) and ``coinbase_intx_timestamp_window_s`` (how far CB-ACCESS-TIMESTAMP may
be from the venue's clock; the venue says 5 s, the default is wider for test machines' clocks).
Both follow the server's layering: flag > OPENVENUE_* environment > TOML file > default.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    rate_limit: float  # 0: no limit
    timestamp_window_s: int


def load(config) -> Settings:
    return Settings(rate_limit=config.coinbase_intx_rate_limit,
                    timestamp_window_s=config.coinbase_intx_timestamp_window_s)
