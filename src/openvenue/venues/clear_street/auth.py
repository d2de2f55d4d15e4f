"""Clear Street credentials: a static API key, ``Authorization: Bearer <api key>``.

The venue's key is an opaque bearer string owned by one user entitled to a set of accounts,
which is exactly what openvenue's API keys are: so a Clear Street key *is* an openvenue key
(created by the admin API, the demo's fixed keys among them), and no second key store exists to
drift from the first. Authentication says only who the caller is; whether that user may trade
an account is the core's decision. Naming an account the user is not entitled to is refused up
front with the seed's 403, which reveals nothing about orders.
"""

from __future__ import annotations

from openvenue.domain.accounts import User
from openvenue.venues.clear_street.mapping import PERMISSION_DENIED, error
from openvenue.venues.core import Core
from openvenue.venues.http import Request

INVALID_KEY = "Invalid API key"
_CHALLENGE = [(b"www-authenticate", b'Bearer realm="clear-street"')]


def authenticate(core: Core, request: Request) -> User:
    header = request.header(b"authorization") or ""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    user_id = core.credentials.user_for(token) if scheme.lower() == "bearer" and token else None
    user = None if user_id is None else core.oms.users.get(user_id)
    if user is None:  # missing, malformed, revoked and unknown keys read alike
        exc = error(401, INVALID_KEY)
        exc.headers = _CHALLENGE
        raise exc
    return user


def account_id_of(core: Core, user: User, text: str) -> int:
    """The path's account, once the user is known to be entitled to it."""
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise error(400, f"account_id: {text!r} is not an account number")
    account_id = int(text)
    if not user.may_read(account_id):
        raise error(403, PERMISSION_DENIED)
    if account_id not in core.oms.accounts:  # only an operator gets this far for it
        raise error(404, f"Account {account_id} not found")
    return account_id
