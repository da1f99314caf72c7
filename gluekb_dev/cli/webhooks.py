"""`gluekb webhooks url`: what to paste into IT Glue, GitHub, GitLab and the PSA."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gluekb.errors import GluekbError
from gluekb_dev.cli.context import fail, use_stack

if TYPE_CHECKING:  # imported when the command runs: `gluekb --help` stays quick
    from gluekb.adapters.aws import AwsClients
    from gluekb.adapters.webhook_counters import WebhookCounters
    from gluekb.services.webhooks.signatures import WebhookSecrets

ITGLUE_BODY = {
    "resource_url": "[resource_url]",
    "resource_name": "[resource_name]",
    "organization_name": "[organization_name]",
    "trigger_name": "[trigger_name]",
}
PSA_DEFAULT = "connectwise,autotask,halopsa"
PSA_HOW = (
    'headers X-Gluekb-Timestamp (unix s) and X-Gluekb-Signature = "sha256=" + '
    'hex HMAC-SHA256(secret, "<timestamp>." + body); X-Gluekb-Delivery or event_id'
)


@click.group()
def webhooks() -> None:
    """Webhooks: IT Glue workflows, GitHub/GitLab pushes, PSA tickets."""


@dataclass
class _Target:
    """Where the webhooks go (the API's base URL) and where their secrets are kept."""

    base: str
    secret_id: str
    clients: AwsClients
    counters: WebhookCounters | None  # refused deliveries, known only on the local stack


@webhooks.command()
@click.option("--base", help="Public base URL of the HTTP API (default: the local stack's).")
@click.option(
    "--secret-id",
    help="Secrets Manager id of the webhook secret (default: the local stack's WebhookSecret).",
)
@click.option("--psa", "psa", default=PSA_DEFAULT, show_default=True, help="PSA provider names.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--project", type=click.Path(path_type=Path, file_okay=False), hidden=True)
def url(
    base: str | None, secret_id: str | None, psa: str, as_json: bool, project: Path | None
) -> None:
    """Print each provider's webhook URL and secret (secrets: treat this output as one)."""
    from gluekb.wiring.webhooks import webhook_secrets

    target = _target(base, secret_id, project)
    providers = [p.strip() for p in psa.split(",") if p.strip()]
    try:
        secrets = webhook_secrets(target.clients, target.secret_id)
        endpoints = _endpoints(target.base, secrets, providers)
        refused = _refused(target.counters) if target.counters is not None else {}
    except GluekbError as exc:
        fail(exc.message)
    if as_json:
        click.echo(json.dumps({"endpoints": endpoints, "refused": refused}, indent=2))
        return
    _print(endpoints, refused)


def _target(base: str | None, secret_id: str | None, project: Path | None) -> _Target:
    """The running local stack's, unless both the base URL and the secret id are given."""
    from gluekb.adapters.aws import AwsClients
    from gluekb.adapters.webhook_counters import WebhookCounters
    from gluekb.settings import CliSettings, get_settings

    if secret_id is not None and base is not None:
        clients = AwsClients.from_settings(get_settings(CliSettings))
        return _Target(base.rstrip("/"), secret_id, clients, None)
    info = use_stack(project)
    clients = AwsClients(str(info["region"]), str(info["aws_endpoint"]))
    return _Target(
        (base or str(info["api_url"])).rstrip("/"),
        secret_id or str(info["resources"]["WebhookSecret"]),
        clients,
        WebhookCounters(clients.dynamodb, str(info["resources"]["StateTable"])),
    )


def _endpoints(
    base: str, secrets: WebhookSecrets, providers: list[str]
) -> dict[str, dict[str, Any]]:
    """Each provider's URL, secret and where to enter them."""
    endpoints: dict[str, dict[str, Any]] = {
        "itglue": {
            "url": f"{base}/webhooks/itglue/{secrets.secret('itglue').get_secret_value()}",
            "body": ITGLUE_BODY,
            "how": "IT Glue > Workflows > action 'Webhook': POST, this URL, this JSON body",
        },
        "github": {
            "url": f"{base}/webhooks/github",
            "secret": secrets.secret("github").get_secret_value(),
            "how": "repo Settings > Webhooks: content type application/json, push events",
        },
        "gitlab": {
            "url": f"{base}/webhooks/gitlab",
            "secret_token": secrets.secret("gitlab").get_secret_value(),
            "how": "project Settings > Webhooks: secret token, trigger 'Push events'",
        },
    }
    for name in providers:
        endpoints[f"psa:{name}"] = {
            "url": f"{base}/webhooks/psa/{name}",
            "secret": secrets.secret(f"psa:{name}").get_secret_value(),
            "how": PSA_HOW,
        }
    return endpoints


def _refused(counters: WebhookCounters) -> dict[str, dict[str, int]]:
    """Deliveries refused so far, by provider and reason."""
    return {
        provider: {k: v for k, v in counters.counters(provider).items() if k.startswith("rej")}
        for provider in ("itglue", "github", "gitlab", "psa", "alerts")
    }


def _print(endpoints: dict[str, dict[str, Any]], refused: dict[str, dict[str, int]]) -> None:
    for name, endpoint in endpoints.items():
        click.secho(name, bold=True)
        for key, value in endpoint.items():
            shown = json.dumps(value) if isinstance(value, dict) else value
            click.echo(f"  {key:<13} {shown}")
    if refused:
        counts = ", ".join(f"{p}: {sum(c.values()) if c else 0}" for p, c in refused.items())
        click.echo(f"refused deliveries so far: {counts}")
