"""Server configuration: defaults, then a TOML file, then OPENVENUE_* variables, then flags.

Every setting has a documented default (``DEFAULTS_DOC``, printed by ``openvenue serve --help``
and in README). The TOML file is ``--config PATH`` or ``$OPENVENUE_CONFIG``; its keys are the
field names below, and an unknown key is an error rather than a silently ignored typo. Each
field ``x`` can also be set by the environment variable ``OPENVENUE_X``; per-face ports by
``OPENVENUE_PORT_<FACE>`` (e.g. ``OPENVENUE_PORT_NATIVE=9000``) or a ``[ports]`` table.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from openvenue.venues import FACE_PORT_OFFSETS

Port = Annotated[int, Meta(ge=0, le=65535)]


class Config(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    host: str = "127.0.0.1"
    port_base: Port = 8700
    ports: dict[str, Port] = {}  # per-face overrides of port_base + offset
    data_dir: str = "./openvenue-data"
    durability: Literal["fsync", "os", "memory"] = "fsync"
    demo: bool = False
    admin_key: str | None = None  # None: generated once and kept in DATA_DIR/admin.key
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    tick_interval_ms: Annotated[int, Meta(ge=1, le=60_000)] = 100
    max_body_bytes: Annotated[int, Meta(ge=1024)] = 1 << 20
    ws_retained_events: Annotated[int, Meta(ge=1)] = 100_000  # per account, for resume
    shutdown_timeout_s: Annotated[float, Meta(ge=0)] = 10.0
    snapshot_every: Annotated[int, Meta(ge=0)] = 100_000  # events between snapshots; 0: never
    id_key: str = "openvenue"  # keys the order UUIDs/ULIDs; keep it for the life of a data dir
    journal: str | None = None  # postgresql://... DSN; None: SQLite in the data directory
    journal_schema: str = "openvenue"  # PostgreSQL schema of the journal
    keep_closed_orders: Annotated[int, Meta(ge=0)] = 100_000  # in memory; older ones in the store
    # Coinbase INTX face: requests per second per API key (0: off) and the signature time window
    coinbase_intx_rate_limit: Annotated[float, Meta(ge=0)] = 40.0
    coinbase_intx_timestamp_window_s: Annotated[int, Meta(ge=1)] = 30
    # sandbox controls (openvenue.sandbox): None = on with demo or a scenario
    sandbox: bool | None = None
    scenario: str | None = None  # TOML/YAML scenario file; runs the demo venue plus the file
    liquidity: bool | None = None  # simulated market makers; None = on whenever the sandbox is
    sandbox_seed: int = 1
    market_hours: Literal["always", "regular", "extended"] = "always"

    def __post_init__(self) -> None:
        if self.scenario:
            self.demo = True

    def port_for(self, face: str) -> int:
        if face in self.ports:
            return self.ports[face]
        return self.port_base + FACE_PORT_OFFSETS[face]

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)


DEFAULTS_DOC = """\
configuration (flag > OPENVENUE_* environment > TOML file > default):
  host              OPENVENUE_HOST              127.0.0.1   address every listener binds
  port_base         OPENVENUE_PORT_BASE         8700        native API; faces on base+1..base+5
  ports.<face>      OPENVENUE_PORT_<FACE>       -           one face's port (native, coinbase_intx,
                                                            clear_street, aries, alphapoint_apex, fondo)
  data_dir          OPENVENUE_DATA_DIR          ./openvenue-data
  durability        OPENVENUE_DURABILITY        fsync       fsync | os | memory
  demo              OPENVENUE_DEMO              false       seed the demo venue on first start
  admin_key         OPENVENUE_ADMIN_KEY         generated   kept in DATA_DIR/admin.key
  log_format        OPENVENUE_LOG_FORMAT        text        text | json
  log_level         OPENVENUE_LOG_LEVEL         info
  tick_interval_ms  OPENVENUE_TICK_INTERVAL_MS  100         how often expiries and timers run
  max_body_bytes    OPENVENUE_MAX_BODY_BYTES    1048576     larger request bodies get 413
  ws_retained_events OPENVENUE_WS_RETAINED_EVENTS 100000    per account, for WebSocket resume
  shutdown_timeout_s OPENVENUE_SHUTDOWN_TIMEOUT_S 10        grace period for in-flight requests
  snapshot_every    OPENVENUE_SNAPSHOT_EVERY    100000      events between snapshots (0: never)
  id_key            OPENVENUE_ID_KEY            openvenue   keys order UUIDs; fixed per data dir
  journal           OPENVENUE_JOURNAL           -           postgresql://user@host:port/db DSN;
                                                            unset: SQLite file in data_dir
  journal_schema    OPENVENUE_JOURNAL_SCHEMA    openvenue   PostgreSQL schema of the journal
  keep_closed_orders OPENVENUE_KEEP_CLOSED_ORDERS 100000    closed orders kept in memory; older
                                                            ones are answered from the store
  coinbase_intx_rate_limit  OPENVENUE_COINBASE_INTX_RATE_LIMIT  40   INTX requests/s per key (0: off)
  coinbase_intx_timestamp_window_s  OPENVENUE_COINBASE_INTX_TIMESTAMP_WINDOW_S  30
                                                            accepted CB-ACCESS-TIMESTAMP skew
  sandbox           OPENVENUE_SANDBOX           auto        sandbox controls (liquidity, faults,
                                                            outcomes); auto: on with demo/scenario
  scenario          OPENVENUE_SCENARIO          -           TOML/YAML scenario file (implies demo)
  liquidity         OPENVENUE_LIQUIDITY         auto        simulated market makers (on with sandbox)
  sandbox_seed      OPENVENUE_SANDBOX_SEED      1           seeds the market and fault draws
  market_hours      OPENVENUE_MARKET_HOURS      always      always | regular | extended (equities)
"""


class ConfigError(ValueError):
    pass


def load(path: str | None = None, env: Mapping[str, str] | None = None,
         overrides: Mapping[str, object] | None = None,
         port_flags: Mapping[str, int] | None = None) -> Config:
    """Merge the layers; ``overrides`` and ``port_flags`` are command-line values (None: not given)."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    path = path or env.get("OPENVENUE_CONFIG")
    if path:
        try:
            with open(path, "rb") as handle:
                values.update(tomllib.load(handle))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"config file {path}: {exc}") from None
    fields = set(Config.__struct_fields__) - {"ports"}
    ports = dict(values.get("ports", {}))  # type: ignore[arg-type]
    for key, value in env.items():
        if not key.startswith("OPENVENUE_") or key == "OPENVENUE_CONFIG":
            continue
        name = key[len("OPENVENUE_"):].lower()
        if name.startswith("port_") and name[5:] in FACE_PORT_OFFSETS:
            ports[name[5:]] = value
        elif name in fields:
            values[name] = value
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = value
    ports.update(port_flags or {})
    unknown_faces = set(ports) - set(FACE_PORT_OFFSETS)
    if unknown_faces:
        raise ConfigError(f"unknown face(s) in ports: {sorted(unknown_faces)}")
    values["ports"] = ports
    try:
        # strict=False: environment values are strings ("8700", "true") to be converted
        return msgspec.convert(values, Config, strict=False)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"invalid configuration: {exc}") from None
