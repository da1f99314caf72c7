"""Webhook secrets and signatures: constant-time checks against the providers' own examples."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from gluekb.errors import ConfigurationError
from gluekb.services.webhooks.signatures import (
    WebhookSecrets,
    derive_secret,
    github_signature_valid,
    psa_signature,
    psa_signature_valid,
    timestamp_fresh,
    token_valid,
)

# GitHub's documented test values ("Validating webhook deliveries").
GITHUB_SECRET = SecretStr("It's a Secret to Everybody")
GITHUB_BODY = b"Hello, World!"
GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_github_signature_matches_githubs_documented_example() -> None:
    assert github_signature_valid(GITHUB_SECRET, GITHUB_BODY, GITHUB_SIGNATURE)


@pytest.mark.parametrize(
    ("body", "header"),
    [
        (b"Hello, World?", GITHUB_SIGNATURE),  # tampered body
        (GITHUB_BODY, GITHUB_SIGNATURE.replace("sha256=", "sha1=")),  # another algorithm
        (GITHUB_BODY, GITHUB_SIGNATURE[:-1] + "0"),  # a wrong digit
        (GITHUB_BODY, None),
        (GITHUB_BODY, ""),
    ],
)
def test_github_signature_refuses_anything_else(body: bytes, header: str | None) -> None:
    assert not github_signature_valid(GITHUB_SECRET, body, header)


def test_each_provider_gets_its_own_secret_from_the_master() -> None:
    secrets = WebhookSecrets(lambda: {"signing_secret": SecretStr("master")})
    names = ["itglue", "github", "gitlab", "psa:connectwise", "psa:autotask"]
    values = {secrets.secret(n).get_secret_value() for n in names}
    assert len(values) == len(names)
    assert secrets.secret("github").get_secret_value() == derive_secret("master", "github")
    assert len(derive_secret("master", "github")) == 43  # 256 bits, URL-safe


def test_an_explicit_provider_secret_overrides_the_derived_one() -> None:
    secrets = WebhookSecrets(
        lambda: {"signing_secret": SecretStr("master"), "gitlab": SecretStr("from-gitlab")}
    )
    assert secrets.secret("gitlab").get_secret_value() == "from-gitlab"
    assert secrets.secret("github").get_secret_value() == derive_secret("master", "github")


def test_a_document_without_the_master_secret_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="signing_secret"):
        WebhookSecrets(dict).secret("github")


def test_tokens_compare_whole() -> None:
    secret = SecretStr("abc123")
    assert token_valid(secret, "abc123")
    assert not token_valid(secret, "abc12")
    assert not token_valid(secret, "abc1234")
    assert not token_valid(secret, None)
    assert not token_valid(secret, "")


def test_psa_signature_covers_the_timestamp() -> None:
    secret = SecretStr("psa-secret")
    body = b'{"event":"ticket.created"}'
    signature = psa_signature(secret, "1795252500", body)
    assert psa_signature_valid(secret, "1795252500", body, signature)
    assert not psa_signature_valid(secret, "1795252501", body, signature)  # replayed, re-dated
    assert not psa_signature_valid(secret, "1795252500", body + b" ", signature)
    assert not psa_signature_valid(secret, None, body, signature)


def test_timestamps_outside_the_window_are_stale() -> None:
    now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    epoch = int(now.timestamp())
    assert timestamp_fresh(str(epoch - 299), now, 300)
    assert timestamp_fresh(str(epoch + 120), now, 300)  # a sender's clock a little ahead
    assert not timestamp_fresh(str(epoch - 301), now, 300)
    assert not timestamp_fresh("yesterday", now, 300)
    assert not timestamp_fresh(None, now, 300)
