"""Coinbase International Exchange (INTX) REST v1: what ``intx-sdk-py`` needs, under /api/v1."""

from __future__ import annotations

from openvenue.venues import Face


def _build(core, config):
    from openvenue.venues.coinbase_intx.app import build

    return build(core, config)


def _manifest(core, config, base_url: str) -> dict:
    from openvenue.venues.coinbase_intx.app import manifest

    return manifest(core, config, base_url)


FACE = Face(name="coinbase_intx", build=_build, manifest=_manifest)
