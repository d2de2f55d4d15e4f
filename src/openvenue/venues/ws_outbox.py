"""The output side of a WebSocket connection, shared by the faces that push events.

Replies and events are queued synchronously (events arrive inside the core's publish, which
must never wait for a socket) and one writer task sends them in order. A client that stops
reading is not allowed to grow its queue without bound: past ``MAX_OUTBOX`` frames the
connection is closed with 1013, and the client reconnects (and, where the face allows it,
resumes from its last sequence number).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

log = logging.getLogger(__name__)

MAX_OUTBOX = 50_000
SLOW_CONSUMER = 1013


class OutboxConnection:
    """Subclasses render queued items to text frames and say why a slow consumer is closed."""

    slow_consumer_reason = "slow consumer"

    def __init__(self, send) -> None:
        self._send = send
        self.outbox: deque[Any] = deque()
        self.wakeup = asyncio.Event()
        self.close_code: int | None = None

    def render(self, item: Any) -> str:
        return item

    def _queue(self, item: Any) -> None:
        self.outbox.append(item)
        if len(self.outbox) > MAX_OUTBOX and self.close_code is None:
            self.close_code = SLOW_CONSUMER
        self.wakeup.set()

    async def writer(self) -> None:
        try:
            while True:
                await self.wakeup.wait()
                self.wakeup.clear()
                outbox = self.outbox
                if self.close_code == SLOW_CONSUMER:
                    outbox.clear()
                while outbox:
                    await self._send({"type": "websocket.send",
                                      "text": self.render(outbox.popleft())})
                if self.close_code is not None:
                    reason = self.slow_consumer_reason if self.close_code == SLOW_CONSUMER else ""
                    await self._send({"type": "websocket.close", "code": self.close_code,
                                      "reason": reason})
                    return
        except (OSError, RuntimeError, asyncio.CancelledError):
            return  # the client went away; the reader notices and cleans up
        except Exception:
            log.exception("websocket writer failed")

    async def stop_writer(self, writer: asyncio.Task) -> None:
        """After the reader ends: when closing, let the writer flush the last frames and the
        close frame (briefly), then stop it."""
        if self.close_code is not None and not writer.done():
            self.wakeup.set()
            try:
                await asyncio.wait_for(writer, 2.0)
            except (TimeoutError, asyncio.CancelledError):
                pass
        writer.cancel()
