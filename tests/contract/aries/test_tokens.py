"""Token lifetimes, with the token store's clock under the test's control."""

from __future__ import annotations

from openvenue.venues.aries.auth import Tokens, granted_scopes


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_access_token_expires():
    clock = FakeClock()
    tokens = Tokens(clock=clock, access_ttl=3600)
    access, _ = tokens.issue("c", 1, frozenset({"order:information"}))
    clock.now += 3599
    assert tokens.access(access) is not None
    clock.now += 1
    assert tokens.access(access) is None
    assert tokens.access("never-issued") is None


def test_refresh_token_outlives_access_and_is_single_use():
    clock = FakeClock()
    tokens = Tokens(clock=clock, access_ttl=60)
    access, refresh = tokens.issue("c", 7, frozenset({"order:execution"}))
    clock.now += 3600
    assert tokens.access(access) is None
    grant = tokens.redeem_refresh(refresh)
    assert grant is not None and (grant.client_id, grant.user_id) == ("c", 7)
    assert tokens.redeem_refresh(refresh) is None


def test_granted_scopes_are_the_requested_ones_the_client_holds():
    held = frozenset({"order:information", "account:information"})
    assert granted_scopes("order:execution order:information", held) == {"order:information"}
    assert granted_scopes(None, held) == held
    assert granted_scopes("  ", held) == held
