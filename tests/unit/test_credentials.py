"""API keys: a presented key's answer is remembered, and forgotten as soon as the keys change."""

from __future__ import annotations

from openvenue.venues.credentials import Credentials
from openvenue.venues.wire import bearer_token_of


def test_a_revoked_key_stops_working_at_once(tmp_path):
    credentials = Credentials(tmp_path / "credentials.json")
    record, key = credentials.create(7, "desk")
    assert credentials.user_for(key) == 7 and credentials.user_for(key) == 7  # remembered
    assert credentials.revoke(record.key_id)
    assert credentials.user_for(key) is None


def test_a_key_refused_before_it_was_installed_works_once_installed(tmp_path):
    credentials = Credentials(tmp_path / "credentials.json")
    assert credentials.user_for("later-key") is None
    credentials.install(3, "later-key")
    assert credentials.user_for("later-key") == 3
    assert Credentials(tmp_path / "credentials.json").user_for("later-key") == 3  # on disk


def test_bearer_tokens_are_read_from_raw_headers():
    assert bearer_token_of(b"Bearer abc") == "abc" == bearer_token_of(b"bearer  abc ")
    assert bearer_token_of(b"Basic abc") is None and bearer_token_of(b"Bearer ") is None
    assert bearer_token_of(None) is None
