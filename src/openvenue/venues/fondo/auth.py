"""Fondo OAuth2 client credentials: partners, their access tokens, and the scope each call needs.

A partner (a distributor) is an OAuth client that acts as one core user; its clients are the
core clients owning the accounts that user may trade — so "a partner sees only its own clients"
is the core's permission model, not a rule of this face. Partners are gateway state, kept
beside the journal in DATA_DIR/fondo-partners.json with secrets as SHA-256 digests (like the
native API keys). Tokens live in memory only and expire on wall time (5 days, as documented),
not on the sandbox clock: moving the venue's clock by a week must not log partners out.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

import msgspec

from openvenue.domain.accounts import User
from openvenue.venues.http import HttpError, Request
from openvenue.venues.oauth_clients import OAuthClient as Partner
from openvenue.venues.oauth_clients import OAuthClients as Partners
from openvenue.venues.wire import bearer_token

ORDER_READ = "order:read"
ORDER_WRITE = "order:write"
ACCOUNT_READ = "account:read"
CLIENT_READ = "client:read"
INSTRUMENT_READ = "instrument:read"
ALL_SCOPES = frozenset({ORDER_READ, ORDER_WRITE, ACCOUNT_READ, CLIENT_READ, INSTRUMENT_READ})

TOKEN_TTL_S = 432_000  # the documented expires_in: 5 days


class Grant(msgspec.Struct, frozen=True):
    client_id: str
    user_id: int
    scopes: frozenset[str]
    expires_at: float


class Tokens:
    def __init__(self, clock: Callable[[], float] = time.time, ttl: int = TOKEN_TTL_S) -> None:
        self.clock = clock
        self.ttl = ttl
        self._grants: dict[str, Grant] = {}

    def issue(self, partner: Partner, scopes: frozenset[str]) -> str:
        now = self.clock()
        if len(self._grants) > 10_000:  # drop expired ones now and then
            self._grants = {t: g for t, g in self._grants.items() if g.expires_at > now}
        token = secrets.token_hex(16)
        token = f"{token[:8]}-{token[8:12]}-{token[12:16]}-{token[16:20]}-{token[20:]}"  # the docs' UUID look
        self._grants[token] = Grant(partner.client_id, partner.user_id, scopes, now + self.ttl)
        return token

    def grant(self, token: str) -> Grant | None:
        grant = self._grants.get(token)
        if grant is not None and grant.expires_at <= self.clock():
            del self._grants[token]
            return None
        return grant


def granted_scopes(requested: str | None, held: frozenset[str]) -> frozenset[str] | None:
    """The scopes a token gets: the requested ones (comma- or space-separated), all the partner
    holds when none is requested; None when a requested scope is not the partner's."""
    if requested is None or not requested.strip():
        return held
    wanted = frozenset(s.strip() for s in requested.replace(",", " ").split() if s.strip())
    return wanted if wanted <= held else None




class Authenticator:
    def __init__(self, partners: Partners, tokens: Tokens, users: dict[int, User]) -> None:
        self.partners = partners
        self.tokens = tokens
        self.users = users

    def user_for_token(self, token: str | None, scope: str) -> User:
        if token is None:
            raise HttpError(401, "unauthorized", "Missing bearer token")
        grant = self.tokens.grant(token)
        user = None if grant is None else self.users.get(grant.user_id)
        if grant is None or user is None or self.partners.get(grant.client_id) is None:
            raise HttpError(401, "unauthorized", "Invalid or expired access token")
        if scope not in grant.scopes:
            raise HttpError(403, "forbidden", f"The access token lacks the {scope} scope")
        return user

    def require(self, request: Request, scope: str) -> User:
        """The core user the request's partner token acts as, if the token grants ``scope``."""
        return self.user_for_token(bearer_token(request.header(b"authorization")), scope)
