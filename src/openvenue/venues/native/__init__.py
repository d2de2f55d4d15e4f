"""openvenue's own API: REST + WebSocket, documented by OpenAPI at /openapi.json and /docs."""

from __future__ import annotations

from openvenue.venues import Face


def _build(core, config):
    from openvenue.venues.native.app import build

    return build(core, config)


def _manifest(core, config, base_url: str) -> dict:
    from openvenue.demo import native_manifest

    return native_manifest(core, config, base_url)


FACE = Face(name="native", build=_build, manifest=_manifest)
