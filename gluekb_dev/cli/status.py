"""`gluekb status`: the running local stack at a glance: its parts, queues and dead-letter
queues, the last sync of every organization, and the local equivalents of the alarms."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gluekb.errors import GluekbError
from gluekb_dev.cli.context import fail, state_home, use_stack
from gluekb_dev.stack.status import ago

if TYPE_CHECKING:
    from gluekb_dev.stack.status import LocalAlarm, StackFacts


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON.")
@click.option(
    "--project", type=click.Path(path_type=Path, file_okay=False), help="The gluekb checkout."
)
def status(as_json: bool, project: Path | None) -> None:
    """The local stack now: parts, queues, dead letters, last syncs and the alarms' local
    equivalents. Exits 1 when an alarm is on, 3 when the stack is not running."""
    from gluekb_dev.stack.home import load_stack_file
    from gluekb_dev.stack.status import as_json as facts_json
    from gluekb_dev.stack.status import gather, local_alarms

    try:
        load_stack_file(state_home(project))
    except GluekbError as exc:
        fail(exc.message, code=3)
    info = use_stack(project)  # its endpoint, credentials and resources
    facts = gather(info)
    alarms = local_alarms(facts)
    if as_json:
        click.echo(json.dumps({"stack": _stack(info), **facts_json(facts, alarms)}, indent=2))
    else:
        _print(info, facts, alarms)
    if not all(alarm.ok for alarm in alarms):
        raise SystemExit(1)


def _stack(info: dict[str, Any]) -> dict[str, Any]:
    keys = ("pid", "api_url", "aws_endpoint", "control_url", "logs")
    return {k: info.get(k) for k in keys} | {"up_s": round(time.time() - info["started_at"])}


def _print(info: dict[str, Any], facts: StackFacts, alarms: list[LocalAlarm]) -> None:
    up = time.time() - float(info["started_at"])
    failing = [name for name, part in facts.components.items() if not part.get("ok", True)]
    click.secho(f"gluekb up: running (pid {info['pid']}, up {up / 60:.0f} min)", bold=True)
    click.echo(f"  API {info['api_url']}   logs {info['logs']}")
    if failing:
        click.secho(f"  parts not ok: {', '.join(failing)}", fg="red")
    else:
        click.echo(f"  all {len(facts.components)} parts ok")
    click.echo("\nqueues                    waiting  in flight")
    for queue in facts.queues:
        colour = "red" if queue.dead_letter and queue.held else None
        line = f"  {queue.logical_id:<22} {queue.waiting:>8} {queue.in_flight:>10}"
        click.secho(line, fg=colour)
    click.echo("\nlast complete sync" + ("" if facts.syncs else ": no organization yet"))
    width = max((len(s.name) for s in facts.syncs), default=0)
    for sync in facts.syncs:
        errors = f", {sync.errors} error(s)" if sync.errors else ""
        click.echo(f"  {sync.name:<{width}}  {sync.state:<8} {ago(sync.age_s)} ago{errors}")
    click.echo("\nalarms (local equivalents of template.yaml's)")
    for alarm in alarms:
        mark = click.style("OK   ", fg="green") if alarm.ok else click.style("ALARM", fg="red")
        click.echo(f"  {mark} {alarm.name:<22} {alarm.detail}")
