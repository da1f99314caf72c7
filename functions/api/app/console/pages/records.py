"""A record: every field, identifiers, interfaces, both directions of the graph, the documents
and tickets that mention it, and its page in IT Glue. Passwords open on their own page."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app import deps
from app.console.routing import ConsoleRoute
from app.console.web import SignedIn, redirect, render
from gluekb.services.console.records import record_page

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get("/console/records/{record_id}")
def record(request: Request, viewer: SignedIn, record_id: str) -> Response:
    if record_id.startswith("itglue:passwords:"):
        return redirect(f"/console/passwords/{record_id}")
    page = record_page(
        viewer.principal,
        deps.services.catalog,
        deps.services.search,
        viewer.organization_names(),
        record_id[:512],
    )
    return render(request, "record.html", viewer, page=page)
