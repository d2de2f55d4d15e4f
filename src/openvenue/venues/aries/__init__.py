"""finance.dev "Aries" core trading API: OAuth2 client credentials, equities and single-leg
options, for the official `finance-dev` Python SDK (contracts/aries.md)."""

from __future__ import annotations

from openvenue.venues import Face


def _build(core, config):
    from openvenue.venues.aries.app import build

    return build(core, config)


def _manifest(core, config, base_url: str) -> dict:
    from openvenue.venues.aries.demo import manifest

    return manifest(core, config, base_url)


FACE = Face(name="aries", build=_build, manifest=_manifest)
