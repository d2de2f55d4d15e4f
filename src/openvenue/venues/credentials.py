"""API keys: which user a bearer key acts as, kept hashed in a small file of the data directory.

Keys are a gateway concern, not core state: the core knows users and permissions, and a key is
only a way to prove one is that user. So keys live beside the journal rather than in it, are
stored as SHA-256 digests (a copied file gives no usable key) and are shown once, when created.
Writes replace the file atomically, so a crash leaves the old or the new set, never half of one.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from pathlib import Path

import msgspec


class ApiKey(msgspec.Struct, kw_only=True):
    key_id: str
    user_id: int
    label: str = ""
    sha256: str
    created_ns: int


class _File(msgspec.Struct):
    keys: list[ApiKey]


def _digest(api_key: str) -> str:
    """SHA-256 of a key: the file on disk keeps digests, never keys."""
    return hashlib.sha256(api_key.encode()).hexdigest()


_ANSWERS_KEPT = 4096  # presented keys remembered (bounded: random keys must not grow it)


class Credentials:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._by_digest: dict[str, ApiKey] = {}
        # presented key -> user id (or None): the same few keys come with every request, so
        # each is hashed once; kept in this process's memory only, and forgotten on any change
        self._answers: dict[str, int | None] = {}
        if path is not None and path.exists():
            for key in msgspec.json.decode(path.read_bytes(), type=_File).keys:
                self._by_digest[key.sha256] = key

    def user_for(self, api_key: str) -> int | None:
        answers = self._answers
        if api_key in answers:
            return answers[api_key]
        key = self._by_digest.get(_digest(api_key))
        user_id = None if key is None else key.user_id
        if len(answers) >= _ANSWERS_KEPT:
            answers.clear()
        answers[api_key] = user_id
        return user_id

    def keys(self) -> list[ApiKey]:
        return sorted(self._by_digest.values(), key=lambda k: k.created_ns)

    def create(self, user_id: int, label: str = "") -> tuple[ApiKey, str]:
        """A new random key for ``user_id``: the stored record and the key itself (shown once)."""
        api_key = "ov_" + secrets.token_urlsafe(24)
        return self.install(user_id, api_key, label), api_key

    def install(self, user_id: int, api_key: str, label: str = "") -> ApiKey:
        """Register a key chosen by the caller (the demo's fixed keys); idempotent."""
        digest = _digest(api_key)
        existing = self._by_digest.get(digest)
        if existing is not None:
            if existing.user_id != user_id:
                raise ValueError("that API key already belongs to another user")
            return existing
        record = ApiKey(key_id=digest[:12], user_id=user_id, label=label, sha256=digest,
                        created_ns=time.time_ns())
        self._by_digest[digest] = record
        self._save()
        return record

    def revoke(self, key_id: str) -> bool:
        for digest, record in self._by_digest.items():
            if record.key_id == key_id:
                del self._by_digest[digest]
                self._save()
                return True
        return False

    def _save(self) -> None:
        self._answers.clear()  # every change passes here: no remembered answer may outlive it
        if self.path is None:
            return
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "wb") as out:
            out.write(msgspec.json.encode(_File(self.keys())))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)
