"""OAuth2 client-credentials clients of the faces that issue tokens (Aries, Fondo).

Each client acts as one core user with a set of scopes. Secrets are kept only as SHA-256
digests, in a JSON file of the face's own under the data directory (owner-only), never in the
journal: credentials are gateway state, not trading history.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import msgspec


class OAuthClient(msgspec.Struct, kw_only=True):
    client_id: str
    secret_sha256: str
    user_id: int
    scopes: list[str]


class _File(msgspec.Struct):
    clients: list[OAuthClient]


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class OAuthClients:
    """Registered OAuth clients, persisted (hashed) when a path is given."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._clients: dict[str, OAuthClient] = {}
        if path is not None and path.exists():
            for client in msgspec.json.decode(path.read_bytes(), type=_File).clients:
                self._clients[client.client_id] = client

    def get(self, client_id: str) -> OAuthClient | None:
        return self._clients.get(client_id)

    def verify(self, client_id: str, secret: str) -> OAuthClient | None:
        client = self._clients.get(client_id)
        # constant-time compare: a secret must not be guessable from response timings
        if client is None or not hmac.compare_digest(client.secret_sha256, _digest(secret)):
            return None
        return client

    def install(self, client_id: str, secret: str, user_id: int, scopes: frozenset[str]) -> None:
        """Register a client with a chosen secret (the demo's fixed ones); idempotent."""
        record = OAuthClient(client_id=client_id, secret_sha256=_digest(secret), user_id=user_id,
                             scopes=sorted(scopes))
        if self._clients.get(client_id) == record:
            return
        self._clients[client_id] = record
        self._save()

    def _save(self) -> None:
        if self.path is None:
            return
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "wb") as out:
            out.write(msgspec.json.encode(_File(sorted(self._clients.values(),
                                                       key=lambda c: c.client_id))))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)
