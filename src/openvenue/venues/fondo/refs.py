"""Executor references: the one order field Fondo has and the core does not.

``executorRef`` names the person who placed an order under power of attorney. It is gateway
data, not part of what the core decides, so it is kept beside the journal in an append-only
DATA_DIR/fondo-executors.jsonl (one ``[order_id, executorRef]`` line per order, written before
the reply) and read back at start-up.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

_line = msgspec.json.Decoder(tuple[int, str])


class ExecutorRefs:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._refs: dict[int, str] = {}
        if path is not None and path.exists():
            for raw in path.read_bytes().splitlines():
                try:
                    order_id, ref = _line.decode(raw)
                except msgspec.DecodeError:
                    continue  # a torn last line after a crash: that order shows no executorRef
                self._refs[order_id] = ref
        # kept open for the process's life: one append per order, no open() on the hot path
        self._file = None if path is None else open(path, "ab")  # noqa: SIM115

    def get(self, order_id: int) -> str:
        return self._refs.get(order_id, "")

    def put(self, order_id: int, ref: str) -> None:
        if not ref or self._refs.get(order_id) == ref:
            return
        self._refs[order_id] = ref
        if self._file is not None:
            self._file.write(msgspec.json.encode((order_id, ref)) + b"\n")
            self._file.flush()
