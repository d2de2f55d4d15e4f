"""The order manager: the single writer every command goes through.

For each command it authorises the user, validates, de-duplicates client order ids, runs the
order through the matching engine or the fund desk, moves statuses through the status machine
and emits sequenced events. It is the engine's ``ExecutionSink``: fills, self-trade cancels and
stop triggers come back here in the order they happen and become events at once.

Time comes only from the clock port. Timers (DAY/GTD expiry, delayed cancels) are due by that
clock and run before the next command or on ``tick()``, so a frozen clock freezes them too. With
a ``FundSchedule`` the fund desk's calendar is run the same way: once the clock passes a fund's
cut-off its waiting orders accepted before that instant are sent, a fund with a standing NAV
executes its sent orders when the NAV is struck, and executed orders settle after the fund's
settlement banking days — each before the next command, however far the clock jumped.

Authorisation never leaks existence: a user who may not see an account's orders is told
UNKNOWN_ORDER for an order named by id, exactly as for an id that does not exist. Naming an
account the user is not associated with is NOT_AUTHORIZED — that says nothing about orders.

Cancel of an order that is already terminal (filled, canceled, expired, replaced) is rejected
TOO_LATE_TO_CANCEL, whatever ended it: one answer, whichever way the race went.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal
from heapq import heappop, heappush

from openvenue.domain.accounts import Access, Account, Client, Permission, User
from openvenue.domain.commands import (
    CancelAllOrders,
    CancelOrder,
    Command,
    ExecuteFundOrders,
    FillOrder,
    PlaceOrder,
    RefuseOrder,
    ReplaceOrder,
    RunFundCutoff,
)
from openvenue.domain.events import (
    AccountDefined,
    CancelRejected,
    ClientDefined,
    Event,
    FundOrderSent,
    FundOrderSettled,
    InstrumentDefined,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderPendingCancel,
    OrderReduced,
    OrderRejected,
    OrderReplaced,
    OrderTriggered,
    ReplaceRejected,
    UserDefined,
)
from openvenue.domain.ids import OrderIdCodec
from openvenue.domain.instruments import Instrument
from openvenue.domain.orders import (
    BUY_SIDES,
    PENDING_STATUSES,
    STOP_TYPES,
    Liquidity,
    Order,
    OrderStatus,
    OrderType,
    TimeInForce,
    accepted_order,
)
from openvenue.domain.reasons import CancelReason, CancelRejectReason, RejectReason
from openvenue.engine.fund_calendar import NEVER, FundSchedule
from openvenue.engine.fund_desk import FundDesk
from openvenue.engine.matching import MatchingEngine
from openvenue.engine.sessions import day_end_ns
from openvenue.oms.book_keeping import OrderIndex
from openvenue.oms.clock import Clock, VenueClock, WallClock
from openvenue.oms.outcome import Outcome, outcome_of
from openvenue.oms.ports import OrderArchive
from openvenue.oms.validation import (
    OrderGrid,
    Rejection,
    check_client_order_id,
    on_grid,
    place_fields,
    validate_place,
)

SYSTEM_USER_ID = 0  # the venue itself: timers, cancel-on-disconnect, fund desk, operators' tools

EXPIRE = 0  # timer kinds
CANCEL_DUE = 1

_TAKER = Liquidity.TAKER
_MAKER = Liquidity.MAKER
_DAY = TimeInForce.DAY
_UNKNOWN = CancelRejectReason.UNKNOWN_ORDER
_NOT_AUTHORIZED = CancelRejectReason.NOT_AUTHORIZED
_ALREADY_PENDING = CancelRejectReason.ALREADY_PENDING
_TOO_LATE_TO_CANCEL = CancelRejectReason.TOO_LATE_TO_CANCEL
_CANCELED = OrderStatus.CANCELED
_PENDING_CANCEL = OrderStatus.PENDING_CANCEL
_SELF_TRADE = CancelReason.SELF_TRADE

EventListener = Callable[[list[Event]], None]


class OrderManager:
    def __init__(
        self,
        clock: Clock | None = None,
        *,
        id_key: bytes = b"openvenue",
        first_order_id: int = 1,
        fund_schedule: FundSchedule | None = None,
    ) -> None:
        if not 0 < first_order_id < 1 << 62:  # UUIDs embed 62 bits of the id (domain/ids.py)
            raise ValueError("first_order_id must be in [1, 2**62)")
        self.clock: Clock = clock or WallClock()
        # Read before every command: one of the venue's own clocks directly (a C call when
        # compiled), any other clock through its bound method.
        self._venue_clock = self.clock if isinstance(self.clock, VenueClock) else None
        self._now_ns = self.clock.now_ns
        self.ids = OrderIdCodec(id_key)
        self.engine = MatchingEngine(self)
        self.fund_desk = FundDesk()
        self.fund_schedule = fund_schedule
        # when the fund calendar next has work; 0: look again at the next command (recomputed
        # from the desk, so a recovered manager needs nothing restored)
        self._fund_due_ns = NEVER if fund_schedule is None else 0
        self.index = OrderIndex()
        self.instruments: dict[str, Instrument] = {}
        self.instruments_by_id: dict[int, Instrument] = {}
        self.grids: dict[str, OrderGrid] = {}
        self.clients: dict[int, Client] = {}
        self.accounts: dict[int, Account] = {}
        self.users: dict[int, User] = {}
        self.access: dict[int, Access] = {}  # by user id, beside ``users`` (see apply_user)
        self.apply_user(User(id=SYSTEM_USER_ID, name="system",
                             permissions=frozenset({Permission.OPERATOR})))
        self.fills: dict[int, list[OrderFilled]] = {}  # by account, in sequence
        self.seq = 0
        self.next_order_id = first_order_id
        self.next_trade_id = 1
        self.timers: list[tuple[int, int, int]] = []  # heap of (due_ns, kind, order_id)
        self.pending_cancels: dict[int, tuple[int, CancelReason, int]] = {}  # id -> user, reason, due
        self._fee_rates: dict[str, tuple[Decimal, Decimal]] = {}  # only instruments that charge
        # Closed orders that retention moved out of memory stay answerable from the store.
        self.archive: OrderArchive | None = None
        self._listeners: list[EventListener] = []
        self._events: list[Event] = []
        self._ts = 0
        self._handlers: dict[type, Callable[[Command], Outcome]] = {
            PlaceOrder: self.place,
            CancelOrder: self.cancel,
            CancelAllOrders: self.cancel_all,
            ReplaceOrder: self.replace,
            RefuseOrder: self.refuse,
            FillOrder: self.fill,
            RunFundCutoff: self.run_fund_cutoff,
            ExecuteFundOrders: self.execute_fund_orders,
        }

    # -- plumbing ----------------------------------------------------------------------------------

    def subscribe(self, listener: EventListener) -> None:
        """``listener`` receives each command's events, in sequence order, after the command."""
        self._listeners.append(listener)

    def execute(self, command: Command) -> Outcome:
        kind = type(command)
        # the order flow itself, called directly (a C call when compiled); the rest by table
        if kind is PlaceOrder:
            return self.place(command)
        if kind is CancelOrder:
            return self.cancel(command)
        try:
            handler = self._handlers[kind]
        except KeyError:
            raise TypeError(f"not a command: {kind.__name__}") from None
        return handler(command)

    def tick(self) -> Outcome:
        """Run whatever timers the clock has made due (expiries, delayed cancels)."""
        self._begin()
        return self._publish(Outcome(self._events))

    def _begin(self) -> int:
        clock = self._venue_clock
        ts = self._ts = self._now_ns() if clock is None else clock.now_ns()
        self._events = []
        timers = self.timers
        if timers and timers[0][0] <= ts:
            self._run_timers(ts)
        if ts >= self._fund_due_ns:
            self._run_fund_schedule(ts)
        return ts

    def _publish(self, outcome: Outcome) -> Outcome:
        if outcome.events:
            for listener in self._listeners:
                listener(outcome.events)
        return outcome

    def _next_seq(self) -> int:
        seq = self.seq = self.seq + 1
        return seq

    # -- reference data ----------------------------------------------------------------------------

    def define(self, item: Instrument | Client | Account | User) -> Outcome:
        """Define (or redefine) one piece of reference data, whatever its kind."""
        if type(item) is Instrument:
            return self.define_instrument(item)
        if type(item) is Client:
            return self.define_client(item)
        if type(item) is Account:
            return self.define_account(item)
        if type(item) is User:
            return self.define_user(item)
        raise TypeError(f"not reference data: {type(item).__name__}")

    def define_instrument(self, instrument: Instrument) -> Outcome:
        self._begin()
        self._events.append(InstrumentDefined(self._next_seq(), self._ts, instrument))
        self.apply_instrument(instrument)
        return self._publish(Outcome(self._events))

    def define_client(self, client: Client) -> Outcome:
        self._begin()
        self._events.append(ClientDefined(self._next_seq(), self._ts, client))
        self.clients[client.id] = client
        return self._publish(Outcome(self._events))

    def define_account(self, account: Account) -> Outcome:
        if account.client_id not in self.clients:
            raise ValueError(f"account {account.id}: unknown client {account.client_id}")
        self._begin()
        self._events.append(AccountDefined(self._next_seq(), self._ts, account))
        self.accounts[account.id] = account
        self.index.account(account.id)
        return self._publish(Outcome(self._events))

    def define_user(self, user: User) -> Outcome:
        if user.id == SYSTEM_USER_ID:
            raise ValueError(f"user id {SYSTEM_USER_ID} is the venue itself")
        self._begin()
        self._events.append(UserDefined(self._next_seq(), self._ts, user))
        self.apply_user(user)
        return self._publish(Outcome(self._events))

    def apply_user(self, user: User) -> None:
        """Install or replace a user with the rights the hot paths check (shared with replay and
        snapshot restore: users change only through here)."""
        self.users[user.id] = user
        self.access[user.id] = Access(user)

    def apply_instrument(self, instrument: Instrument) -> None:
        previous = self.instruments.get(instrument.symbol)
        if previous is not None and previous.id != instrument.id:
            raise ValueError(f"{instrument.symbol} already has id {previous.id}")
        self.instruments[instrument.symbol] = instrument
        self.instruments_by_id[instrument.id] = instrument
        self.grids[instrument.symbol] = OrderGrid(instrument)
        if not instrument.is_fund:
            self.engine.add_book(instrument.symbol)
        if instrument.maker_fee_rate or instrument.taker_fee_rate:
            self._fee_rates[instrument.symbol] = (instrument.maker_fee_rate, instrument.taker_fee_rate)
        else:
            self._fee_rates.pop(instrument.symbol, None)

    # -- place -------------------------------------------------------------------------------------

    def place(self, cmd: PlaceOrder) -> Outcome:
        ts = self._begin()
        fields = place_fields(cmd)
        (user_id, account_id, instrument, side, typ, _, _, _, tif, expire, coid, post_only, stp,
         _, session_id) = fields
        try:
            lots, price, stop, cash, is_buy, existing = self._vet_place(
                cmd, fields, self.access.get(user_id), ts)
        except Rejection as refused:
            return self._reject_place(cmd, refused.reason, refused.text)
        if existing is not None:  # a retry: the order it already placed (and any timers just run)
            return self._publish(outcome_of(self._events, existing))
        grid = self.grids[instrument]
        if tif is _DAY and not grid.is_fund:
            expire = day_end_ns(grid.instrument.kind, ts)
        order = self.new_order(
            self.next_order_id, account_id, user_id, instrument, coid, side, typ, tif, lots, price,
            stop, cash, post_only, stp, expire, session_id, is_buy, ts,
        )
        self.next_order_id += 1
        seq = self.seq = self.seq + 1
        self._events.append(OrderAccepted(
            seq, ts, order.id, account_id, user_id, instrument, coid, side, typ, tif, lots, price,
            stop, cash, post_only, stp, expire, session_id,
        ))
        self._route(order, grid.is_fund)
        if grid.is_fund and self.fund_schedule is not None:
            self._fund_due_ns = 0  # its cut-off may come before anything already due
        return self._publish(outcome_of(self._events, order))

    def check_place(self, cmd: PlaceOrder) -> Rejection | None:
        """Why ``cmd`` would be refused right now, or None; changes nothing.

        For faces whose venue places a batch all or nothing: every order is checked first.
        A retry of an order already placed passes (placing it returns that order).
        """
        try:
            self._vet_place(cmd, place_fields(cmd), self.access.get(cmd.user_id),
                            self.clock.now_ns())
        except Rejection as refused:
            return refused
        return None

    def _vet_place(self, cmd: PlaceOrder, fields: tuple, access: Access | None, ts: int
                   ) -> tuple[int, int, int, int, bool, Order | None]:
        """Every check of a PlaceOrder: ``(lots, price, stop, cash, is_buy, existing)`` or raises.

        ``fields`` is ``place_fields(cmd)``. ``existing`` is the order a retry of the same
        request already placed.
        """
        _, account_id, instrument, side, _, _, _, _, _, _, coid, post_only, _, _, _ = fields
        if access is None or not access.may_trade(account_id):
            raise Rejection(RejectReason.NOT_AUTHORIZED, "not authorised for this account")
        if account_id not in self.accounts:
            raise Rejection(RejectReason.UNKNOWN_ACCOUNT, f"unknown account {account_id}")
        lots, price, stop, cash = validate_place(cmd, self.grids.get(instrument), ts, fields)
        if coid:
            account = self.index.accounts[account_id]
            existing = account.by_client_order_id.get(coid)
            if existing is None and self.archive is not None:
                existing = self.archive.find_by_client_order_id(account_id, coid)
            if existing is not None:
                if _same_request(existing, cmd, lots, price, stop, cash):
                    return lots, price, stop, cash, existing.is_buy, existing
                raise Rejection(RejectReason.DUPLICATE_CLIENT_ORDER_ID,
                                f"client order id {coid} is already used")
        is_buy = side in BUY_SIDES
        if post_only and self.engine.would_cross(instrument, is_buy, price):
            raise Rejection(RejectReason.POST_ONLY_WOULD_CROSS,
                            "post-only order would take liquidity")
        return lots, price, stop, cash, is_buy, None

    def new_order(
        self, oid, account_id, user_id, instrument, coid, side, typ, tif, lots, price, stop, cash,
        post_only, stp, expire, session_id, is_buy, ts,
    ) -> Order:
        """Create and index an accepted order (shared with replay, so both build it alike)."""
        order = accepted_order(oid, account_id, user_id, instrument, coid, side, typ, tif, lots,
                               price, stop, cash, post_only, stp, expire, session_id, is_buy, ts)
        self.index.add(order)
        if expire:
            heappush(self.timers, (expire, EXPIRE, oid))
        return order

    def _route(self, order: Order, is_fund: bool) -> None:
        if is_fund:
            self.fund_desk.accept(order)
        else:
            self.engine.submit(order)

    def refuse(self, cmd: RefuseOrder) -> Outcome:
        """Record the venue's own refusal of an order (see RefuseOrder); nothing else changes."""
        self._begin()
        return self._reject_place(cmd.order, cmd.reason, cmd.text)

    def _reject_place(self, cmd: PlaceOrder, reason: RejectReason, text: str) -> Outcome:
        self._events.append(OrderRejected(
            self._next_seq(), self._ts, cmd.account_id, cmd.user_id, cmd.instrument,
            cmd.client_order_id, reason, text,
        ))
        return self._publish(Outcome(self._events, None, reason, text))

    # -- the engine's execution sink ---------------------------------------------------------------

    def on_trade(self, taker: Order, maker: Order, price: int, quantity: int) -> None:
        ts = self._ts
        trade_id = self.next_trade_id
        self.next_trade_id = trade_id + 1
        taker_fee = maker_fee = 0
        rates = self._fee_rates.get(taker.instrument)
        if rates is not None:
            maker_fee, taker_fee = _fee(price * quantity, rates[0]), _fee(price * quantity, rates[1])
            maker.fees += maker_fee
            taker.fees += taker_fee
        seq = self.seq
        self.seq = seq + 2
        taker_fill = OrderFilled(seq + 1, ts, taker.id, taker.account_id, trade_id, price, quantity,
                                 _TAKER, taker_fee, taker.leaves)
        maker_fill = OrderFilled(seq + 2, ts, maker.id, maker.account_id, trade_id, price, quantity,
                                 _MAKER, maker_fee, maker.leaves)
        self._events += (taker_fill, maker_fill)
        self.record_fill(taker_fill)
        self.record_fill(maker_fill)
        taker.updated_ns = maker.updated_ns = ts
        taker.record_fill()
        maker.record_fill()
        if not maker.leaves:
            self._closed(maker)
        if not taker.leaves:
            self._closed(taker)

    def on_canceled(self, order: Order, quantity: int, reason: CancelReason) -> None:
        self._finish_canceled(order, quantity, reason)

    def on_reduced(self, order: Order, quantity: int) -> None:
        order.updated_ns = self._ts
        self._events.append(OrderReduced(self._next_seq(), self._ts, order.id, order.account_id,
                                         quantity, order.leaves, _SELF_TRADE))

    def on_triggered(self, order: Order, last_price: int) -> None:
        order.updated_ns = self._ts
        self._events.append(OrderTriggered(self._next_seq(), self._ts, order.id, order.account_id,
                                           last_price))

    def record_fill(self, fill: OrderFilled) -> None:
        fills = self.fills.get(fill.account_id)
        if fills is None:
            fills = self.fills[fill.account_id] = []
        fills.append(fill)

    def _closed(self, order: Order) -> None:
        """The order reached a terminal status: drop it from the open indexes and settle any
        cancel still pending on it — that cancel is now too late."""
        self.index.close(order)
        pending = self.pending_cancels.pop(order.id, None)
        if pending is not None:
            self._events.append(CancelRejected(
                self._next_seq(), self._ts, pending[0], order.id, order.account_id,
                order.client_order_id, _TOO_LATE_TO_CANCEL,
            ))

    def _finish_canceled(self, order: Order, released: int, reason: CancelReason) -> None:
        ts = self._ts
        self.pending_cancels.pop(order.id, None)  # this is the pending cancel's own completion
        order.transition(_CANCELED)
        order.canceled_ns = order.updated_ns = ts
        order.done_reason = reason
        self._events.append(OrderCanceled(self._next_seq(), ts, order.id, order.account_id,
                                          released, reason))
        self._closed(order)

    # -- cancel ------------------------------------------------------------------------------------

    def cancel(self, cmd: CancelOrder) -> Outcome:
        ts = self._begin()
        found = self._find(cmd.user_id, cmd.order_id, cmd.account_id, cmd.client_order_id)
        if type(found) is not Order:
            return self._reject_cancel(cmd, found)
        order = found
        refusal = _cancel_refusal(order)
        if refusal is not None:
            return self._reject_cancel(cmd, refusal, order)
        if cmd.delay_ns > 0:
            due = ts + cmd.delay_ns
            order.transition(_PENDING_CANCEL)
            order.updated_ns = ts
            self.pending_cancels[order.id] = (cmd.user_id, cmd.reason, due)
            heappush(self.timers, (due, CANCEL_DUE, order.id))
            self._events.append(OrderPendingCancel(self._next_seq(), ts, order.id, order.account_id,
                                                   cmd.user_id, cmd.reason, due))
        else:
            self._cancel_now(order, cmd.reason)
        return self._publish(outcome_of(self._events, order))

    def _find(self, user_id: int, order_id: int, account_id: int, client_order_id: str
              ) -> Order | CancelRejectReason:
        """The order a request names, if this user may act on it; else why not (no leaks)."""
        access = self.access.get(user_id)
        if access is None:
            return _NOT_AUTHORIZED
        if account_id and not access.may_read(account_id):
            return _NOT_AUTHORIZED
        if order_id:
            order = self.index.orders.get(order_id)
            if order is None and self.archive is not None:
                order = self.archive.find_order(order_id)
            if order is None or (account_id and order.account_id != account_id):
                return _UNKNOWN
            if not access.may_read(order.account_id):
                return _UNKNOWN
        elif account_id and client_order_id:
            account = self.index.accounts.get(account_id)
            order = None if account is None else account.by_client_order_id.get(client_order_id)
            if order is None and self.archive is not None:
                order = self.archive.find_by_client_order_id(account_id, client_order_id)
            if order is None:
                return _UNKNOWN
        else:
            return _UNKNOWN
        if not access.may_trade(order.account_id):
            return _NOT_AUTHORIZED
        return order

    def _cancel_now(self, order: Order, reason: CancelReason) -> None:
        if order.instrument in self.fund_desk.waiting and self.fund_desk.withdraw(order):
            released = order.leaves
            order.leaves = 0
        else:
            released = self.engine.cancel(order)
        self._finish_canceled(order, released, reason)

    def _reject_cancel(self, cmd: CancelOrder, reason: CancelRejectReason,
                       order: Order | None = None) -> Outcome:
        self._events.append(CancelRejected(
            self._next_seq(), self._ts, cmd.user_id, cmd.order_id if order is None else order.id,
            cmd.account_id if order is None else order.account_id, cmd.client_order_id, reason,
        ))
        return self._publish(Outcome(self._events, order, reason))

    # -- cancel all --------------------------------------------------------------------------------

    def cancel_all(self, cmd: CancelAllOrders) -> Outcome:
        self._begin()
        access = self.access.get(cmd.user_id)
        if access is None or (cmd.account_id and not access.may_trade(cmd.account_id)):
            return self._publish(Outcome(self._events, None, _NOT_AUTHORIZED))
        if not access.operator and not access.trading:
            return self._publish(Outcome(self._events, None, _NOT_AUTHORIZED))
        index = self.index.accounts
        if cmd.account_id:
            account = index.get(cmd.account_id)
            candidates = [] if account is None else list(account.open.values())
        elif cmd.session_id:
            candidates = list(self.index.sessions.get(cmd.session_id, {}).values())
        else:
            accounts = index if access.operator else access.account_ids
            candidates = [o for a in accounts if a in index for o in index[a].open.values()]
        outcome = Outcome(self._events)
        results: list[tuple[Order, CancelRejectReason | None]] = []
        outcome.results = results
        for order in sorted(candidates, key=_by_id):
            if not access.may_trade(order.account_id):
                continue
            if cmd.instrument is not None and order.instrument != cmd.instrument:
                continue
            if cmd.side is not None and order.side is not cmd.side:
                continue
            if cmd.type is not None and order.type is not cmd.type:
                continue
            if cmd.session_id and order.session_id != cmd.session_id:
                continue
            refusal = _cancel_refusal(order)
            if refusal is None:
                self._cancel_now(order, cmd.reason)
            else:
                self._events.append(CancelRejected(
                    self._next_seq(), self._ts, cmd.user_id, order.id, order.account_id,
                    order.client_order_id, refusal,
                ))
            results.append((order, refusal))
        return self._publish(outcome)

    # -- replace -----------------------------------------------------------------------------------

    def replace(self, cmd: ReplaceOrder) -> Outcome:
        ts = self._begin()
        found = self._find(cmd.user_id, cmd.order_id, cmd.account_id, cmd.client_order_id)
        if type(found) is not Order:
            reason = (RejectReason.NOT_AUTHORIZED if found is _NOT_AUTHORIZED
                      else RejectReason.UNKNOWN_ORDER)
            return self._reject_replace(cmd, reason, None)
        order = found
        if order.status in PENDING_STATUSES:
            return self._reject_replace(cmd, RejectReason.ALREADY_PENDING, order)
        if not order.is_open or order.sent_to_fund:
            return self._reject_replace(cmd, RejectReason.TOO_LATE_TO_REPLACE, order)
        inst = self.instruments[order.instrument]
        if inst.is_fund:  # a fund order is canceled and placed again, never amended
            return self._reject_replace(cmd, RejectReason.INVALID_ORDER_TYPE, order,
                                        "fund orders cannot be replaced")
        try:
            lots, price, stop = self._replacement_values(cmd, order, inst)
        except Rejection as refused:
            return self._reject_replace(cmd, refused.reason, order, refused.text)
        new_coid = cmd.new_client_order_id
        account = self.index.accounts[order.account_id]
        if new_coid and new_coid != order.client_order_id:
            if new_coid in account.by_client_order_id or (
                    self.archive is not None
                    and self.archive.find_by_client_order_id(order.account_id, new_coid)):
                return self._reject_replace(cmd, RejectReason.DUPLICATE_CLIENT_ORDER_ID, order)
        if order.post_only and price != order.price and self.engine.would_cross(
                order.instrument, order.is_buy, price):
            return self._reject_replace(cmd, RejectReason.POST_ONLY_WOULD_CROSS, order)
        if cmd.as_new_order:
            return self._replace_withnew_order(order, lots, price, stop, new_coid)

        keeps_priority = price == order.price and stop == order.stop_price and lots <= order.quantity
        if new_coid and new_coid != order.client_order_id:
            account.by_client_order_id[new_coid] = order
            order.client_order_id = new_coid
        order.updated_ns = ts
        new_leaves = _leaves_after(order, lots)
        if keeps_priority:
            self.engine.reduce(order, new_leaves)
            order.quantity = lots
        else:
            self.engine.unlink(order)
            order.quantity, order.price, order.stop_price, order.leaves = lots, price, stop, new_leaves
        self._events.append(OrderReplaced(
            self._next_seq(), ts, order.id, order.account_id, order.client_order_id, lots, price,
            stop, new_leaves, keeps_priority,
        ))
        if not keeps_priority:
            self.engine.submit(order)
        return self._publish(outcome_of(self._events, order))

    def _replacement_values(self, cmd: ReplaceOrder, order: Order, inst: Instrument
                            ) -> tuple[int, int, int]:
        R = RejectReason
        lots, price, stop = order.quantity, order.price, order.stop_price
        if cmd.quantity is not None:
            lots = on_grid(cmd.quantity, inst.lot_size, R.INVALID_QUANTITY_INCREMENT,
                           R.INVALID_QUANTITY, "quantity")
            if _leaves_after(order, lots) <= 0:
                raise Rejection(R.INVALID_QUANTITY,
                                "the new quantity must exceed what is filled or taken off")
        if cmd.price is not None:
            if order.type not in (OrderType.LIMIT, OrderType.STOP_LIMIT):
                raise Rejection(R.INVALID_PRICE, f"a {order.type} order has no limit price")
            price = on_grid(cmd.price, inst.tick_size, R.INVALID_PRICE_INCREMENT, R.INVALID_PRICE,
                            "price")
        if cmd.stop_price is not None:
            if order.type not in STOP_TYPES or order.triggered:
                raise Rejection(R.INVALID_STOP_PRICE, "only an untriggered stop has a stop price")
            stop = on_grid(cmd.stop_price, inst.tick_size, R.INVALID_PRICE_INCREMENT,
                           R.INVALID_STOP_PRICE, "stop price")
        if cmd.new_client_order_id:
            check_client_order_id(cmd.new_client_order_id)
        unchanged = (lots, price, stop) == (order.quantity, order.price, order.stop_price)
        if unchanged and not cmd.as_new_order and cmd.new_client_order_id in ("", order.client_order_id):
            raise Rejection(R.NOTHING_TO_CHANGE, "the replace changes nothing")
        return lots, price, stop

    def _replace_withnew_order(self, old: Order, lots: int, price: int, stop: int, coid: str
                                ) -> Outcome:
        """Cancel/replace with a new order id: ``old`` ends REPLACED, a new order carries on."""
        ts = self._ts
        new_id = self.next_order_id
        self.next_order_id += 1
        remaining = _leaves_after(old, lots)
        self.engine.cancel(old)
        old.transition(OrderStatus.REPLACED)
        old.updated_ns = ts
        old.replaced_by = new_id
        self._events.append(OrderReplaced(
            self._next_seq(), ts, old.id, old.account_id, old.client_order_id, lots, price, stop,
            0, False, new_id,
        ))
        self._closed(old)
        coid = coid or old.client_order_id
        order = self.new_order(
            new_id, old.account_id, old.user_id, old.instrument, coid, old.side, old.type,
            old.time_in_force, remaining, price, stop, 0, old.post_only, old.stp, old.expire_ns,
            old.session_id, old.is_buy, ts,
        )
        order.replaces = old.id
        order.triggered = old.triggered
        self._events.append(OrderAccepted(
            self._next_seq(), ts, order.id, order.account_id, order.user_id, order.instrument,
            coid, order.side, order.type, order.time_in_force, remaining, price, stop, 0,
            order.post_only, order.stp, order.expire_ns, order.session_id, old.id,
        ))
        self.engine.submit(order)
        return self._publish(outcome_of(self._events, order))

    def _reject_replace(self, cmd: ReplaceOrder, reason: RejectReason, order: Order | None,
                        text: str = "") -> Outcome:
        self._events.append(ReplaceRejected(
            self._next_seq(), self._ts, cmd.user_id, cmd.order_id if order is None else order.id,
            cmd.account_id if order is None else order.account_id, cmd.client_order_id, reason,
        ))
        return self._publish(Outcome(self._events, order, reason, text))

    # -- venue-side executions -------------------------------------------------------------------

    def fill(self, cmd: FillOrder) -> Outcome:
        """Execute against a resting order on the venue's own account (see FillOrder).

        A refusal changes nothing and records nothing: no order command was refused, an operator
        tool was misused.
        """
        ts = self._begin()
        order = self.index.orders.get(cmd.order_id)
        if order is None:
            return self._publish(Outcome(self._events, None, RejectReason.UNKNOWN_ORDER))
        if not order.is_open or not order.on_book:
            return self._publish(Outcome(self._events, order, RejectReason.NOT_RESTING,
                                         "only an open order resting in the book can be filled"))
        grid = self.grids[order.instrument]
        try:
            quantity = order.leaves if cmd.quantity is None else grid.lots.units(cmd.quantity)
            price = order.price if cmd.price is None else grid.ticks.units(cmd.price)
        except Rejection as refused:
            return self._publish(Outcome(self._events, order, refused.reason, refused.text))
        if quantity > order.leaves:
            return self._publish(Outcome(self._events, order, RejectReason.INVALID_QUANTITY,
                                         "more than the order's leaves"))
        if price > order.price if order.is_buy else price < order.price:
            return self._publish(Outcome(self._events, order, RejectReason.INVALID_PRICE,
                                         "worse for the order than its limit"))
        self.engine.execute_against(order, quantity, price)
        trade_id = self.next_trade_id
        self.next_trade_id += 1
        fill = OrderFilled(self._next_seq(), ts, order.id, order.account_id, trade_id, price,
                           quantity, _MAKER, 0, order.leaves)
        self._events.append(fill)
        self.record_fill(fill)
        order.updated_ns = ts
        order.record_fill()
        if not order.leaves:
            self._closed(order)
        self.engine.run_stops(order.instrument)
        return self._publish(outcome_of(self._events, order))

    # -- timers ------------------------------------------------------------------------------------

    def _run_timers(self, now: int) -> None:
        timers = self.timers
        orders = self.index.orders
        while timers and timers[0][0] <= now:
            due, kind, order_id = heappop(timers)
            order = orders.get(order_id)
            if order is None or not order.is_open:
                continue
            if kind == EXPIRE:
                if order.expire_ns == due:
                    self._expire(order)
            else:
                pending = self.pending_cancels.get(order_id)
                if pending is not None and pending[2] == due:
                    self._cancel_now(order, pending[1])

    def _expire(self, order: Order) -> None:
        released = self.engine.cancel(order)
        order.transition(OrderStatus.EXPIRED)
        order.updated_ns = self._ts
        self._events.append(OrderExpired(self._next_seq(), self._ts, order.id, order.account_id,
                                         released))
        self._closed(order)

    # -- fund desk ---------------------------------------------------------------------------------

    def run_fund_cutoff(self, cmd: RunFundCutoff) -> Outcome:
        self._begin()
        self._send_fund_orders(cmd.instrument, 0)
        return self._publish(Outcome(self._events))

    def _send_fund_orders(self, instrument: str, accepted_before_ns: int) -> None:
        ts = self._ts
        for order in self.fund_desk.cut_off(instrument, accepted_before_ns):
            order.updated_ns = ts
            self._events.append(FundOrderSent(self._next_seq(), ts, order.id, order.account_id))

    def _run_fund_schedule(self, ts: int) -> None:
        """Whatever the fund calendar has made due by ``ts``: cut-offs, NAV strikes, settlements."""
        schedule = self.fund_schedule
        desk = self.fund_desk
        due = NEVER
        for symbol in [s for s, waiting in desk.waiting.items() if waiting]:
            self._send_fund_orders(symbol, schedule.last_cutoff_ns(symbol, ts))
            if desk.waiting.get(symbol):
                due = min(due, schedule.next_cutoff_ns(symbol, ts))
        for symbol in [s for s, sent in desk.sent.items() if sent]:
            standing = schedule.navs.get(symbol)
            if standing is None:
                continue  # waits for an operator to set the NAV
            strike = schedule.nav_strike_ns(symbol, min(o.updated_ns for o in desk.sent[symbol].values()))
            if strike <= ts:
                try:
                    self._execute_fund(self.instruments[symbol], standing[0])
                except Rejection:  # an off-grid standing NAV: the orders wait for a valid one
                    continue
            else:
                due = min(due, strike)
        for symbol in list(desk.executed):
            for order in list(desk.executed[symbol].values()):
                settles = schedule.settlement_ns(symbol, order.updated_ns)
                if settles <= ts:
                    desk.settle(order)
                    order.settled_ns = order.updated_ns = ts
                    self._events.append(FundOrderSettled(self._next_seq(), ts, order.id,
                                                         order.account_id))
                else:
                    due = min(due, settles)
        self._fund_due_ns = due

    def execute_fund_orders(self, cmd: ExecuteFundOrders) -> Outcome:
        self._begin()
        inst = self.instruments.get(cmd.instrument)
        if inst is None or not inst.is_fund:
            return self._publish(Outcome(self._events, None, RejectReason.UNKNOWN_INSTRUMENT))
        try:
            self._execute_fund(inst, cmd.nav)
        except Rejection as refused:
            return self._publish(Outcome(self._events, None, refused.reason, refused.text))
        if self.fund_schedule is not None:
            self._fund_due_ns = 0  # the executions now wait for settlement
        return self._publish(Outcome(self._events))

    def _execute_fund(self, inst: Instrument, nav_value: Decimal) -> None:
        ts = self._ts
        nav = on_grid(nav_value, inst.tick_size, RejectReason.INVALID_PRICE_INCREMENT,
                      RejectReason.INVALID_PRICE, "NAV")
        for execution in self.fund_desk.execute(inst, nav):
            order = execution.order
            trade_id = self.next_trade_id
            self.next_trade_id += 1
            apply_fund_fill(order, execution.lots, nav, execution.cash, ts)
            fill = OrderFilled(self._next_seq(), ts, order.id, order.account_id, trade_id, nav,
                               execution.lots, Liquidity.NAV, 0, 0, execution.cash)
            self._events.append(fill)
            self.record_fill(fill)
            order.record_fill()
            self._closed(order)


def apply_fund_fill(order: Order, lots: int, nav: int, cash: int, ts: int) -> None:
    if order.is_buy:
        order.quantity = lots  # a subscription learns its units only at NAV
    order.filled = lots
    order.leaves = 0
    order.notional = nav * lots
    order.cash_amount = cash
    order.updated_ns = ts


def _cancel_refusal(order: Order) -> CancelRejectReason | None:
    """Why ``order`` cannot be canceled now (already pending, or too late), or None."""
    if order.status in PENDING_STATUSES:
        return _ALREADY_PENDING
    if not order.is_open or order.sent_to_fund:
        return _TOO_LATE_TO_CANCEL
    return None


def _leaves_after(order: Order, quantity: int) -> int:
    """An open order's leaves once its quantity becomes ``quantity``.

    The change in quantity moves the leaves by as much; lots already filled, or taken off by
    decrement-and-cancel self-trade prevention, stay gone.
    """
    return order.leaves + quantity - order.quantity


def _fee(value: int, rate: Decimal) -> int:
    return int((value * rate).to_integral_value(ROUND_HALF_EVEN))


def _by_id(order: Order) -> int:
    return order.id


def _same_request(order: Order, cmd: PlaceOrder, lots: int, price: int, stop: int, cash: int) -> bool:
    """Whether a PlaceOrder reusing ``order``'s client order id asks for the very same order."""
    return (
        order.instrument == cmd.instrument and order.side is cmd.side and order.type is cmd.type
        and order.time_in_force is cmd.time_in_force and order.quantity == lots
        and order.price == price and order.stop_price == stop
        and (order.cash_amount == cash or order.filled)
        and order.post_only == cmd.post_only and order.stp is cmd.stp
    )
