"""Wire formats several faces share: bearer credentials and RFC 3339 UTC timestamps.

Timestamps are formatted from the core's nanoseconds with a small cache of the seconds part:
the timestamps a venue shows (created, updated, fills) fall into few distinct seconds, and
``strftime`` is the expensive half.
"""

from __future__ import annotations

import time


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


_TOKENS: dict[bytes, str | None] = {}
_TOKENS_KEPT = 4096
_UNSEEN = object()


def bearer_token_of(authorization: bytes | None) -> str | None:
    """``bearer_token`` of a header value as it came, remembered per value: a client sends the
    same header with every request (bounded, so that random headers cannot grow it)."""
    if authorization is None:
        return None
    token = _TOKENS.get(authorization, _UNSEEN)
    if token is _UNSEEN:
        token = bearer_token(authorization.decode("latin-1"))
        if len(_TOKENS) >= _TOKENS_KEPT:
            _TOKENS.clear()
        _TOKENS[authorization] = token
    return token


_SECONDS: dict[int, str] = {}
_SECONDS_KEPT = 4096


def _seconds_part(seconds: int) -> str:
    text = _SECONDS.get(seconds)
    if text is None:
        if len(_SECONDS) >= _SECONDS_KEPT:
            _SECONDS.clear()
        text = _SECONDS[seconds] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return text


def rfc3339_ns(ns: int) -> str:
    """``2025-10-31T13:30:00.000000000Z``: nanosecond precision."""
    if ns >= 1_000_000_000:  # the fraction is the last nine digits: no format spec to run
        return f"{_seconds_part(ns // 1_000_000_000)}.{str(ns)[-9:]}Z"
    seconds, nanos = divmod(ns, 1_000_000_000)
    return f"{_seconds_part(seconds)}.{nanos:09d}Z"


def rfc3339_ms(ns: int) -> str:
    """``2025-10-31T13:30:00.000Z``: millisecond precision."""
    seconds, nanos = divmod(ns, 1_000_000_000)
    return f"{_seconds_part(seconds)}.{nanos // 1_000_000:03d}Z"
