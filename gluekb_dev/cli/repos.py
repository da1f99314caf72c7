"""`gluekb repos`: docs repositories (runbooks in Git) registered per organization."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from gluekb.errors import GluekbError
from gluekb.models.repos import RepoProvider
from gluekb_dev.cli.context import fail, find_organization, use_stack

if TYPE_CHECKING:
    from gluekb.adapters.repo_registry import RepoRegistry
    from gluekb.adapters.sqs import JobQueue
    from gluekb.adapters.state_store import StateStore


def _services() -> tuple[RepoRegistry, StateStore, JobQueue]:
    from gluekb.adapters.aws import AwsClients
    from gluekb.adapters.repo_registry import RepoRegistry
    from gluekb.adapters.sqs import JobQueue
    from gluekb.adapters.state_store import StateStore
    from gluekb.settings import ApiSettings, get_settings

    settings = get_settings(ApiSettings)
    clients = AwsClients.from_settings(settings)
    return (
        RepoRegistry(clients.dynamodb, settings.state_table),
        StateStore(clients.dynamodb, settings.state_table),
        JobQueue(clients.sqs, settings.sync_queue_url),
    )


@click.group()
def repos() -> None:
    """Docs repositories: runbooks in Git, indexed per organization on every push."""


@repos.command()
@click.option("--org", "organization", required=True, metavar="ID|NAME")
@click.option("--url", required=True, help="Clone or web URL; a path or file:// URL for local.")
@click.option("--provider", type=click.Choice(["github", "gitlab", "local"]), default=None)
@click.option("--branch", default=None, help="Branch to index (default: the default branch).")
@click.option("--index/--no-index", default=True, show_default=True, help="Index it now.")
@click.option("--project", type=click.Path(path_type=Path, file_okay=False), hidden=True)
def add(
    organization: str,
    url: str,
    provider: str | None,
    branch: str | None,
    index: bool,
    project: Path | None,
) -> None:
    """Register a repository for an organization (and queue its first index)."""
    from gluekb.models.repos import RepoIndexJob
    from gluekb.services.repos.registration import register_repo

    use_stack(project)
    registry, state, sync_queue = _services()
    org = find_organization(state, organization)
    if "://" not in url and not re.match(r"^[\w.-]+@", url) and Path(url).exists():
        url = str(Path(url).resolve())  # a local repository given by a relative path
    now = datetime.now(UTC)
    try:
        registration = register_repo(
            registry,
            organization_id=org,
            url=url,
            provider=cast(RepoProvider | None, provider),
            branch=branch,
            now=now,
        )
        if index:
            sync_queue.send(
                RepoIndexJob(
                    repo_id=registration.repo_id,
                    organization_id=org,
                    branch=registration.branch,
                    received_at=now,
                    reason="register",
                )
            )
    except GluekbError as exc:
        fail(exc.message)
    click.echo(
        f"registered {registration.key} ({registration.provider}) as {registration.repo_id} "
        f"for organization {org}" + ("; indexing queued" if index else "")
    )


@repos.command(name="list")
@click.option("--json", "as_json", is_flag=True)
@click.option("--project", type=click.Path(path_type=Path, file_okay=False), hidden=True)
def list_repos(as_json: bool, project: Path | None) -> None:
    """Registered repositories and the commit each was indexed at."""
    use_stack(project)
    registry, _, _ = _services()
    found = registry.all()
    if as_json:
        click.echo(json.dumps([r.model_dump(mode="json") for r in found], indent=2))
        return
    for r in found:
        commit = (r.indexed_commit or "not indexed yet")[:12]
        click.echo(f"{r.repo_id:<32} org {r.organization_id:<8} {r.provider:<7} {r.key}  {commit}")


@repos.command()
@click.argument("repo")
@click.option("--project", type=click.Path(path_type=Path, file_okay=False), hidden=True)
def remove(repo: str, project: Path | None) -> None:
    """Stop indexing a repository (by id or URL) and take its files out of the index."""
    from gluekb.adapters.aws import AwsClients
    from gluekb.services.repos.registration import repo_key
    from gluekb.settings import SyncWorkerSettings, get_settings
    from gluekb.wiring.sync import repo_indexer, sync_stores

    use_stack(project)
    registry, _, _ = _services()
    settings = get_settings(SyncWorkerSettings)
    clients = AwsClients.from_settings(settings)
    try:
        registration = registry.get(repo) or registry.find([repo_key(repo)])
        if registration is None:
            fail(f"no repository {repo!r} is registered")
        removed = repo_indexer(settings, clients, sync_stores(settings, clients)).forget(
            registration
        )
    except GluekbError as exc:
        fail(exc.message)
    click.echo(f"removed {registration.key}; {removed} file(s) leave the index")
