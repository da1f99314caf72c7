"""Console sessions: the key sealed in the cookie (unreadable, tamper-evident, expiring) and the
CSRF tokens bound to a session or to the sign-in form's nonce."""

from __future__ import annotations

import base64

import pytest

from gluekb.errors import ConfigurationError
from gluekb.services.console.session import SIGN_IN_TTL_S, SessionSealer

SECRET = b"a-console-session-secret-of-at-least-32-bytes"
KEY = "gkb_0123456789ab_" + "s" * 43


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_sealed_session_opens_to_the_same_key_and_never_shows_it() -> None:
    # Given a sealer
    sealer = SessionSealer(SECRET, ttl_s=3600, clock=Clock())
    # When a key is sealed
    cookie, session = sealer.seal(KEY)
    # Then the cookie opens to the key, and neither the key nor its parts are readable in it
    opened = sealer.open(cookie)
    assert opened is not None and opened.api_key == KEY
    assert opened.session_id == session.session_id
    raw = base64.urlsafe_b64decode(cookie + "=" * (-len(cookie) % 4))
    assert b"gkb_" not in raw and b"0123456789ab" not in raw and KEY not in cookie
    assert KEY not in repr(opened)


def test_two_sign_ins_with_the_same_key_make_different_cookies() -> None:
    sealer = SessionSealer(SECRET, ttl_s=3600)
    assert sealer.seal(KEY)[0] != sealer.seal(KEY)[0]


@pytest.mark.parametrize("position", [0, 5, 20, -1])
def test_a_cookie_with_any_byte_changed_is_refused(position: int) -> None:
    # Given a valid cookie
    sealer = SessionSealer(SECRET, ttl_s=3600)
    cookie, _ = sealer.seal(KEY)
    raw = bytearray(base64.urlsafe_b64decode(cookie + "=" * (-len(cookie) % 4)))
    # When one byte changes
    raw[position] ^= 0x01
    forged = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    # Then it does not open
    assert sealer.open(forged) is None


@pytest.mark.parametrize("cookie", [None, "", "garbage", "a" * 5000, "!!!", "AAAA"])
def test_missing_or_garbage_cookies_are_no_session(cookie: str | None) -> None:
    assert SessionSealer(SECRET, ttl_s=3600).open(cookie) is None


def test_a_cookie_sealed_with_another_secret_is_refused() -> None:
    cookie, _ = SessionSealer(b"another-secret-that-is-also-32-bytes-long", ttl_s=60).seal(KEY)
    assert SessionSealer(SECRET, ttl_s=60).open(cookie) is None


def test_a_session_ends_when_its_time_is_up() -> None:
    # Given a session of one hour
    clock = Clock()
    sealer = SessionSealer(SECRET, ttl_s=3600, clock=clock)
    cookie, session = sealer.seal(KEY)
    assert session.expires_at - session.issued_at == 3600
    # When 59 minutes pass it still opens; at one hour it does not
    clock.now += 3599
    assert sealer.open(cookie) is not None
    clock.now += 1
    assert sealer.open(cookie) is None


def test_csrf_tokens_belong_to_their_session() -> None:
    # Given two sessions
    sealer = SessionSealer(SECRET, ttl_s=3600)
    _, mine = sealer.seal(KEY)
    _, other = sealer.seal(KEY)
    token = sealer.csrf_token(mine)
    # Then the token is accepted for its session only, and absent or altered tokens never are
    assert sealer.csrf_ok(mine, token)
    assert not sealer.csrf_ok(other, token)
    assert not sealer.csrf_ok(mine, None)
    assert not sealer.csrf_ok(mine, "")
    assert not sealer.csrf_ok(mine, token[:-1] + ("A" if token[-1] != "A" else "B"))


def test_the_sign_in_token_is_bound_to_its_nonce_and_expires() -> None:
    # Given a sign-in form's nonce and token
    clock = Clock()
    sealer = SessionSealer(SECRET, ttl_s=3600, clock=clock)
    nonce, token = sealer.sign_in_nonce()
    other_nonce, _ = sealer.sign_in_nonce()
    # Then the pair is accepted; a token with another nonce, or none, is not
    assert sealer.sign_in_ok(nonce, token)
    assert not sealer.sign_in_ok(other_nonce, token)
    assert not sealer.sign_in_ok(None, token)
    assert not sealer.sign_in_ok(nonce, None)
    assert not sealer.sign_in_ok(nonce.split(".")[0] + ".9999999999", token)
    # And the form expires
    clock.now += SIGN_IN_TTL_S
    assert not sealer.sign_in_ok(nonce, token)


def test_a_short_secret_is_refused_at_start() -> None:
    with pytest.raises(ConfigurationError, match="shorter than 32 bytes"):
        SessionSealer(b"short", ttl_s=60)
