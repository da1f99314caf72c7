"""`gluekb ask` and `gluekb search`: the HTTP API of the running stack, from a terminal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import httpx

from gluekb.settings import CliSettings, get_settings
from gluekb_dev.cli.context import fail, state_home, use_stack


def _call(path: str, body: dict[str, Any], project: Path | None) -> dict[str, Any]:
    payload: dict[str, Any] = api_request("POST", path, project, json=body)
    return payload


def api_request(method: str, path: str, project: Path | None, **kwargs: Any) -> Any:
    """The running stack's HTTP API with GLUEKB_API_KEY (else the stack's admin key); an error
    answer stops the command with its message."""
    info = use_stack(project)
    settings = get_settings(CliSettings)
    key = settings.api_key.get_secret_value() if settings.api_key else None
    if key is None:
        stored = state_home(project) / "admin-key"
        if not stored.exists():
            fail(
                "no API key: set GLUEKB_API_KEY or start `gluekb up` (it writes .gluekb/admin-key)"
            )
        key = stored.read_text().strip()
    try:
        response = httpx.request(
            method,
            f"{info['api_url']}{path}",
            headers={"Authorization": f"Bearer {key}"},
            timeout=60,
            **kwargs,
        )
    except httpx.HTTPError as exc:
        fail(f"the API at {info['api_url']} did not answer: {exc}")
    payload = response.json()
    if response.status_code >= 400:
        error = payload.get("error", {}).get("message") or payload.get("message") or response.text
        fail(f"{response.status_code}: {error}")
    return payload


@click.command()
@click.argument("question")
@click.option("--org", "organization", metavar="NAME|ID", help="Ask about one organization.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON answer.")
@click.option("--project", type=click.Path(path_type=Path, file_okay=False), hidden=True)
def ask(question: str, organization: str | None, as_json: bool, project: Path | None) -> None:
    """A grounded answer: facts from the records, with their sources (or "No data available")."""
    body: dict[str, Any] = {"question": question}
    if organization:
        body["organization"] = organization
    answer = _call("/v1/ask", body, project)
    if as_json:
        click.echo(json.dumps(answer, indent=2))
        return
    org = (answer.get("organization") or {}).get("name")
    if not answer["found"]:
        click.secho(answer.get("message") or "No data available", fg="yellow")
        return
    if org:
        click.secho(org, bold=True)
    by_record: dict[str, list[dict[str, Any]]] = {}
    for fact in answer["facts"]:
        by_record.setdefault(fact["record"]["id"], []).append(fact)
    for facts in by_record.values():
        record = facts[0]["record"]
        click.secho(f"  {record['title']} ({record['type']})", fg="cyan")
        for fact in facts:
            click.echo(f"    {fact['field']}: {fact['value']}")
    click.echo(
        f"  confidence {answer['confidence']:.2f}"
        + ("  (semantic search unavailable)" if answer.get("degraded") else "")
    )
    click.echo("  sources:")
    seen = set()
    for source in answer["sources"]:
        if source["id"] in seen:
            continue
        seen.add(source["id"])
        where = f"{source['folder']} > " if source.get("folder") else ""  # its IT Glue folder
        click.echo(
            f"    {where}{source['title']}  {source['id']}"
            + (f"  {source['url']}" if source.get("url") else "")
        )


@click.command()
@click.argument("terms")
@click.option("--org", "organization", metavar="NAME|ID")
@click.option("--type", "types", multiple=True, help="Only these source types (repeatable).")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--project", type=click.Path(path_type=Path, file_okay=False), hidden=True)
def search(
    terms: str,
    organization: str | None,
    types: tuple[str, ...],
    limit: int,
    as_json: bool,
    project: Path | None,
) -> None:
    """Hybrid search: exact identifiers first, then keyword and meaning."""
    body: dict[str, Any] = {"query": terms, "limit": limit}
    if organization:
        body["organization"] = organization
    if types:
        body["types"] = list(types)
    result = _call("/v1/search", body, project)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    if result.get("degraded"):
        click.secho("semantic search unavailable: keyword results only", fg="yellow")
    if not result["results"]:
        click.secho("no results", fg="yellow")
    for n, hit in enumerate(result["results"], 1):
        click.secho(f"{n:>2}. {hit['title']}", fg="cyan", nl=False)
        where = hit.get("organization_name") or hit["organization_id"]
        click.echo(f"  [{hit['type']} · {where} · {','.join(hit['matched_by'])}]")
        snippet = (
            (hit.get("snippet") or "").replace("<mark>", "\x1b[1m").replace("</mark>", "\x1b[0m")
        )
        if snippet:
            click.echo(f"    {snippet[:300]}")
        click.echo(f"    {hit['source_id']}" + (f"  {hit['url']}" if hit.get("url") else ""))
