"""The console's session secret: Secrets Manager in AWS (template.yaml's ConsoleSessionSecret,
generated at deploy), the value itself where there is no Secrets Manager. Never logged."""

from __future__ import annotations

import json

from pydantic import SecretStr

from gluekb.adapters.aws import AwsClients
from gluekb.errors import ConfigurationError

SECRET_FIELD = "session_secret"  # noqa: S105 - the JSON field name, not a value


def _value(text: str, name: str) -> bytes:
    try:
        document = json.loads(text)
    except ValueError:
        return text.encode()  # a plain string secret
    if isinstance(document, dict) and isinstance(document.get(SECRET_FIELD), str):
        return str(document[SECRET_FIELD]).encode()
    raise ConfigurationError(f"the secret {name} has no '{SECRET_FIELD}'")


def console_secret(clients: AwsClients, secret_id: str | None, value: SecretStr | None) -> bytes:
    """The secret's bytes, read once (a Lambda execution environment keeps it)."""
    if value is not None:
        return _value(value.get_secret_value(), "GLUEKB_CONSOLE_SESSION_KEY")
    if not secret_id:
        raise ConfigurationError(
            "the console needs GLUEKB_CONSOLE_SESSION_SECRET (a Secrets Manager id) or "
            "GLUEKB_CONSOLE_SESSION_KEY"
        )
    try:
        text = clients.secretsmanager.get_secret_value(SecretId=secret_id)["SecretString"]
    except Exception as exc:
        raise ConfigurationError(
            f"cannot read the console session secret {secret_id}: {type(exc).__name__}"
        ) from exc
    return _value(text, secret_id)
