"""The sandbox's command port: the real port, with the sandbox's say before and after a command.

Before: fault rules that name an account (only here is every command's account known), the
admin's "reject the next order", the client-order-id convention's rejections, market hours, and
a delayed cancel asked for by a fault rule (``CancelOrder.delay_ns``). After: the convention's
fills. The market maker's own commands pass straight through. Refusals made here never reach the
core: nothing is journaled for them, exactly as for a request a venue's gateway turns away.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

import msgspec

from openvenue.domain.commands import (
    CancelAllOrders,
    CancelOrder,
    Command,
    PlaceOrder,
    ReplaceOrder,
)
from openvenue.oms.outcome import Outcome
from openvenue.sandbox.conventions import Planned, plan_for
from openvenue.sandbox.faults import current

log = logging.getLogger("openvenue.sandbox")


class SandboxPort:
    def __init__(self, inner, sandbox) -> None:
        self.inner = inner
        self.sandbox = sandbox
        self.durable = getattr(inner, "durable", False)
        self._tasks: set[asyncio.Task] = set()

    def _account_of(self, command: Command) -> int:
        account_id = getattr(command, "account_id", 0)
        if not account_id and isinstance(command, (CancelOrder, ReplaceOrder)) and command.order_id:
            order = self.sandbox.oms.index.orders.get(command.order_id)
            account_id = 0 if order is None else order.account_id
        return account_id

    def execute(self, command: Command) -> Awaitable[Outcome]:
        context = current.get()
        if ((context is None and not isinstance(command, PlaceOrder))
                or getattr(command, "user_id", None) == self.sandbox.mm_user_id):
            # Nothing to add: no request context (fault rules or a WebSocket session set one),
            # so no rule can match, and only places have sandbox outcomes of their own. Hand
            # back the real port's awaitable rather than awaiting it in one more coroutine.
            return self.inner.execute(command)
        return self._execute(command, context)

    async def _execute(self, command: Command, context) -> Outcome:
        sandbox = self.sandbox
        if context is not None and isinstance(command, (PlaceOrder, CancelOrder, ReplaceOrder,
                                                        CancelAllOrders)):
            await sandbox.faults.before_command(self._account_of(command))
        if isinstance(command, PlaceOrder):
            refused = sandbox.refusal_for(command)
            if refused is not None:
                return await self.inner.execute(refused)
        elif (isinstance(command, CancelOrder) and context is not None
              and context.cancel_delay_ns and not command.delay_ns):
            command = msgspec.structs.replace(command, delay_ns=context.cancel_delay_ns)
        outcome = await self.inner.execute(command)
        if isinstance(command, PlaceOrder) and outcome.reason is None and outcome.order is not None:
            self._after_place(command, outcome)
        return outcome

    def _after_place(self, command: PlaceOrder, outcome: Outcome) -> None:
        plan = plan_for(command.client_order_id)
        order = outcome.order
        liquidity = self.sandbox.liquidity
        if plan is None or liquidity is None or not order.is_open or not outcome.events:
            return
        if plan.outcome is Planned.NO_FILL:
            liquidity.guarded.add(order.id)
            self._spawn(liquidity.requote(order.instrument))
        elif plan.outcome is Planned.FILL and order.price:
            self._spawn(liquidity.fill(order, order.leaves))
        elif plan.outcome is Planned.PARTIAL:
            liquidity.guarded.add(order.id)  # the rest stays unfilled by the simulated market
            self._spawn(liquidity.requote(order.instrument))
            missing = order.quantity * plan.percent // 100 - order.filled
            if missing > 0 and order.price:
                self._spawn(liquidity.fill(order, min(missing, order.leaves)))

    def _spawn(self, coroutine) -> None:
        # after the reply: the client sees its order accepted, then filled, as from a venue
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def define(self, item) -> Outcome:
        return await self.inner.define(item)

    async def tick(self) -> Outcome:
        return await self.inner.tick()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self.inner.close()
