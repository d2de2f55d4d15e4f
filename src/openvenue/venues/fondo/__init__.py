"""Fondo Partner API 2.0.0: fund subscriptions and redemptions placed by distributors (partners)
for their clients, on the core's fund desk (contracts/fondo.md). No official client exists: the
Partner API documentation is the contract, exercised with plain HTTP."""

from __future__ import annotations

from openvenue.venues import Face


def _build(core, config):
    from openvenue.venues.fondo.app import build

    return build(core, config)


def _manifest(core, config, base_url: str) -> dict:
    from openvenue.venues.fondo.demo import manifest

    return manifest(core, config, base_url)


FACE = Face(name="fondo", build=_build, manifest=_manifest)
