"""The account event feed: order and fill events per account, kept for resume, pushed live.

Every order event carries the core's global sequence number. The feed keeps the most recent
events of each account (bounded), so a client that reconnects and names the last sequence number
it saw gets exactly the events it missed, then the live stream, with nothing lost or repeated in
between: taking the backlog and registering for live events happen in one synchronous step on
the event loop, where no command can run in between.

With a journal, events wait in the feed until the journal reports them committed
(``release``): a WebSocket client never sees an event that a crash could still take back.

If the events a client asks for are no longer retained (evicted, or from before this process
started), the feed says so instead of silently skipping them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from openvenue.domain import events as ev

# The events a trading client follows; reference data is not per account.
ACCOUNT_EVENTS = frozenset({
    ev.OrderAccepted, ev.OrderRejected, ev.OrderFilled, ev.OrderTriggered, ev.OrderReduced,
    ev.OrderPendingCancel, ev.OrderCanceled, ev.CancelRejected, ev.OrderReplaced,
    ev.ReplaceRejected, ev.OrderExpired, ev.FundOrderSent, ev.FundOrderSettled,
})

Listener = Callable[[ev.Event], None]


class ResumeUnavailable(Exception):
    def __init__(self, message: str, oldest_seq: int) -> None:
        super().__init__(message)
        self.oldest_seq = oldest_seq


class _AccountLog:
    __slots__ = ("events", "evicted_upto", "listeners")

    def __init__(self, retain: int) -> None:
        self.events: deque[ev.Event] = deque(maxlen=retain)
        self.evicted_upto = 0  # the highest sequence number no longer retained
        self.listeners: list[Listener] = []


class Feed:
    def __init__(self, retain_per_account: int, start_seq: int, *, gated: bool = False) -> None:
        self.retain = retain_per_account
        self.gated = gated
        self._uncommitted: deque[ev.Event] = deque()
        self.start_seq = start_seq  # events up to here happened before this process kept any
        self.head_seq = start_seq
        self._accounts: dict[int, _AccountLog] = {}

    def _log(self, account_id: int) -> _AccountLog:
        log = self._accounts.get(account_id)
        if log is None:
            log = self._accounts[account_id] = _AccountLog(self.retain)
            log.evicted_upto = self.start_seq
        return log

    def publish(self, events: Iterable[ev.Event]) -> None:
        """The core's listener: every command's events, in sequence."""
        if self.gated:
            self._uncommitted.extend(events)
        else:
            self._deliver(events)

    def release(self, durable_seq: int) -> None:
        """Deliver the held events up to ``durable_seq``, now committed."""
        held = self._uncommitted
        ready = []
        while held and held[0].seq <= durable_seq:
            ready.append(held.popleft())
        if ready:
            self._deliver(ready)

    def _deliver(self, events: Iterable[ev.Event]) -> None:
        wanted = ACCOUNT_EVENTS
        for event in events:
            self.head_seq = event.seq
            if type(event) not in wanted:
                continue
            log = self._accounts.get(event.account_id)  # type: ignore[union-attr]
            if log is None:
                log = self._log(event.account_id)  # type: ignore[union-attr]
            retained = log.events
            if len(retained) == self.retain:
                log.evicted_upto = retained[0].seq
            retained.append(event)
            for listener in log.listeners:
                listener(event)

    def subscribe(self, account_id: int, since_seq: int | None, listener: Listener
                  ) -> list[ev.Event]:
        """Register ``listener`` for the account's live events; return the missed ones first.

        ``since_seq`` is the last sequence number the client saw (None: live events only).
        """
        log = self._log(account_id)
        backlog: list[ev.Event] = []
        if since_seq is not None:
            if since_seq > self.head_seq:
                raise ResumeUnavailable(
                    f"sequence {since_seq} is ahead of the venue's last event {self.head_seq}",
                    log.evicted_upto + 1)
            if since_seq < log.evicted_upto:
                raise ResumeUnavailable(
                    f"events after {since_seq} are no longer retained for account {account_id}; "
                    f"the oldest available follows {log.evicted_upto}", log.evicted_upto + 1)
            backlog = [e for e in log.events if e.seq > since_seq]
        log.listeners.append(listener)
        return backlog

    def unsubscribe(self, account_id: int, listener: Listener) -> None:
        log = self._accounts.get(account_id)
        if log is not None and listener in log.listeners:
            log.listeners.remove(listener)
