"""Counters and gauges of the running server, rendered in the Prometheus text format.

Counting is a dict increment on the hot path; everything derived (open orders, latency buckets)
is computed when ``/metrics`` is scraped, so an unscraped server pays almost nothing for it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable

# Upper bounds (seconds) of the journal commit latency histogram.
COMMIT_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0)


class Histogram:
    __slots__ = ("bounds", "count", "counts", "total")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.total = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        # the first bucket whose upper bound is >= value (Prometheus buckets are "le")
        self.counts[bisect_left(self.bounds, value)] += 1
        self.total += value
        self.count += 1


class Metrics:
    def __init__(self) -> None:
        self.commands: Counter[str] = Counter()
        self.events: Counter[str] = Counter()
        self.http_responses: Counter[tuple[str, int]] = Counter()
        self.ws_connections: Counter[str] = Counter()  # open connections by face
        self.journal_commit = Histogram(COMMIT_BUCKETS)
        self.faults: Counter[tuple[str, str, str]] = Counter()  # sandbox: (face, operation, fault)
        self.gauges: dict[str, tuple[str, Callable[[], float]]] = {}

    def on_events(self, events: list) -> None:
        counts = self.events
        for event in events:
            counts[type(event).__name__] += 1

    def on_response(self, face: str, status: int) -> None:
        self.http_responses[(face, status)] += 1

    def on_fault(self, face: str, operation: str, fault: str) -> None:
        self.faults[(face, operation, fault)] += 1

    def gauge(self, name: str, help_text: str, read: Callable[[], float]) -> None:
        """A value read at scrape time (open orders, sequence number...)."""
        self.gauges[name] = (help_text, read)

    def render(self) -> str:
        lines: list[str] = []

        def family(name: str, kind: str, help_text: str) -> None:
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")

        family("openvenue_commands_total", "counter", "Commands executed, by command type.")
        for name, value in sorted(self.commands.items()):
            lines.append(f'openvenue_commands_total{{command="{name}"}} {value}')
        family("openvenue_events_total", "counter", "Events emitted by the core, by event type.")
        for name, value in sorted(self.events.items()):
            lines.append(f'openvenue_events_total{{event="{name}"}} {value}')
        family("openvenue_http_responses_total", "counter", "HTTP responses, by face and status.")
        for (face, status), value in sorted(self.http_responses.items()):
            lines.append(f'openvenue_http_responses_total{{face="{face}",status="{status}"}} {value}')
        family("openvenue_websocket_connections", "gauge", "Open WebSocket connections, by face.")
        for face, value in sorted(self.ws_connections.items()):
            lines.append(f'openvenue_websocket_connections{{face="{face}"}} {value}')
        family("openvenue_faults_injected_total", "counter",
               "Faults and outcomes injected by the sandbox, by face, operation and fault.")
        for (face, operation, fault), value in sorted(self.faults.items()):
            lines.append(f'openvenue_faults_injected_total{{face="{face}",operation="{operation}",'
                         f'fault="{fault}"}} {value}')
        family("openvenue_journal_commit_seconds", "histogram",
               "Time from a command's execution to the durable commit of its events.")
        hist = self.journal_commit
        cumulative = 0
        for bound, count in zip(hist.bounds, hist.counts):
            cumulative += count
            lines.append(f'openvenue_journal_commit_seconds_bucket{{le="{bound}"}} {cumulative}')
        lines.append(f'openvenue_journal_commit_seconds_bucket{{le="+Inf"}} {hist.count}')
        lines.append(f"openvenue_journal_commit_seconds_sum {hist.total}")
        lines.append(f"openvenue_journal_commit_seconds_count {hist.count}")
        for name, (help_text, read) in sorted(self.gauges.items()):
            family(name, "gauge", help_text)
            lines.append(f"{name} {read()}")
        return "\n".join(lines) + "\n"
