"""The webhook secret document: JSON in Secrets Manager (template.yaml's WebhookSecret), cached
for five minutes so a rotation is picked up without a deploy. Values never reach a log."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from gluekb.adapters.aws import AwsClients
from gluekb.errors import ConfigurationError

SECRET_MAX_AGE_S = 300
SecretDocument = dict[str, SecretStr]


def _document(value: Any, name: str) -> SecretDocument:
    if isinstance(value, str | bytes):
        try:
            value = json.loads(value)
        except ValueError:
            raise ConfigurationError(f"the secret {name} is not a JSON object") from None
    if not isinstance(value, dict):
        raise ConfigurationError(f"the secret {name} is not a JSON object")
    return {str(k): SecretStr(str(v)) for k, v in value.items() if isinstance(v, str) and v}


def secrets_manager_document(clients: AwsClients, secret_id: str) -> Callable[[], SecretDocument]:
    """A loader for the document stored in `secret_id` (read through Powertools' cache)."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    provider = SecretsProvider(boto3_client=clients.secretsmanager)

    def load() -> SecretDocument:
        try:
            value = provider.get(secret_id, max_age=SECRET_MAX_AGE_S)
        except Exception as exc:
            raise ConfigurationError(
                f"cannot read the webhook secrets from {secret_id}: {type(exc).__name__}"
            ) from exc
        return _document(value, secret_id)

    return load


def static_document(signing_secret: SecretStr) -> Callable[[], SecretDocument]:
    """A document from the environment (GLUEKB_WEBHOOK_SIGNING_SECRET), for local use."""
    document = {"signing_secret": signing_secret}
    return lambda: document
