"""`gluekb sync` and `gluekb demo`: run the IT Glue sync from a terminal against `gluekb up`."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from gluekb.errors import GluekbError
from gluekb.models.sync import DiscoveryStatus, Mode
from gluekb_dev.cli.context import fail, state_home, use_stack
from gluekb_dev.cli.progress import progress_display


@click.command()
@click.option("--org", "organization", metavar="ID|NAME", help="One organization (default: all).")
@click.option(
    "--full", is_flag=True, help="List everything and sweep deletions (else incremental)."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON summary instead of progress.")
@click.option("--project", type=click.Path(path_type=Path, file_okay=False), hidden=True)
def sync(organization: str | None, full: bool, as_json: bool, project: Path | None) -> None:
    """Sync IT Glue now, with progress per organization and resource type."""
    use_stack(project)
    try:
        mode: Mode = "full" if full else "incremental"
        summary = asyncio.run(_sync(organization, mode, as_json))
    except GluekbError as exc:
        fail(exc.message)
    if as_json:
        click.echo(json.dumps(summary, indent=2, default=str))
    failed = [o for o, s in summary.items() if s["state"] not in ("ok", "purged")]
    if failed:
        raise SystemExit(1)


async def _sync(selector: str | None, mode: Mode, quiet: bool) -> dict[str, Any]:
    from gluekb.adapters.aws import AwsClients
    from gluekb.models.sync import SyncJob
    from gluekb.observability import logger
    from gluekb.services.sync.organization_sync import SyncOptions
    from gluekb.settings import SyncWorkerSettings, get_settings
    from gluekb.wiring.sync import purging_discovery, sync_jobs

    settings = get_settings(SyncWorkerSettings)
    clients = AwsClients.from_settings(settings)
    jobs = sync_jobs(settings, clients)
    discovery = await purging_discovery(settings, clients).run()
    organizations = {o.id: o.name for o in jobs.stores.state.organizations()}
    chosen = _choose(organizations, selector)

    summary: dict[str, Any] = _purges(discovery, quiet)
    with progress_display(disable=quiet) as progress:
        tasks: dict[tuple[str, str], Any] = {}

        def report(org: str, resource: str, done: int, total: int) -> None:
            key = (org, resource)
            if key not in tasks:
                label = f"{organizations.get(org, org)} · {resource.split(':')[0]}"
                tasks[key] = progress.add_task(label, total=max(total, 1))
            progress.update(tasks[key], completed=done, total=max(total, done, 1))

        for org in chosen:
            job = SyncJob(
                organization_id=org,
                organization_name=organizations[org],
                mode=mode,
                reason="cli",
                requested_at=datetime.now(UTC),
            )
            status = await jobs.sync_organization(job, SyncOptions(progress=report))
            logger.info(  # to the CLI's log file (stderr with -v), as the sync_worker logs it
                "organization synced",
                extra={"organization_id": org, "state": status.state, "mode": mode},
            )
            summary[org] = {
                "name": organizations[org],
                "state": status.state,
                "resources": {
                    r: s.model_dump(exclude={"errors"}) for r, s in status.resources.items()
                },
                "counts": status.counts,
                "errors": status.errors,
                "warnings": status.warnings,
            }
            if not quiet:
                color = "green" if status.state == "ok" else "red"
                click.secho(f"{organizations[org]}: {status.state}", fg=color)
                for error in status.errors[:5]:
                    click.echo(f"  {error}")
                for warning in status.warnings:
                    click.secho(f"  {warning}", fg="yellow")
    return summary


def _purges(discovery: DiscoveryStatus, quiet: bool) -> dict[str, Any]:
    """The organizations this discovery purged (IT Glue no longer has them), as summary entries;
    and, unless quiet, what it could not vouch for."""
    summary: dict[str, Any] = {}
    for purged in discovery.purged:
        summary[purged.organization_id] = {
            "name": purged.name,
            "state": "purged",
            "records_removed": purged.records,
            "purged_at": purged.purged_at.isoformat(),
        }
        if not quiet:
            click.secho(
                f"{purged.name or purged.organization_id}: purged (gone from IT Glue; "
                f"{purged.records} records removed)",
                fg="yellow",
            )
    if discovery.vanished and not quiet:
        click.secho(
            f"{len(discovery.vanished)} organization(s) gone from IT Glue kept: "
            f"{discovery.purge_skipped}",
            fg="yellow",
        )
    return summary


def _choose(organizations: dict[str, str], selector: str | None) -> list[str]:
    if selector is None:
        return sorted(organizations, key=lambda o: organizations[o].lower())
    if selector in organizations:
        return [selector]
    lowered = selector.lower()
    matches = [o for o, name in organizations.items() if name.lower() == lowered]
    matches = matches or [
        o for o, name in organizations.items() if name.lower().startswith(lowered)
    ]
    if len(matches) == 1:
        return matches
    known = ", ".join(sorted(organizations.values()))
    if not matches:
        fail(f"no organization '{selector}'. Known: {known}")
    fail(
        f"'{selector}' matches several organizations: "
        + ", ".join(organizations[m] for m in matches)
    )


@click.group()
def demo() -> None:
    """The demo IT Glue tenant `gluekb up` serves when no ITGLUE_API_KEY is set."""


@demo.command()
@click.option("--json", "as_json", is_flag=True)
@click.option("--project", type=click.Path(path_type=Path, file_okay=False), hidden=True)
def mutate(as_json: bool, project: Path | None) -> None:
    """Change the demo tenant (updates, new records, deletions), as time would."""
    from gluekb_dev.demo.tenant import TenantStore

    directory = state_home(project) / "demo"
    if not (directory / "tenant.json").exists():
        fail("no demo tenant yet: run `make dev` (gluekb up) once first")
    report = TenantStore(directory).mutate()
    counts = {
        change: {kind: len(ids) for kind, ids in getattr(report, change).items() if ids}
        for change in ("created", "updated", "deleted")
    }
    if as_json:
        click.echo(json.dumps({"step": report.step, "at": str(report.at), **counts}, indent=2))
        return
    click.echo(f"demo tenant step {report.step} at {report.at}:")
    for change, kinds in counts.items():
        if kinds:
            click.echo(f"  {change}: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
    click.echo("the next sync (scheduled, or `gluekb sync`) picks these up")
