"""`gluekb trace <id>`: one piece of work's trail through the local stack's logs.

The id is a correlation id: a webhook receipt's `request_id`, an API response's
`apigw-requestid` header, a mail's SES message id (its object name under `inbound/`), or a
scheduled run's EventBridge event id. Every function and the embedding worker log under it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from gluekb_dev.cli.context import fail, state_home
from gluekb_dev.stack.log_trail import TrailLine, trail

FACT_CHARS = 60  # each fact's value is cut to this in the text view (--json has them whole)


@click.command()
@click.argument("correlation_id")
@click.option("--json", "as_json", is_flag=True, help="Print the lines as JSON.")
@click.option(
    "--project", type=click.Path(path_type=Path, file_okay=False), help="The gluekb checkout."
)
def trace(correlation_id: str, as_json: bool, project: Path | None) -> None:
    """Print the trail of CORRELATION_ID (a webhook's request_id, an API request id, a mail's
    SES message id) from the function and worker logs, oldest first."""
    logs = state_home(project) / "logs"
    if not logs.is_dir():
        fail(f"no logs at {logs}: has `gluekb up` run here?")
    lines = trail(logs, correlation_id)
    if as_json:
        click.echo(json.dumps([line.as_json() for line in lines], indent=2, default=str))
    elif lines:
        _print(correlation_id, lines)
    if not lines:
        fail(f"no log line under {logs} carries {correlation_id}", code=1)


def _print(correlation_id: str, lines: list[TrailLine]) -> None:
    sources = list(dict.fromkeys(line.source for line in lines))
    took = (lines[-1].at - lines[0].at).total_seconds()
    click.echo(f"{correlation_id}: {len(lines)} lines from {', '.join(sources)} over {took:.2f}s")
    width = max(len(source) for source in sources)
    for line in lines:
        level = click.style(f"{line.level:<7}", fg=_colour(line.level))
        facts = " ".join(f"{k}={_short(v)}" for k, v in line.facts.items())
        click.echo(
            f"{line.at:%H:%M:%S.%f}"[:-3]
            + f"  {line.source:<{width}}  {level} {line.message}"
            + (f"  {facts}" if facts else "")
        )


def _colour(level: str) -> str | None:
    return {"ERROR": "red", "CRITICAL": "red", "WARNING": "yellow"}.get(level)


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= FACT_CHARS else text[: FACT_CHARS - 1] + "…"
