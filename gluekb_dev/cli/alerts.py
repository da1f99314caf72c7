"""`gluekb alerts`: receivers for monitoring alerts (Grafana, Alertmanager, generic), one per
client, with the URL and secret to give the monitoring system."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gluekb.errors import GluekbError
from gluekb.models.alerts import ALERT_SOURCES, ANY_ORGANIZATION, RECEIVER_ID, AlertReceiver
from gluekb_dev.cli.context import fail, use_stack

if TYPE_CHECKING:
    from gluekb.adapters.alert_receivers import AlertReceiverStore
    from gluekb.adapters.state_store import StateStore
    from gluekb.services.webhooks.signatures import WebhookSecrets

HOW = {
    "grafana": "Contact point > Webhook: this URL, POST; Optional settings > Authorization "
    "header: scheme Bearer, credentials = the secret (or basic auth, password = the secret)",
    "alertmanager": "receivers: - webhook_configs: - url: <url>, http_config: authorization: "
    "{type: Bearer, credentials: <secret>}  (or basic_auth with password: <secret>)",
    "generic": 'headers X-Gluekb-Timestamp (unix s), X-Gluekb-Signature = "sha256=" + hex '
    'HMAC-SHA256(secret, "<timestamp>." + body), X-Gluekb-Delivery or event_id',
}


def _services(project: Path | None) -> tuple[AlertReceiverStore, StateStore, WebhookSecrets, str]:
    from gluekb.adapters.alert_receivers import AlertReceiverStore
    from gluekb.adapters.aws import AwsClients
    from gluekb.adapters.state_store import StateStore
    from gluekb.wiring.webhooks import webhook_secrets

    info = use_stack(project)
    clients = AwsClients(str(info["region"]), str(info["aws_endpoint"]))
    table = str(info["resources"]["StateTable"])
    secret_id = str(info["resources"]["WebhookSecret"])
    return (
        AlertReceiverStore(clients.dynamodb, table),
        StateStore(clients.dynamodb, table),
        webhook_secrets(clients, secret_id),
        str(info["api_url"]).rstrip("/"),
    )


def _endpoint(receiver: AlertReceiver, secrets_: WebhookSecrets, base: str) -> dict[str, Any]:
    secret = secrets_.secret(receiver.secret_name).get_secret_value()
    return {
        "receiver": receiver.receiver_id,
        "organization": receiver.organization_id,
        "source": receiver.source,
        "url": f"{base}/webhooks/alerts/{receiver.source}/{receiver.receiver_id}",
        "secret": secret,
        "auto_resolve": receiver.auto_resolve,
        "how": HOW[receiver.source],
    }


@click.group()
def alerts() -> None:
    """Monitoring alerts: receivers that turn alerts into enriched incident tickets."""


@alerts.command()
@click.option("--org", "organization", required=True, metavar="ID|NAME|*")
@click.option("--source", type=click.Choice(ALERT_SOURCES), required=True)
@click.option("--id", "receiver_id", help="Receiver id (lower case, digits, -; default: random).")
@click.option("--name", default="", help="A name for tickets ('Acme Grafana').")
@click.option("--auto-resolve/--no-auto-resolve", default=True, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--project", type=click.Path(path_type=Path, file_okay=False), hidden=True)
def add(
    organization: str,
    source: str,
    receiver_id: str | None,
    name: str,
    auto_resolve: bool,
    as_json: bool,
    project: Path | None,
) -> None:
    """Register a receiver for a client (`*`: the client is each alert's organization label);
    prints its URL and secret (treat the output as a secret)."""
    store, state, secrets_, base = _services(project)
    org = organization.strip()
    if org != ANY_ORGANIZATION:
        found = [o for o in state.organizations() if org == o.id or o.is_named(org.lower())]
        if not found:
            fail(f"no organization {organization!r} (ids and names are accepted)")
        org = found[0].id
    rid = receiver_id or f"{source[:4]}-{secrets.token_hex(4)}"
    if not RECEIVER_ID.match(rid):
        fail("--id: 3 to 40 characters, lower case letters, digits and '-'")
    receiver = AlertReceiver.model_validate(
        {"receiver_id": rid, "organization_id": org, "source": source, "name": name,
         "created_at": datetime.now(UTC), "auto_resolve": auto_resolve}
    )  # fmt: skip
    try:
        store.put(receiver)
    except GluekbError as exc:
        fail(exc.message)
    endpoint = _endpoint(receiver, secrets_, base)
    if as_json:
        click.echo(json.dumps(endpoint, indent=2))
        return
    for key, value in endpoint.items():
        click.echo(f"{key:<13} {value}")


@alerts.command(name="list")
@click.option("--json", "as_json", is_flag=True)
@click.option("--project", type=click.Path(path_type=Path, file_okay=False), hidden=True)
def list_receivers(as_json: bool, project: Path | None) -> None:
    """Every receiver, with its URL and secret."""
    store, _, secrets_, base = _services(project)
    endpoints = [_endpoint(r, secrets_, base) for r in store.receivers()]
    if as_json:
        click.echo(json.dumps(endpoints, indent=2))
        return
    for endpoint in endpoints:
        where = f"org {endpoint['organization']:<8} {endpoint['url']}"
        click.echo(f"{endpoint['receiver']:<22} {endpoint['source']:<12} {where}")


@alerts.command()
@click.argument("receiver_id")
@click.option("--project", type=click.Path(path_type=Path, file_okay=False), hidden=True)
def remove(receiver_id: str, project: Path | None) -> None:
    """Remove a receiver: its deliveries are refused from now on."""
    store, _, _, _ = _services(project)
    if not store.remove(receiver_id):
        fail(f"no receiver {receiver_id!r}")
    click.echo(f"removed {receiver_id}")
