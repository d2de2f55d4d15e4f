"""Aries OAuth2: client credentials, access and refresh tokens, and the scope each call needs.

An OAuth client is a way to act as one core user; what that user may do is still the core's
decision. Clients are gateway state, not core state, so they live beside the journal in
DATA_DIR/aries-clients.json with their secrets as SHA-256 digests, like the native API keys
(venues/credentials.py). Tokens are bearer strings kept only in memory: after a restart a client
gets 401 and the SDK fetches a new token, which is what it does for any expired token.

A token grants the requested scopes the client holds (possibly fewer, listed in its ``scope``, as
OAuth2 allows); an operation outside the granted scopes is 403, never 401, so the SDK does not
throw its token away and loop.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

import msgspec

from openvenue.domain.accounts import User
from openvenue.venues.aries.mapping import AriesError
from openvenue.venues.http import Request
from openvenue.venues.oauth_clients import OAuthClients
from openvenue.venues.wire import bearer_token

ORDER_EXECUTION = "order:execution"
ORDER_INFORMATION = "order:information"
ACCOUNT_INFORMATION = "account:information"
POSITION_INFORMATION = "position:information"
ALL_SCOPES = frozenset({ORDER_EXECUTION, ORDER_INFORMATION, ACCOUNT_INFORMATION,
                        POSITION_INFORMATION})

ACCESS_TOKEN_TTL_S = 3600  # > 60: the SDK renews 60 s before expiry
REFRESH_TOKEN_TTL_S = 30 * 24 * 3600
_PRUNE_EVERY = 1024  # issued tokens between sweeps of expired ones

_CHALLENGE = [(b"www-authenticate", b'Bearer realm="aries"')]


class Grant(msgspec.Struct, frozen=True):
    client_id: str
    user_id: int
    scopes: frozenset[str]
    expires_at: float


class Tokens:
    """Issued access and refresh tokens. ``clock`` returns seconds (a port, for tests)."""

    def __init__(self, clock: Callable[[], float] = time.time,
                 access_ttl: int = ACCESS_TOKEN_TTL_S) -> None:
        self.clock = clock
        self.access_ttl = access_ttl
        self._access: dict[str, Grant] = {}
        self._refresh: dict[str, Grant] = {}
        self._issued = 0

    def issue(self, client_id: str, user_id: int, scopes: frozenset[str]) -> tuple[str, str]:
        """A new (access token, refresh token) pair for these granted scopes."""
        now = self.clock()
        self._issued += 1
        if self._issued % _PRUNE_EVERY == 0:
            self._prune(now)
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self._access[access] = Grant(client_id, user_id, scopes, now + self.access_ttl)
        self._refresh[refresh] = Grant(client_id, user_id, scopes, now + REFRESH_TOKEN_TTL_S)
        return access, refresh

    def access(self, token: str) -> Grant | None:
        grant = self._access.get(token)
        if grant is None:
            return None
        if grant.expires_at <= self.clock():
            del self._access[token]
            return None
        return grant

    def redeem_refresh(self, token: str) -> Grant | None:
        """The grant behind a refresh token, which is used up (refresh tokens rotate)."""
        grant = self._refresh.pop(token, None)
        if grant is None or grant.expires_at <= self.clock():
            return None
        return grant

    def _prune(self, now: float) -> None:
        for table in (self._access, self._refresh):
            for token in [t for t, g in table.items() if g.expires_at <= now]:
                del table[token]


def granted_scopes(requested: str | None, held: frozenset[str]) -> frozenset[str]:
    """What a token gets: the requested scopes the client holds; no ``scope``: all it holds."""
    if requested is None or not requested.strip():
        return held
    return frozenset(requested.split()) & held




class Authenticator:
    def __init__(self, clients: OAuthClients, tokens: Tokens, users: dict[int, User]) -> None:
        self.clients = clients
        self.tokens = tokens
        self.users = users

    def require(self, request: Request, scope: str) -> User:
        """The user a request's bearer token acts as, if the token grants ``scope``."""
        token = bearer_token(request.header(b"authorization"))
        if token is None:
            raise AriesError(401, "UNAUTHORIZED", "a bearer access token is required: "
                             "Authorization: Bearer <access_token>", headers=_CHALLENGE)
        grant = self.tokens.access(token)
        user = None if grant is None else self.users.get(grant.user_id)
        if grant is None or user is None or self.clients.get(grant.client_id) is None:
            raise AriesError(401, "UNAUTHORIZED", "the access token is invalid or expired",
                             headers=_CHALLENGE)
        if scope not in grant.scopes:
            raise AriesError(403, "INSUFFICIENT_SCOPE",
                             f"the access token does not grant the {scope} scope")
        return user
