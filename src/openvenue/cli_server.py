"""The server's command-line verbs: ``serve``, ``demo`` and the admin verbs.

``register(subparsers)`` adds them to the ``openvenue`` command (cli.py); each handler takes the
parsed arguments and returns an exit code. The admin verbs (``instruments``, ``clients``,
``accounts``, ``users``, ``keys``) talk to a running server's admin API over HTTP, finding its
URL and admin key in the flags, the environment, or the data directory's manifest — in that
order — so on a demo they need no flags at all. ``python -m openvenue.cli_server`` runs these
verbs on their own. ``clock`` reads or moves the sandbox clock (``clock advance 3600`` makes an hour
pass: cut-offs and expiries it passes run at once) and ``funds nav SYMBOL NAV`` sets a fund's NAV,
executing the orders already sent to it. ``faults`` manages fault injection rules and
``sandbox`` the simulated market and deterministic outcomes (fill an order, reject the next
ones, move a price); see README "Testing your client".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from openvenue import config as config_module
from openvenue import demo

DEFAULT_URL = "http://127.0.0.1:8700"


# -- serve -----------------------------------------------------------------------------------------


def _port_override(text: str) -> tuple[str, int]:
    face, sep, port = text.partition("=")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError("expected FACE=PORT, e.g. native=9000")
    return face, int(port)


def cmd_serve(args: argparse.Namespace) -> int:
    from openvenue import logs, server  # the server stack loads only for serve

    overrides = {
        "host": args.host, "port_base": args.port_base, "data_dir": args.data_dir,
        "durability": args.durability, "log_format": args.log_format, "log_level": args.log_level,
        "demo": True if args.demo else None, "admin_key": args.admin_key,
        "journal": args.journal, "scenario": args.scenario,
        "liquidity": None if args.liquidity is None else args.liquidity == "on",
        "sandbox_seed": args.seed, "market_hours": args.market_hours,
    }
    try:
        config = config_module.load(args.config, overrides=overrides,
                                     port_flags=dict(args.port or ()))
    except config_module.ConfigError as exc:
        print(f"openvenue serve: {exc}", file=sys.stderr)
        return 2
    logs.configure(config.log_format, config.log_level)
    return server.serve(config)


# -- demo ------------------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir or os.environ.get("OPENVENUE_DATA_DIR") or "./openvenue-data")
    manifest = demo.read_manifest(data_dir)
    if manifest is None:
        print(f"no running server writes {data_dir / demo.MANIFEST_NAME}: start one with "
              f"`openvenue serve --demo --data-dir {data_dir}`", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(manifest))
    else:
        print(demo.describe(manifest))
    return 0


# -- admin -----------------------------------------------------------------------------------------


class AdminError(Exception):
    pass


def _target(args: argparse.Namespace) -> tuple[str, str]:
    """The server URL and admin key: flags, then environment, then the manifest."""
    data_dir = Path(args.data_dir or os.environ.get("OPENVENUE_DATA_DIR") or "./openvenue-data")
    native = (demo.read_manifest(data_dir) or {}).get("native", {})
    url = args.url or os.environ.get("OPENVENUE_URL") or native.get("base_url") or DEFAULT_URL
    key = args.admin_key or os.environ.get("OPENVENUE_ADMIN_KEY") or native.get("admin_key")
    if not key and (data_dir / "admin.key").exists():
        key = (data_dir / "admin.key").read_text().strip()
    if not key:
        raise AdminError("no admin key: pass --admin-key, set OPENVENUE_ADMIN_KEY, or run on the "
                         "server's --data-dir")
    return url.rstrip("/"), key


def _call(args: argparse.Namespace, method: str, path: str, body: dict | None = None):
    url, key = _target(args)
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method=method, headers={
        "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        try:
            error = json.loads(exc.read())["error"]
            raise AdminError(f"{exc.code} {error['code']}: {error['message']}") from None
        except (ValueError, KeyError, TypeError):
            raise AdminError(f"HTTP {exc.code} from {url}") from None
    except urllib.error.URLError as exc:
        raise AdminError(f"cannot reach {url}: {exc.reason}") from None
    return json.loads(raw) if raw else None


def _drop_none(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not None}


def _admin(args: argparse.Namespace) -> object:
    what, action = args.command, args.action
    if what == "instruments":
        if action == "list":
            return _call(args, "GET", "/v1/admin/instruments")
        if action == "create":
            return _call(args, "POST", "/v1/admin/instruments", _drop_none({
                "id": args.id, "symbol": args.symbol, "kind": args.kind,
                "tick_size": args.tick_size, "lot_size": args.lot_size,
                "min_size": args.min_size, "currency": args.currency}))
        state = {"halt": "HALTED", "resume": "TRADING", "close": "CLOSED"}[action]
        return _call(args, "PATCH", f"/v1/admin/instruments/{quote(args.symbol, safe='')}",
                     {"trading_state": state})
    if what == "clients":
        if action == "list":
            return _call(args, "GET", "/v1/admin/clients")
        return _call(args, "POST", "/v1/admin/clients", _drop_none({"id": args.id, "name": args.name}))
    if what == "accounts":
        if action == "list":
            return _call(args, "GET", "/v1/admin/accounts")
        return _call(args, "POST", "/v1/admin/accounts", _drop_none({
            "id": args.id, "client_id": args.client_id, "name": args.name}))
    if what == "users":
        if action == "list":
            return _call(args, "GET", "/v1/admin/users")
        if action == "create":
            return _call(args, "POST", "/v1/admin/users", _drop_none({
                "id": args.id, "name": args.name, "permissions": args.permission,
                "account_ids": args.account or []}))
        return _call(args, "PATCH", f"/v1/admin/users/{args.id}", _drop_none({
            "name": args.name, "permissions": args.permission, "account_ids": args.account}))
    if what == "keys":
        if action == "list":
            return _call(args, "GET", "/v1/admin/keys")
        if action == "create":
            return _call(args, "POST", "/v1/admin/keys", {"user_id": args.user_id,
                                                          "label": args.label})
        _call(args, "DELETE", f"/v1/admin/keys/{quote(args.key_id, safe='')}")
        return {"revoked": args.key_id}
    if what == "faults":
        if action == "list":
            return _call(args, "GET", "/v1/admin/sandbox/faults")
        if action == "clear":
            _call(args, "DELETE", "/v1/admin/sandbox/faults")
            return {"cleared": True}
        if action == "remove":
            _call(args, "DELETE", f"/v1/admin/sandbox/faults/{args.rule_id}")
            return {"removed": args.rule_id}
        return _call(args, "POST", "/v1/admin/sandbox/faults", _drop_none({
            "effect": args.effect, "face": args.face, "operation": args.operation,
            "account_id": args.account, "probability": args.probability, "count": args.count,
            "status": args.status, "apply": args.apply or None, "latency_ms": args.latency_ms,
            "delay_ms": args.delay_ms, "message": args.message}))
    if what == "sandbox":
        if action == "show":
            return _call(args, "GET", "/v1/admin/sandbox")
        if action == "fill":
            return _call(args, "POST", f"/v1/admin/sandbox/orders/{args.order_id}/fill",
                         _drop_none({"quantity": args.quantity, "price": args.price}))
        if action == "reject-next":
            return _call(args, "POST", "/v1/admin/sandbox/reject-next", _drop_none({
                "count": args.count, "account_id": args.account, "reason": args.reason}))
        return _call(args, "POST", f"/v1/admin/sandbox/prices/{quote(args.symbol, safe='')}",
                     {"price": args.price})
    if what == "clock":
        if action == "show":
            return _call(args, "GET", "/v1/admin/clock")
        return _call(args, "POST", "/v1/admin/clock", _drop_none({
            "action": action, "seconds": getattr(args, "seconds", None),
            "time": getattr(args, "time", None)}))
    if what == "funds":
        return _call(args, "POST", f"/v1/admin/funds/{quote(args.symbol, safe='')}/nav",
                     {"nav": args.nav})
    raise AssertionError(what)


def cmd_admin(args: argparse.Namespace) -> int:
    try:
        result = _admin(args)
    except AdminError as exc:
        print(f"openvenue {args.command} {args.action}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


# -- the parser ------------------------------------------------------------------------------------


def _admin_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--url", help="the server's native base URL (default: the manifest's, "
                                      f"$OPENVENUE_URL or {DEFAULT_URL})")
    parent.add_argument("--admin-key", help="default: $OPENVENUE_ADMIN_KEY or the data dir's")
    parent.add_argument("--data-dir", help="where to find the manifest and admin key "
                                           "(default ./openvenue-data)")
    return parent


def register(subparsers) -> None:
    serve = subparsers.add_parser(
        "serve", help="run the venue: native API and every venue face",
        description="Run the venue: one process, one listener per face.",
        epilog=config_module.DEFAULTS_DOC, formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("--config", help="TOML configuration file (default $OPENVENUE_CONFIG)")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port-base", type=int, help="native API port; faces on base+1..base+5 "
                                                     "(default 8700)")
    serve.add_argument("--port", action="append", type=_port_override, metavar="FACE=PORT",
                       help="one face's port, e.g. --port native=9000 (repeatable)")
    serve.add_argument("--data-dir", help="data directory (default ./openvenue-data)")
    serve.add_argument("--journal", metavar="DSN",
                       help="keep the journal in PostgreSQL (postgresql://...) instead of SQLite "
                            "in the data directory")
    serve.add_argument("--durability", choices=("fsync", "os", "memory"),
                       help="when a command is acknowledged (default fsync)")
    serve.add_argument("--demo", action="store_true",
                       help="seed the demo venue (idempotent) and print its credentials")
    serve.add_argument("--admin-key", help="admin API key (default: generated, in DATA_DIR/admin.key)")
    serve.add_argument("--log-format", choices=("text", "json"), help="default text")
    serve.add_argument("--log-level", choices=("debug", "info", "warning", "error"))
    serve.add_argument("--scenario", metavar="FILE",
                       help="TOML/YAML scenario: the demo venue plus its instruments, accounts, "
                            "market, faults and clock (see scenarios/)")
    serve.add_argument("--liquidity", choices=("on", "off"),
                       help="simulated market makers (default: on with --demo/--scenario)")
    serve.add_argument("--seed", type=int, help="sandbox seed: market and fault draws (default 1)")
    serve.add_argument("--market-hours", choices=("always", "regular", "extended"),
                       help="refuse equity orders outside these hours (default always)")
    serve.set_defaults(run=cmd_serve)

    demo_parser = subparsers.add_parser(
        "demo", help="print the running demo's manifest (URLs and credentials)",
        description="Print the manifest a running `openvenue serve` wrote to DATA_DIR/manifest.json.")
    demo_parser.add_argument("--json", action="store_true", help="the manifest as one JSON object")
    demo_parser.add_argument("--data-dir", help="default ./openvenue-data")
    demo_parser.set_defaults(run=cmd_demo)

    parent = _admin_parent()

    def verb(name: str, help_text: str):
        parser = subparsers.add_parser(name, help=help_text, description=help_text)
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        parser.set_defaults(run=cmd_admin)
        return actions

    actions = verb("instruments", "list, create, halt, resume or close instruments (admin API)")
    actions.add_parser("list", parents=[parent], help="list instruments")
    create = actions.add_parser("create", parents=[parent], help="create an instrument")
    create.add_argument("--symbol", required=True)
    create.add_argument("--kind", required=True,
                        choices=("EQUITY", "OPTION", "CRYPTO_PERP", "CRYPTO_SPOT", "FUND"))
    create.add_argument("--tick-size", required=True)
    create.add_argument("--lot-size", required=True)
    create.add_argument("--min-size")
    create.add_argument("--currency")
    create.add_argument("--id", type=int)
    for name in ("halt", "resume", "close"):
        action = actions.add_parser(name, parents=[parent], help=f"{name} trading in an instrument")
        action.add_argument("symbol")

    actions = verb("clients", "list or create clients (admin API)")
    actions.add_parser("list", parents=[parent], help="list clients")
    create = actions.add_parser("create", parents=[parent], help="create a client")
    create.add_argument("--name", required=True)
    create.add_argument("--id", type=int)

    actions = verb("accounts", "list or create accounts (admin API)")
    actions.add_parser("list", parents=[parent], help="list accounts")
    create = actions.add_parser("create", parents=[parent], help="create an account")
    create.add_argument("--client-id", type=int, required=True)
    create.add_argument("--name", default="")
    create.add_argument("--id", type=int)

    actions = verb("users", "list, create or change users and their permissions (admin API)")
    actions.add_parser("list", parents=[parent], help="list users")
    for name, help_text in (("create", "create a user"), ("set", "change a user")):
        action = actions.add_parser(name, parents=[parent], help=help_text)
        action.add_argument("--id", type=int, required=name == "set")
        action.add_argument("--name", required=name == "create")
        action.add_argument("--permission", action="append",
                            choices=("TRADING", "OPERATOR", "READ_ONLY"), required=name == "create")
        action.add_argument("--account", action="append", type=int, help="account id (repeatable)")

    actions = verb("keys", "list, create or revoke API keys (admin API)")
    actions.add_parser("list", parents=[parent], help="list API keys")
    create = actions.add_parser("create", parents=[parent], help="create an API key (shown once)")
    create.add_argument("--user-id", type=int, required=True)
    create.add_argument("--label", default="")
    revoke = actions.add_parser("revoke", parents=[parent], help="revoke an API key")
    revoke.add_argument("key_id")

    actions = verb("clock", "read, freeze, advance, set or resume the sandbox clock (admin API)")
    actions.add_parser("show", parents=[parent], help="the clock's time and state")
    actions.add_parser("freeze", parents=[parent], help="stop time where it is")
    actions.add_parser("resume", parents=[parent], help="let time run again from where it is")
    advance = actions.add_parser("advance", parents=[parent],
                                 help="move forwards by SECONDS (decimal), frozen or running")
    advance.add_argument("seconds")
    set_clock = actions.add_parser("set", parents=[parent],
                                   help="move to an RFC 3339 TIME (the only way backwards)")
    set_clock.add_argument("time")

    actions = verb("funds", "set a fund's NAV, executing its sent orders (admin API)")
    nav = actions.add_parser("nav", parents=[parent], help="set SYMBOL's NAV")
    nav.add_argument("symbol")
    nav.add_argument("nav")

    actions = verb("faults", "list, add, remove or clear fault injection rules (admin API)")
    actions.add_parser("list", parents=[parent], help="the rules and how often each fired")
    actions.add_parser("clear", parents=[parent], help="remove every rule")
    remove = actions.add_parser("remove", parents=[parent], help="remove one rule")
    remove.add_argument("rule_id", type=int)
    add = actions.add_parser("add", parents=[parent], help="add a rule (see README: Testing your client)")
    add.add_argument("--effect", choices=("error", "latency", "delay_cancel", "drop",
                                          "duplicate_event", "reorder_event"), default="error")
    add.add_argument("--face", help="native, coinbase_intx, clear_street, aries, alphapoint_apex, "
                                    "fondo or any (default any)")
    add.add_argument("--operation", choices=("place", "cancel", "replace", "cancel_all", "get",
                                             "list", "auth", "read", "websocket", "any"))
    add.add_argument("--account", type=int, help="only commands on this account")
    add.add_argument("--probability", type=float, help="0..1 (default 1)")
    add.add_argument("--count", type=int, help="fire at most this often (default: unlimited)")
    add.add_argument("--status", type=int, help="error status (default 503)")
    add.add_argument("--apply", action="store_true",
                     help="apply the command, then answer with the error (or drop)")
    add.add_argument("--latency-ms", type=int)
    add.add_argument("--delay-ms", type=int, help="delay_cancel: how long the cancel stays pending")
    add.add_argument("--message")

    actions = verb("sandbox", "the sandbox's market and deterministic outcomes (admin API)")
    actions.add_parser("show", parents=[parent], help="seed, markets, fault rules")
    fill = actions.add_parser("fill", parents=[parent],
                              help="the market maker trades against a resting order")
    fill.add_argument("order_id")
    fill.add_argument("--quantity", help="default: all of its leaves")
    fill.add_argument("--price", help="fill directly at this price (the limit or better for the "
                                      "order); default: the market maker trades through the book")
    reject = actions.add_parser("reject-next", parents=[parent], help="refuse the next order(s)")
    reject.add_argument("--count", type=int)
    reject.add_argument("--account", type=int, help="only orders on this account")
    reject.add_argument("--reason", help="a reject reason (default INSTRUMENT_NOT_TRADING)")
    price = actions.add_parser("price", parents=[parent], help="move SYMBOL's reference price")
    price.add_argument("symbol")
    price.add_argument("price")
