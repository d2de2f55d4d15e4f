"""What makes openvenue a test venue: simulated liquidity, deterministic outcomes, fault
injection, market hours and scenario files (the clock itself is ``oms.clock.SandboxClock``).

``Sandbox`` ties them to a running server: ``build`` decides from the configuration whether
there is one at all (on with ``--demo`` or ``--scenario`` unless switched off), ``setup``
defines the market maker's own client, account and user and whatever the scenario defines,
``attach`` gives every face's app the shared fault injector, and ``start`` runs the simulated
market on the venue clock. Everything it does to orders goes through the core's ordinary
commands; everything it exposes is behind the admin key (native ``/v1/admin/sandbox/...``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import msgspec

from openvenue.domain.accounts import Account, Client, Permission, User
from openvenue.domain.commands import PlaceOrder, RefuseOrder
from openvenue.domain.instruments import Instrument, InstrumentKind
from openvenue.domain.reasons import RejectReason
from openvenue.sandbox import hours
from openvenue.sandbox.conventions import Planned, plan_for
from openvenue.sandbox.faults import FaultInjector, FaultRule, FaultyFeed, current
from openvenue.sandbox.liquidity import DEMO_MARKETS, LiquidityConfig, LiquiditySimulator
from openvenue.sandbox.port import SandboxPort
from openvenue.sandbox.scenario import Scenario
from openvenue.sandbox.scenario import load as load_scenario

log = logging.getLogger("openvenue.sandbox")

# The market maker's identity: far above the ids people create by hand or the demo uses.
MM_CLIENT_ID = 900_000
MM_ACCOUNT_ID = 900_000
MM_USER_ID = 900_000


@dataclass
class PendingRejection:
    account_id: int  # 0: any account
    reason: RejectReason
    text: str
    remaining: int


class Sandbox:
    def __init__(self, core, *, seed: int = 1, liquidity: LiquidityConfig | None = None,
                 market_hours: hours.Mode = "always", scenario: Scenario | None = None) -> None:
        self.core = core
        self.oms = core.oms
        self.seed = seed
        self.market_hours: hours.Mode = market_hours
        self.scenario = scenario
        self.liquidity_config = liquidity
        self.liquidity: LiquiditySimulator | None = None
        self.mm_user_id = MM_USER_ID
        self.mm_account_id = MM_ACCOUNT_ID
        self.faults = FaultInjector(random.Random(f"{seed}:faults"), core.metrics.on_fault)
        self.rejections: list[PendingRejection] = []
        self._task: asyncio.Task | None = None
        core.port = SandboxPort(core.port, self)
        core.feed = FaultyFeed(core.feed, self.faults)
        core.sandbox = self

    # -- life cycle -------------------------------------------------------------------------------

    async def setup(self) -> None:
        core, oms = self.core, self.oms
        scenario = self.scenario
        if scenario is not None:
            await self._define_scenario(scenario)
        if oms.clients.get(MM_CLIENT_ID) is None:
            await core.define(Client(id=MM_CLIENT_ID, name="openvenue sandbox"))
        if oms.accounts.get(MM_ACCOUNT_ID) is None:
            await core.define(Account(id=MM_ACCOUNT_ID, client_id=MM_CLIENT_ID,
                                      name="sandbox-market-maker"))
        if oms.users.get(MM_USER_ID) is None:
            await core.define(User(id=MM_USER_ID, name="sandbox-market-maker",
                                   permissions=frozenset({Permission.TRADING}),
                                   account_ids=frozenset({MM_ACCOUNT_ID})))
        if scenario is not None:
            for rule in scenario.faults:
                self.faults.add(rule)
        if self.liquidity_config is not None and self.liquidity_config.enabled:
            base = Path(scenario.base_dir) if scenario is not None else None
            self.liquidity = LiquiditySimulator(core, self.liquidity_config, self.seed,
                                                MM_USER_ID, MM_ACCOUNT_ID, base_dir=base)

    async def _define_scenario(self, scenario: Scenario) -> None:
        core, oms = self.core, self.oms
        clock = oms.clock
        if scenario.clock is not None:
            if scenario.clock.start and hasattr(clock, "set"):
                start = datetime.fromisoformat(scenario.clock.start.replace("Z", "+00:00"))
                clock.set(int(start.timestamp()) * 1_000_000_000)
            if scenario.clock.frozen and hasattr(clock, "freeze"):
                clock.freeze()
        for spec in scenario.instruments:
            if spec.symbol in oms.instruments:
                continue
            lot = Decimal(spec.lot_size)
            await core.define(Instrument(
                id=spec.id or max(oms.instruments_by_id, default=0) + 1, symbol=spec.symbol,
                kind=InstrumentKind(spec.kind), tick_size=Decimal(spec.tick_size), lot_size=lot,
                min_size=Decimal(spec.min_size) if spec.min_size else lot, currency=spec.currency,
                base_asset=spec.base_asset, quote_asset=spec.quote_asset))
        for client in scenario.clients:
            if client.id not in oms.clients:
                await core.define(Client(id=client.id, name=client.name))
        for account in scenario.accounts:
            if account.id not in oms.accounts:
                await core.define(Account(id=account.id, client_id=account.client_id,
                                          name=account.name))
        for user in scenario.users:
            if user.id not in oms.users:
                await core.define(User(id=user.id, name=user.name,
                                       permissions=frozenset(Permission(p) for p in user.permissions),
                                       account_ids=frozenset(user.account_ids)))
            if user.api_key:
                core.credentials.install(user.id, user.api_key, label="scenario")

    def attach(self, app) -> None:
        """Give a face's app the shared fault injector (HTTP toolkit app or APEX gateway)."""
        target = getattr(app, "gateway", app)
        if hasattr(target, "faults"):
            target.faults = self.faults

    def start(self) -> None:
        if self.liquidity is not None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        liquidity = self.liquidity
        await liquidity.start()
        interval = min(liquidity.config.update_ms, 100) / 1000
        while True:
            await asyncio.sleep(interval)
            try:
                await liquidity.on_tick()
            except Exception:
                log.exception("liquidity update failed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass

    # -- deterministic outcomes -------------------------------------------------------------------

    def reject_next(self, count: int, account_id: int, reason: RejectReason, text: str) -> None:
        self.rejections.append(PendingRejection(account_id, reason, text, count))

    def refusal_for(self, command: PlaceOrder) -> RefuseOrder | None:
        """The venue's refusal of this order, if the sandbox refuses it: the port sends it to the
        core instead of the order, so the refusal is journaled like any other."""
        for pending in self.rejections:
            if pending.account_id in (0, command.account_id):
                pending.remaining -= 1
                if pending.remaining <= 0:
                    self.rejections.remove(pending)
                return self._refuse(command, "reject_next", pending.reason,
                                    pending.text or "rejected by the sandbox (reject-next)")
        plan = plan_for(command.client_order_id)
        if plan is not None and plan.outcome is Planned.REJECT:
            return self._refuse(command, "reject_convention", RejectReason.INSTRUMENT_NOT_TRADING,
                                "rejected by the sandbox (client order id convention)")
        inst = self.oms.instruments.get(command.instrument)
        if inst is not None and not hours.is_open(self.market_hours, inst.kind,
                                                  self.oms.clock.now_ns()):
            return self._refuse(command, "market_closed", RejectReason.INSTRUMENT_NOT_TRADING,
                                f"{inst.symbol} is outside market hours ({self.market_hours})")
        return None

    def _refuse(self, command: PlaceOrder, why: str, reason: RejectReason, text: str
                ) -> RefuseOrder:
        context = current.get()
        self.core.metrics.on_fault("any" if context is None else context.face, "place", why)
        log.warning("sandbox refused an order: %s (%s)", text, reason)
        return RefuseOrder(order=command, reason=reason, text=text)

    def describe(self) -> dict:
        return {
            "seed": self.seed,
            "market_hours": self.market_hours,
            "scenario": None if self.scenario is None else self.scenario.name,
            "market_maker": {"user_id": MM_USER_ID, "account_id": MM_ACCOUNT_ID},
            "liquidity": None if self.liquidity is None else self.liquidity.describe(),
            "faults": [rule_view(r) for r in self.faults.rules],
            "pending_rejections": sum(p.remaining for p in self.rejections),
        }


def rule_view(rule: FaultRule) -> dict:
    return msgspec.to_builtins(rule)


async def build(config, core) -> Sandbox | None:
    """The sandbox the configuration asks for (set up, not yet started), or None."""
    enabled = config.sandbox if config.sandbox is not None else bool(config.demo or config.scenario)
    if not enabled:
        return None
    scenario = load_scenario(config.scenario) if config.scenario else None
    seed = scenario.seed if scenario is not None and scenario.seed is not None else config.sandbox_seed
    liquidity = scenario.liquidity if scenario is not None else None
    if liquidity is None:
        liquidity = LiquidityConfig()
    markets = dict(DEMO_MARKETS) if config.demo else {}
    markets.update(liquidity.instruments)
    liquidity.instruments = markets
    if config.liquidity is not None:
        liquidity.enabled = config.liquidity
    market_hours = scenario.market_hours if scenario is not None else config.market_hours
    if config.market_hours != "always":
        market_hours = config.market_hours
    sandbox = Sandbox(core, seed=seed, liquidity=liquidity, market_hours=market_hours,
                      scenario=scenario)
    await sandbox.setup()
    return sandbox
