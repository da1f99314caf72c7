"""Search: ranked results with highlighted snippets, filtered by organization and type."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from markupsafe import Markup, escape

from app import deps
from app.console.routing import ConsoleRoute
from app.console.web import SignedIn, render
from gluekb.errors import InvalidInput
from gluekb.services.query.search import SOURCE_TYPES, SearchRequest, SearchResult

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
TYPE_LABELS = {
    "configuration": "Configurations", "flexible_asset": "Flexible assets",
    "password": "Passwords", "document": "Documents", "contact": "Contacts",
    "location": "Locations", "domain": "Domains", "organization": "Organizations",
    "ticket": "Tickets", "git_file": "Docs repositories",
}  # fmt: skip


def highlighted(snippet: str | None) -> Markup:
    """The snippet escaped, with only the index's own <mark> tags kept."""
    text = str(escape(snippet or ""))
    return Markup(text.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>"))  # noqa: S704 - escaped above


def link_of(result: SearchResult) -> str | None:
    """Where a result opens in the console (records and tickets), else its own URL."""
    if result.source_id.startswith("itglue:"):
        return f"/console/records/{result.source_id}"
    if result.source_id.startswith("ticket:"):
        return f"/console/tickets/{result.source_id.removeprefix('ticket:')}"
    return result.url


def _best_per_source(results: list[SearchResult]) -> list[SearchResult]:
    unique: dict[str, SearchResult] = {}
    for result in results:
        unique.setdefault(result.source_id, result)
    return list(unique.values())


@router.get("/console/search")
def search_page(
    request: Request, viewer: SignedIn, q: str = "", org: str = "", type: str = ""
) -> Response:
    types = [t for t in SOURCE_TYPES if t != "ticket" or viewer.can("tickets")]
    response = None
    if q.strip():
        if type and type not in types:
            raise InvalidInput(f"unknown type {type!r}")
        response = deps.services.search.search(
            viewer.principal,
            SearchRequest(
                query=q[:1000], organization=org or None, types=[type] if type else None, limit=25
            ),
        )
    return render(
        request,
        "search.html",
        viewer,
        q=q,
        org=org,
        type=type,
        types=[(t, TYPE_LABELS.get(t, t)) for t in types],
        response=response,
        results=_best_per_source(response.results) if response else [],
        highlighted=highlighted,
        link_of=link_of,
    )
