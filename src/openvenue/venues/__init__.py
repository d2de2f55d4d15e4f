"""Venue faces: each translates one wire API onto the core's commands and events.

A face is a package ``openvenue.venues.<name>`` whose ``FACE`` attribute is a ``Face``. The
server looks each known name up and gives every face that exists a listener of its own (each
venue's official client expects its own base URL); a face not yet built simply has no listener.
Adding a face is adding its package: nothing else registers it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# name -> port offset from the port base (README/contracts: native 8700, INTX 8701 ... Fondo 8705)
FACE_PORT_OFFSETS: dict[str, int] = {
    "native": 0,
    "coinbase_intx": 1,
    "clear_street": 2,
    "aries": 3,
    "alphapoint_apex": 4,
    "fondo": 5,
}


@dataclass(frozen=True)
class Face:
    name: str
    # builds the face's ASGI app from the shared Core and the server Config
    build: Callable[[Any, Any], Any]
    # this face's entry of the demo manifest, given the Core, the Config and its base URL
    manifest: Callable[[Any, Any, str], dict] | None = None
