"""`gluekb health`: the documentation health report of each client (or one), from the API."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click

from gluekb_dev.cli.query import api_request

SEVERITY_COLOURS = {"critical": "red", "high": "red", "medium": "yellow", "low": "white"}


def _reports(
    organization: str | None, as_of: date | None, project: Path | None
) -> list[dict[str, Any]]:
    names = (
        [organization]
        if organization
        else [o["id"] for o in api_request("GET", "/v1/organizations", project)]
    )
    params = {"as_of": as_of.isoformat()} if as_of else {}
    return [
        api_request("GET", f"/v1/organizations/{quote(n, safe='')}/health", project, params=params)
        for n in names
    ]


def _trend(report: dict[str, Any]) -> str:
    trend = report["trend"]
    if trend["previous_at"] is None:
        return "no earlier report"
    return (
        f"{trend['score_change']:+d} since {trend['previous_at'][:10]}, "
        f"{trend['new_findings']} new, {trend['resolved_findings']} resolved"
    )


def _print(report: dict[str, Any], limit: int) -> None:
    click.secho(
        f"{report['organization_name']}: score {report['score']} ({_trend(report)})", bold=True
    )
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for finding in report["findings"]:
        by_kind.setdefault(finding["kind"], []).append(finding)
    for kind, findings in by_kind.items():
        click.echo(f"  {kind.replace('_', ' ')}: {len(findings)}")
        for finding in findings[:limit]:
            colour = SEVERITY_COLOURS[finding["severity"]]
            click.secho(f"    [{finding['severity']}] ", fg=colour, nl=False)
            click.echo(f"{finding['record']['name']}: {finding['detail']}")
            if finding["record"].get("url"):
                click.echo(f"      {finding['record']['url']}")
        if len(findings) > limit:
            click.echo(f"    ... {len(findings) - limit} more (--all, or --json)")
    for note in report.get("notes", []):
        click.secho(f"  note: {note}", fg="yellow")


@click.command()
@click.option("--org", "organization", metavar="NAME|ID", help="One client (default: all).")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Judge dates against this day.")
@click.option("--all", "show_all", is_flag=True, help="Every finding, not the first five a kind.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON reports.")
@click.option("--project", type=click.Path(path_type=Path, file_okay=False), hidden=True)
def health(
    organization: str | None,
    as_of: Any,
    show_all: bool,
    as_json: bool,
    project: Path | None,
) -> None:
    """Documentation health: expiries, stale records, gaps and broken links, with a score."""
    reports = _reports(organization, as_of.date() if as_of else None, project)
    if as_json:
        click.echo(json.dumps(reports if organization is None else reports[0], indent=2))
        return
    for report in reports:
        _print(report, 10**6 if show_all else 5)
