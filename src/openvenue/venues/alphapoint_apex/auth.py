"""APEX logins: user name + password, API key + HMAC signature, and session tokens.

APEX credentials only prove which core user a connection acts as; what that user may do is the
core's (its permissions and accounts). They are a gateway concern like the native API keys
(venues/credentials.py), so they live in a file of the data directory, never in the journal:
passwords as salted PBKDF2 digests; API secrets in the clear because an HMAC signature can only
be checked with the secret itself (the file is readable by its owner only). Session tokens are
in memory: they end with the process, as a login session would.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

import msgspec

from openvenue.domain.accounts import Permission, User

FILE_NAME = "alphapoint_apex_logins.json"
PBKDF2_ROUNDS = 60_000
SESSION_IDLE_S = 3600.0  # APEX docs: a session token is valid 1 h after the last activity
MAX_SESSIONS = 100_000

# The demo users an APEX client logs in as: APEX's permission names onto demo.py's users.
DEMO_USERS = ("trader-1", "trader-2", "operator", "viewer-1")
PERMISSION_NAMES = {Permission.TRADING: "Trading", Permission.OPERATOR: "Operator",
                    Permission.READ_ONLY: "AccountReadOnly"}


def demo_password(name: str) -> str:
    return f"{name}-password"


def demo_api_key(name: str) -> str:
    return f"demo-apex-{name}-key"


def demo_api_secret(name: str) -> str:
    return f"demo-apex-{name}-secret"


class Login(msgspec.Struct, kw_only=True):
    user_id: int
    username: str
    salt: str
    password_pbkdf2: str
    api_key: str = ""
    api_secret: str = ""


class _File(msgspec.Struct):
    logins: list[Login]


def _hash(password: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt),
                               PBKDF2_ROUNDS).hex()


def signature(secret: str, nonce: str, user_id: str, api_key: str) -> str:
    """APEX: lowercase hex HMAC-SHA256 of Nonce + UserId + APIKey, keyed by the API secret."""
    return hmac.new(secret.encode(), (nonce + user_id + api_key).encode(),
                    hashlib.sha256).hexdigest()


class Logins:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._by_name: dict[str, Login] = {}
        self._by_key: dict[str, Login] = {}
        if path is not None and path.exists():
            for login in msgspec.json.decode(path.read_bytes(), type=_File).logins:
                self._index(login)

    def _index(self, login: Login) -> None:
        self._by_name[login.username.lower()] = login
        if login.api_key:
            self._by_key[login.api_key] = login

    def for_user(self, user_id: int) -> Login | None:
        for login in self._by_name.values():
            if login.user_id == user_id:
                return login
        return None

    def add(self, user_id: int, username: str, password: str, api_key: str = "",
            api_secret: str = "") -> Login:
        """Register a login; idempotent for the same user name and user."""
        existing = self._by_name.get(username.lower())
        if existing is not None:
            if existing.user_id != user_id:
                raise ValueError(f"the APEX user name {username!r} belongs to another user")
            return existing
        salt = os.urandom(16).hex()
        login = Login(user_id=user_id, username=username, salt=salt,
                      password_pbkdf2=_hash(password, salt), api_key=api_key,
                      api_secret=api_secret)
        self._index(login)
        self._save()
        return login

    def check_password(self, username: str, password: str) -> int | None:
        """The user id for a right user name (case-insensitive, as APEX) and password.

        Slow on purpose (PBKDF2): call it off the event loop."""
        login = self._by_name.get(username.lower())
        if login is None:
            _hash(password, "00" * 16)  # the same work either way: no user-name oracle by timing
            return None
        if hmac.compare_digest(_hash(password, login.salt), login.password_pbkdf2):
            return login.user_id
        return None

    def check_signature(self, api_key: str, user_id: str, nonce: str, sig: str) -> int | None:
        login = self._by_key.get(api_key)
        if login is None or not login.api_secret or user_id != str(login.user_id):
            return None
        expected = signature(login.api_secret, nonce, user_id, api_key)
        if hmac.compare_digest(expected, sig.lower()):
            return login.user_id
        return None

    def _save(self) -> None:
        if self.path is None:
            return
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(msgspec.json.encode(_File(list(self._by_name.values()))))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)


def seed_demo(logins: Logins, users: dict[int, User]) -> None:
    """Give each demo user present in the core its fixed APEX login (idempotent)."""
    for user in users.values():
        if user.name in DEMO_USERS and logins.for_user(user.id) is None:
            logins.add(user.id, user.name, demo_password(user.name), demo_api_key(user.name),
                       demo_api_secret(user.name))


class Sessions:
    """Session tokens handed out at login, for WebAuthenticateUser {SessionToken}."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[str, tuple[int, float]] = {}  # token -> user id, last activity

    def open(self, user_id: int) -> str:
        if len(self._tokens) >= MAX_SESSIONS:
            self._expire()
        token = secrets.token_hex(16)
        self._tokens[token] = (user_id, self._clock())
        return token

    def touch(self, token: str) -> None:
        entry = self._tokens.get(token)
        if entry is not None:
            self._tokens[token] = (entry[0], self._clock())

    def user_for(self, token: str) -> int | None:
        entry = self._tokens.get(token)
        if entry is None:
            return None
        if self._clock() - entry[1] > SESSION_IDLE_S:
            del self._tokens[token]
            return None
        self._tokens[token] = (entry[0], self._clock())
        return entry[0]

    def close(self, token: str) -> None:
        self._tokens.pop(token, None)

    def _expire(self) -> None:
        now = self._clock()
        for token, (_, last) in list(self._tokens.items()):
            if now - last > SESSION_IDLE_S:
                del self._tokens[token]
