"""Scenario files: a venue set up for one kind of test, in TOML or YAML.

``openvenue serve --scenario FILE`` runs the demo venue plus what the file adds: instruments,
clients, accounts and users (with API keys), the seed, market hours, the simulated market of each
instrument, fault rules, and the venue clock (start time, frozen or running). Paths in the file
(CSV replays) are relative to the file. See ``scenarios/`` for examples.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import msgspec

from openvenue.sandbox.faults import FaultRule
from openvenue.sandbox.hours import Mode
from openvenue.sandbox.liquidity import LiquidityConfig


class ScenarioInstrument(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    symbol: str
    kind: str
    tick_size: str
    lot_size: str
    min_size: str | None = None
    currency: str = "USD"
    base_asset: str = ""
    quote_asset: str = ""
    id: int = 0


class ScenarioClient(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id: int
    name: str


class ScenarioAccount(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id: int
    client_id: int
    name: str = ""


class ScenarioUser(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id: int
    name: str
    permissions: list[str] = msgspec.field(default_factory=lambda: ["TRADING"])
    account_ids: list[int] = []
    api_key: str | None = None  # a native API key for this user


class ScenarioClock(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    start: str | None = None  # RFC 3339; the venue clock starts there
    frozen: bool = False  # moves only when advanced (admin API / CLI)


class Scenario(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: str = ""
    description: str = ""
    seed: int | None = None
    market_hours: Mode = "always"
    clock: ScenarioClock | None = None
    instruments: list[ScenarioInstrument] = []
    clients: list[ScenarioClient] = []
    accounts: list[ScenarioAccount] = []
    users: list[ScenarioUser] = []
    liquidity: LiquidityConfig | None = None
    faults: list[FaultRule] = []
    base_dir: str = ""  # set on load: where relative paths start


class ScenarioError(ValueError):
    pass


def load(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"scenario {path}: {exc.strerror}") from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(raw) or {}
        else:
            data = tomllib.loads(raw.decode())
    except Exception as exc:  # the parsers' own errors say where
        raise ScenarioError(f"scenario {path}: {exc}") from None
    try:
        scenario = msgspec.convert(data, Scenario, strict=False)
    except msgspec.ValidationError as exc:
        raise ScenarioError(f"scenario {path}: {exc}") from None
    scenario.base_dir = str(path.resolve().parent)
    return scenario
