"""Clear Street trading API v1: the official ``clearstreet`` SDK, unchanged, against openvenue."""

from __future__ import annotations

from openvenue.venues import Face


def _build(core, config):
    from openvenue.venues.clear_street.app import build

    return build(core, config)


def _manifest(core, config, base_url: str) -> dict:
    from openvenue.venues.clear_street.manifest import manifest

    return manifest(core, config, base_url)


FACE = Face(name="clear_street", build=_build, manifest=_manifest)
