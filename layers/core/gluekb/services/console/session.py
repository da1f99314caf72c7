"""Console sessions: the API key sealed into the cookie, and the tokens that guard every form.

Why a sealed cookie and not a server-side session record: every request authenticates the key
again through the API's own `Authenticator` (so revoking or expiring the key ends its console
sessions within the authenticator's cache time, and tenancy is decided by exactly the code the
API uses), the function keeps no session state (any execution environment answers any request,
nothing to write on sign-in, nothing to expire in a table), and the key is never readable by the
page: the cookie is HttpOnly and holds the key encrypted with AES-256-GCM under a key derived from
the server's secret, so a copied cookie reveals nothing and a changed byte is refused. The cost:
signing out clears the cookie but cannot recall a copy taken earlier; the session's expiry
(`console_session_ttl_s`, 8 hours) bounds that, and revoking the key or rotating the secret ends
every session at once.

CSRF: every form and script POST carries a token bound to its session (HMAC of the session id);
the sign-in form, which has no session yet, carries one bound to a short-lived nonce cookie.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gluekb.errors import ConfigurationError

_AAD = b"gluekb console session v1"
_NONCE_BYTES = 12
MIN_SECRET_BYTES = 32
SIGN_IN_TTL_S = 15 * 60


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class ConsoleSession:
    """One signed-in browser: the API key it acts with, and when the session ends."""

    api_key: str
    session_id: str
    issued_at: int
    expires_at: int

    def __repr__(self) -> str:  # never print the key
        return f"ConsoleSession(session_id={self.session_id!r}, expires_at={self.expires_at})"


class SessionSealer:
    """Seals sessions into cookie values, opens them, and makes and checks CSRF tokens."""

    def __init__(self, secret: bytes, ttl_s: int, clock: Callable[[], float] = time.time) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ConfigurationError(
                f"the console session secret is shorter than {MIN_SECRET_BYTES} bytes"
            )
        self._aead = AESGCM(hmac.digest(secret, b"gluekb/console/session-key", hashlib.sha256))
        self._csrf_key = hmac.digest(secret, b"gluekb/console/csrf-key", hashlib.sha256)
        self.ttl_s = ttl_s
        self.clock = clock

    # ------------------------------------------------------------ sessions
    def seal(self, api_key: str) -> tuple[str, ConsoleSession]:
        """A new session for `api_key` (already verified) and its cookie value."""
        now = int(self.clock())
        session = ConsoleSession(api_key, _b64(secrets.token_bytes(16)), now, now + self.ttl_s)
        payload = json.dumps(
            {"k": api_key, "s": session.session_id, "i": now, "e": session.expires_at},
            separators=(",", ":"),
        ).encode()
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return _b64(nonce + self._aead.encrypt(nonce, payload, _AAD)), session

    def open(self, cookie: str | None) -> ConsoleSession | None:
        """The session in a cookie value; None when it is missing, forged, altered or expired."""
        if not cookie or len(cookie) > 4096:
            return None
        try:
            sealed = _unb64(cookie)
            nonce, body = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
            data = json.loads(self._aead.decrypt(nonce, body, _AAD))
            session = ConsoleSession(str(data["k"]), str(data["s"]), int(data["i"]), int(data["e"]))
        except (InvalidTag, ValueError, KeyError, TypeError, binascii.Error):
            return None
        now = self.clock()
        if session.expires_at <= now or session.issued_at > now + 60:
            return None
        return session

    # ------------------------------------------------------------ CSRF
    def _mac(self, purpose: str, value: str) -> str:
        return _b64(hmac.digest(self._csrf_key, f"{purpose}:{value}".encode(), hashlib.sha256))

    def csrf_token(self, session: ConsoleSession) -> str:
        return self._mac("session", session.session_id)

    def csrf_ok(self, session: ConsoleSession, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(session), str(token))

    def sign_in_nonce(self) -> tuple[str, str]:
        """(cookie value, form token) for the sign-in form, which has no session yet: the
        cookie holds a random nonce and when it was made, the token is bound to both."""
        nonce = f"{_b64(secrets.token_bytes(16))}.{int(self.clock())}"
        return nonce, self._mac("sign-in", nonce)

    def sign_in_ok(self, nonce: str | None, token: str | None) -> bool:
        if not nonce or not token or nonce.count(".") != 1:
            return False
        made = nonce.rsplit(".", 1)[1]
        if not made.isdigit() or int(made) + SIGN_IN_TTL_S <= self.clock():
            return False
        return hmac.compare_digest(self._mac("sign-in", nonce), token)
