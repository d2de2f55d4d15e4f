"""AlphaPoint APEX: the OMS WebSocket API (``/WSGateway/``) for APEX clients such as the npm
``alphapoint-apex-api``: logins, orders, cancels, account events."""

from __future__ import annotations

from openvenue.venues import Face


def _build(core, config):
    from openvenue.venues.alphapoint_apex.app import build

    return build(core, config)


def _manifest(core, config, base_url: str) -> dict:
    from openvenue.venues.alphapoint_apex.app import manifest

    return manifest(core, config, base_url)


FACE = Face(name="alphapoint_apex", build=_build, manifest=_manifest)
