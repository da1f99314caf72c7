"""`gluekb index rebuild`: the search index re-created from what gluekb keeps (the raw store,
the tickets, the docs repositories), through the index queue and the embedding worker."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gluekb.errors import GluekbError
from gluekb_dev.cli.context import fail, find_organization, use_stack
from gluekb_dev.cli.progress import progress_display

if TYPE_CHECKING:
    from gluekb.services.indexing.rebuild import IndexRebuild, RebuildReport

WAIT_EVERY_S = 2.0


@click.group(name="index")
def index_commands() -> None:
    """The search index: derived data, re-created from the raw store and the tickets."""


@index_commands.command()
@click.option("--org", "organization", metavar="ID|NAME", help="One organization (default: all).")
@click.option(
    "--wait/--no-wait", default=True, show_default=True, help="Wait until the worker indexed it."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON summary.")
@click.option(
    "--project", type=click.Path(path_type=Path, file_okay=False), help="The gluekb checkout."
)
def rebuild(organization: str | None, wait: bool, as_json: bool, project: Path | None) -> None:
    """Queue every record, ticket and docs-repository file for indexing again. The worker skips
    what the index already holds unchanged, so this repairs a damaged or lost index cheaply."""
    from gluekb.adapters.aws import AwsClients
    from gluekb.adapters.sqs_work_queue import SqsWorkQueue
    from gluekb.settings import ApiSettings, get_settings
    from gluekb.wiring.rebuild import index_rebuild

    use_stack(project)
    try:
        settings = get_settings(ApiSettings)
        clients = AwsClients.from_settings(settings)
        service = index_rebuild(settings, clients)
        chosen = [find_organization(service.organizations, organization)] if organization else None
        reports = _queue(service, chosen, as_json)
        queue = SqsWorkQueue(clients.sqs, settings.index_queue_url)
        waited = _wait(queue, as_json) if wait else None
    except GluekbError as exc:
        fail(exc.message)
    _print([asdict(r) for r in reports], waited, as_json)


def _queue(service: IndexRebuild, chosen: list[str] | None, quiet: bool) -> list[RebuildReport]:
    """Queue the rebuild, with a progress line (or bar) per organization and kind."""
    with progress_display(disable=quiet) as progress:
        tasks: dict[tuple[str, str], Any] = {}

        def report(org: str, what: str, count: int) -> None:
            if (org, what) not in tasks:
                tasks[org, what] = progress.add_task(f"{org} · {what} queued", total=None)
            progress.update(tasks[org, what], completed=count)

        return service.rebuild(chosen, progress=report)


def _wait(queue: Any, quiet: bool) -> float:
    """Until the index queue is empty (the worker indexed everything); seconds it took."""
    started = time.monotonic()
    last = ""
    while True:
        depth = queue.depth()
        waiting = depth.visible + depth.in_flight
        line = f"index jobs waiting: {waiting}"
        if not quiet and line != last:
            click.echo(line)
            last = line
        if waiting == 0:
            return round(time.monotonic() - started, 1)
        time.sleep(WAIT_EVERY_S)


def _print(reports: list[dict[str, Any]], waited: float | None, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"organizations": reports, "indexed_in_s": waited}, indent=2))
        return
    for org in reports:
        click.echo(
            f"{org['organization_name']}: {org['records']} records, {org['tickets']} tickets, "
            f"{org['repositories']} repositories queued"
        )
        for line in org["unreadable"][:10]:
            click.secho(f"  not readable: {line}", fg="yellow")
    if waited is not None:
        click.secho(f"indexed in {waited}s", fg="green")
