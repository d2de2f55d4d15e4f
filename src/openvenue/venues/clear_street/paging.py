"""Clear Street pagination: opaque Base64URL page tokens over newest-first lists.

A token holds the key (order id, fill sequence number...) of the last item before its page, the
page's number and its size: the venue ignores ``page_size`` once a token is given. Keying on
the item rather than an offset keeps pages stable while new orders arrive at the front.
"""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import Annotated, TypeVar

import msgspec
from msgspec import Meta

from openvenue.venues.clear_street import schemas
from openvenue.venues.clear_street.mapping import error

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

T = TypeVar("T")


class _Token(msgspec.Struct, array_like=True, forbid_unknown_fields=True):
    after: int | None  # key of the item just before the page; None: the first page
    page: Annotated[int, Meta(ge=1)]
    size: Annotated[int, Meta(ge=1, le=MAX_PAGE_SIZE)]


_decode_token = msgspec.json.Decoder(_Token).decode


def _encode(token: _Token) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(token)).rstrip(b"=").decode()


def _decode(text: str) -> _Token:
    try:
        return _decode_token(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError, msgspec.DecodeError, msgspec.ValidationError):
        raise error(400, "page_token: not a page token returned by this API") from None


def page_size(text: str | None) -> int:
    if text is None:
        return DEFAULT_PAGE_SIZE
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_PAGE_SIZE:
        raise error(400, f"page_size: must be an integer from 1 to {MAX_PAGE_SIZE}")
    return int(text)


def paginate(items: Sequence[T], key: Callable[[T], int], query: dict[str, str],
             request_id: str) -> tuple[Sequence[T], schemas.Metadata]:
    """One page of ``items`` (strictly decreasing ``key``) and the metadata that describes it."""
    token_text = query.get("page_token")
    if token_text:
        token = _decode(token_text)
        size, number = token.size, token.page
        # first item strictly after the token's key; keys decrease, so compare their negation
        start = 0 if token.after is None else bisect_right(items, -token.after,
                                                           key=lambda item: -key(item))
    else:
        size, number, start = page_size(query.get("page_size")), 1, 0
    end = start + size
    next_token = None
    if end < len(items):
        next_token = _encode(_Token(after=key(items[end - 1]), page=number + 1, size=size))
    previous_token = None
    if start > 0:
        previous_start = max(0, start - size)
        previous_after = key(items[previous_start - 1]) if previous_start else None
        previous_token = _encode(_Token(after=previous_after, page=max(1, number - 1), size=size))
    metadata = schemas.Metadata(
        request_id=request_id, next_page_token=next_token, previous_page_token=previous_token,
        page_number=number, total_items=len(items), total_pages=-(-len(items) // size))
    return items[start:end], metadata
