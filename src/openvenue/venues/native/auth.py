"""Native API credentials: ``Authorization: Bearer <api key>`` for users, the admin key for admin.

Authentication only says who the caller is; what that user may do is decided by the core (and,
for reads, by the user's permissions the core holds). A missing or unknown key is 401 with the
same message whether the key was malformed, revoked or never existed.
"""

from __future__ import annotations

import hmac

from openvenue.domain.accounts import User
from openvenue.venues.core import Core
from openvenue.venues.http import HttpError, Request
from openvenue.venues.wire import bearer_token, bearer_token_of

_CHALLENGE = [(b"www-authenticate", b'Bearer realm="openvenue"')]




def user_for_key(core: Core, api_key: str | None) -> User | None:
    if not api_key:
        return None
    user_id = core.credentials.user_for(api_key)
    return None if user_id is None else core.oms.users.get(user_id)


def authenticate(core: Core, request: Request) -> User:
    token = bearer_token_of(request.raw_header(b"authorization"))
    if token is None:
        raise HttpError(401, "UNAUTHENTICATED", "an API key is required: "
                        "Authorization: Bearer <api key>", _CHALLENGE)
    user = user_for_key(core, token)
    if user is None:
        raise HttpError(401, "UNAUTHENTICATED", "invalid API key", _CHALLENGE)
    return user


def require_admin(core: Core, request: Request) -> None:
    token = bearer_token(request.header(b"authorization"))
    if token is None:
        raise HttpError(401, "UNAUTHENTICATED", "the admin key is required: "
                        "Authorization: Bearer <admin key>", _CHALLENGE)
    # constant time: the admin key must not be guessable byte by byte from response timings
    if not hmac.compare_digest(token.encode(), core.admin_key.encode()):
        if user_for_key(core, token) is not None:
            raise HttpError(403, "FORBIDDEN", "admin endpoints need the admin key, not a user's key")
        raise HttpError(401, "UNAUTHENTICATED", "invalid admin key", _CHALLENGE)


def require_readable(user: User, account_id: int) -> None:
    """Naming an account one may not read is refused outright; that reveals no order."""
    if not user.may_read(account_id):
        raise HttpError(403, "NOT_AUTHORIZED", f"not permitted to read account {account_id}")
