"""INTX API keys: access key -> (user, passphrase, signing secret), kept beside the journal.

An INTX key is three values: the access key (public), a passphrase and a base64 signing
secret. The venue checks an HMAC made with the secret, so the secret itself must be kept (a
digest would not do); the passphrase is only compared, so only its SHA-256 is kept. Like the
native keys (``venues/credentials.py``) they are a gateway concern, not core state: they live in
a file of the data directory (owner-only, replaced atomically), never in the journal.

The demo keys are fixed and documented on purpose (a local sandbox; tests copy them from the
manifest), one per demo trader, so two users of different portfolios can trade with each other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import time
from dataclasses import dataclass
from pathlib import Path

import msgspec

FILE_NAME = "coinbase_intx_keys.json"


class IntxKey(msgspec.Struct, kw_only=True):
    access_key: str
    user_id: int
    passphrase_sha256: str
    signing_key: str  # base64, as issued
    label: str = ""
    created_ns: int = 0

    def passphrase_matches(self, passphrase: str) -> bool:
        digest = hashlib.sha256(passphrase.encode()).hexdigest()
        return hmac.compare_digest(digest, self.passphrase_sha256)


class _File(msgspec.Struct):
    keys: list[IntxKey]


@dataclass(frozen=True)
class DemoKey:
    user_name: str  # a fixed demo user of openvenue.demo
    access_key: str
    passphrase: str
    signing_key: str


def _secret(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


DEMO_KEYS = (
    DemoKey("trader-1", "demo-intx-trader-1", "demo-intx-passphrase-1",
            _secret("openvenue demo INTX signing key, trader-1")),
    DemoKey("trader-2", "demo-intx-trader-2", "demo-intx-passphrase-2",
            _secret("openvenue demo INTX signing key, trader-2")),
)


class IntxKeys:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._by_access_key: dict[str, IntxKey] = {}
        if path is not None and path.exists():
            for key in msgspec.json.decode(path.read_bytes(), type=_File).keys:
                self._by_access_key[key.access_key] = key

    def get(self, access_key: str) -> IntxKey | None:
        return self._by_access_key.get(access_key)

    def install(self, user_id: int, access_key: str, passphrase: str, signing_key: str,
                label: str = "") -> IntxKey:
        """Register a key; idempotent for the same values, refused if the access key differs."""
        try:
            base64.b64decode(signing_key, validate=True)
        except binascii.Error:
            raise ValueError("the signing key must be valid base64") from None
        digest = hashlib.sha256(passphrase.encode()).hexdigest()
        existing = self._by_access_key.get(access_key)
        if existing is not None:
            if (existing.user_id, existing.passphrase_sha256, existing.signing_key) != (
                    user_id, digest, signing_key):
                raise ValueError(f"INTX access key {access_key} already exists with other values")
            return existing
        record = IntxKey(access_key=access_key, user_id=user_id, passphrase_sha256=digest,
                         signing_key=signing_key, label=label, created_ns=time.time_ns())
        self._by_access_key[access_key] = record
        self._save()
        return record

    def _save(self) -> None:
        if self.path is None:
            return
        keys = sorted(self._by_access_key.values(), key=lambda k: k.created_ns)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(msgspec.json.encode(_File(keys)))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)


def seed_demo(keys: IntxKeys, users_by_name: dict[str, int]) -> None:
    """Install the demo keys of whichever demo traders exist (idempotent)."""
    for demo in DEMO_KEYS:
        user_id = users_by_name.get(demo.user_name)
        if user_id is not None:
            keys.install(user_id, demo.access_key, demo.passphrase, demo.signing_key, label="demo")
