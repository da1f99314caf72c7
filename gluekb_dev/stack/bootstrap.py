"""What a fresh local stack needs beyond template.yaml's resources: an IT Glue to sync (the demo
tenant when no key is given), values for the template's generated secrets, an admin API key for
the person at the keyboard, and a first sync so questions can be asked right after `make dev`."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.state_store import StateStore
from gluekb_dev.stack.template import FunctionSpec, Template

if TYPE_CHECKING:
    from gluekb_dev.demo.server import DemoItGlueServer


def start_demo_itglue(home: Path, seed: int, host: str) -> DemoItGlueServer:
    """The demo tenant (made once under <home>/demo) served by a local IT Glue look-alike."""
    from gluekb_dev.demo.server import DemoItGlueServer, DemoServerConfig
    from gluekb_dev.demo.tenant import TenantStore

    tenant = home / "demo"
    TenantStore(tenant).ensure(seed=seed)
    demo = DemoItGlueServer(tenant, DemoServerConfig(), host=host, port=0)
    demo.start_in_thread()  # its own thread: uvicorn there leaves our signals alone
    return demo


def itglue_key(configured: str | None) -> str:
    """The IT Glue key the functions use: the one given, else the demo tenant's."""
    if configured:
        return configured
    from gluekb_dev.demo.server import DEMO_API_KEY

    return DEMO_API_KEY


def local_secrets(home: Path, template: Template, itglue_api_key: str) -> dict[str, str]:
    """Values for the template's generated secrets: made once, kept under <home>/secrets.json."""
    path = home / "secrets.json"
    saved: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    changed = False
    for logical_id, resource in template.resources.items():
        if resource.get("Type") != "AWS::SecretsManager::Secret":
            continue
        generate = resource.get("Properties", {}).get("GenerateSecretString")
        if generate and logical_id not in saved:
            saved[logical_id] = _generated_secret(generate)
            changed = True
    if changed:
        path.write_text(json.dumps(saved, indent=2))
        path.chmod(0o600)
    # The IT Glue key lives where it does in AWS (Secrets Manager), never in a file here.
    return {**saved, "ItGlueApiKeySecret": itglue_api_key}


def _generated_secret(generate: Mapping[str, Any]) -> str:
    """What Secrets Manager's GenerateSecretString would make (a random value, in its JSON)."""
    template_json = json.loads(generate.get("SecretStringTemplate", "{}"))
    key = generate.get("GenerateStringKey")
    value = secrets.token_urlsafe(36)
    return json.dumps({**template_json, key: value}) if key else value


def admin_key(clients: AwsClients, template: Template, home: Path) -> str:
    """A key for every organization and scope, for the person at the keyboard: kept in
    <home>/admin-key (0600) and reused while it verifies."""
    from gluekb.adapters.api_keys import ApiKeyStore
    from gluekb.models.auth import SCOPES

    store = ApiKeyStore(clients.dynamodb, template.physical["ApiKeysTable"].ref)
    path = home / "admin-key"
    if path.exists():
        key = path.read_text().strip()
        if store.verify(key) is not None:
            return key
    key, _ = store.create("local admin (gluekb up)", ["*"], list(SCOPES))
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key


def first_sync(
    clients: AwsClients, template: Template, functions: Mapping[str, FunctionSpec], now: datetime
) -> tuple[str, dict[str, Any]] | None:
    """On a stack that never synced: the scheduled function and the event its schedule would
    fire (discovery, then one job per organization); None once organizations are known."""
    from gluekb_dev.stack.schedules import scheduled_event

    state = StateStore(clients.dynamodb, template.physical["StateTable"].ref)
    if state.organizations():
        return None
    function = next(f for f, spec in functions.items() if spec.schedules)
    rule = functions[function].schedules[0].name
    arn = f"arn:aws:events:{template.region}:{template.account_id}:rule/{rule}"
    return function, scheduled_event(arn, now, template.region, template.account_id)


def sync_progress(clients: AwsClients, template: Template) -> dict[str, Any]:
    """Organizations synced and index jobs waiting, for `gluekb up`'s progress line."""
    state = StateStore(clients.dynamodb, template.physical["StateTable"].ref)
    organizations = state.organizations()
    states = [state.sync_status(o.id).state for o in organizations]
    attributes = clients.sqs.get_queue_attributes(
        QueueUrl=template.physical["IndexQueue"].ref,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    waiting = int(attributes.get("ApproximateNumberOfMessages", 0)) + int(
        attributes.get("ApproximateNumberOfMessagesNotVisible", 0)
    )
    return {
        "organizations": len(organizations),
        "synced": sum(1 for s in states if s in ("ok", "failed")),
        "failed": sum(1 for s in states if s == "failed"),
        "index_jobs_waiting": waiting,
    }
