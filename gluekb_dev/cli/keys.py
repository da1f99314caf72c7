"""`gluekb keys`: API keys for the running stack (stored hashed; shown once)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from gluekb.errors import GluekbError
from gluekb_dev.cli.context import fail, use_stack


def _store() -> object:
    from gluekb.adapters.api_keys import ApiKeyStore
    from gluekb.adapters.aws import AwsClients
    from gluekb.settings import ApiSettings, get_settings

    settings = get_settings(ApiSettings)
    return ApiKeyStore(AwsClients.from_settings(settings).dynamodb, settings.keys_table)


@click.group()
def keys() -> None:
    """API keys: which organizations a caller may see, and what it may do."""


@keys.command()
@click.option("--orgs", required=True, metavar="IDS|NAMES|*", help="Comma-separated, or * for all.")
@click.option(
    "--scopes",
    default="search",
    show_default=True,
    help="Comma-separated: search, passwords:reveal, sync, tickets, admin.",
)
@click.option("--name", default="cli", show_default=True, help="A label to recognise the key by.")
@click.option("--project", type=click.Path(path_type=Path, file_okay=False), hidden=True)
def create(orgs: str, scopes: str, name: str, project: Path | None) -> None:
    """Create a key. The key is printed once, as the last line."""
    from gluekb.adapters.api_keys import ApiKeyStore
    from gluekb.services.access.auth import parse_scopes

    use_stack(project)
    store = _store()
    assert isinstance(store, ApiKeyStore)
    try:
        organizations = _organizations(orgs)
        key, record = store.create(name, organizations, parse_scopes(scopes))
    except GluekbError as exc:
        fail(exc.message)
    click.echo(
        f"key {record.key_id} ({name}): organizations {', '.join(organizations)}; "
        f"scopes {', '.join(record.scopes)}",
        err=True,
    )
    click.echo(key)


def _organizations(text: str) -> list[str]:
    from gluekb.adapters.aws import AwsClients
    from gluekb.adapters.state_store import StateStore
    from gluekb.settings import ApiSettings, get_settings

    wanted = [t.strip() for t in text.split(",") if t.strip()]
    if wanted == ["*"]:
        return ["*"]
    settings = get_settings(ApiSettings)
    known = StateStore(
        AwsClients.from_settings(settings).dynamodb, settings.state_table
    ).organizations()
    chosen = []
    for item in wanted:
        match = [o.id for o in known if item in (o.id, o.name)]
        match = match or [o.id for o in known if o.name.lower() == item.lower()]
        if not match:
            names = ", ".join(o.name for o in known) or "none yet (sync first)"
            fail(f"no organization '{item}'. Known: {names}")
        chosen += match
    return sorted(set(chosen))


@keys.command(name="list")
@click.option("--json", "as_json", is_flag=True)
@click.option("--project", type=click.Path(path_type=Path, file_okay=False), hidden=True)
def list_keys(as_json: bool, project: Path | None) -> None:
    """Keys (never their secrets)."""
    from gluekb.adapters.api_keys import ApiKeyStore

    use_stack(project)
    store = _store()
    assert isinstance(store, ApiKeyStore)
    records = store.list()
    if as_json:
        click.echo(
            json.dumps(
                [r.model_dump(mode="json", exclude={"secret_hash"}) for r in records], indent=2
            )
        )
        return
    for r in records:
        state = "revoked" if r.revoked else "active"
        orgs, scopes = ",".join(r.organizations), ",".join(r.scopes)
        click.echo(f"{r.key_id}  {state:8} {r.name:20} orgs={orgs} scopes={scopes}")


@keys.command()
@click.argument("key_id")
@click.option("--project", type=click.Path(path_type=Path, file_okay=False), hidden=True)
def revoke(key_id: str, project: Path | None) -> None:
    """Revoke a key by its id (takes effect within a minute)."""
    from gluekb.adapters.api_keys import ApiKeyStore

    use_stack(project)
    store = _store()
    assert isinstance(store, ApiKeyStore)
    if not store.revoke(key_id):
        fail(f"no key {key_id}")
    click.echo(f"revoked {key_id}")
