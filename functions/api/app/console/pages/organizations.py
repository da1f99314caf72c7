"""Organizations: each client's sync state, counts, last sync and errors; Sync now (scope
`sync`) with live progress (the page's script polls the status until the run is done)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from app import deps
from app.console.routing import ConsoleRoute
from app.console.web import PostedForm, SignedIn, redirect, render
from gluekb.models.sync import Mode
from gluekb.models.views import SyncStatusView
from gluekb.services.access import organizations
from gluekb.services.console.organizations import organization_statuses

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def progress(status: SyncStatusView) -> dict[str, Any]:
    """What the progress line shows: state, records seen so far, per type, and errors."""
    resources = {
        name: summary.model_dump(exclude={"errors"}) for name, summary in status.resources.items()
    }
    return {
        "organization_id": status.organization_id,
        "state": status.state,
        "done": status.state in ("ok", "failed", "never"),
        "fetched": sum(r.fetched for r in status.resources.values()),
        "changed": sum(r.created + r.updated + r.deleted for r in status.resources.values()),
        "resources": resources,
        "errors": status.errors[:5],
        "started_at": status.started_at.isoformat() if status.started_at else None,
        "finished_at": status.finished_at.isoformat() if status.finished_at else None,
        "last_success_at": status.last_success_at.isoformat() if status.last_success_at else None,
    }


@router.get("/console/organizations")
def organizations_page(request: Request, viewer: SignedIn, queued: str = "") -> Response:
    statuses = organization_statuses(viewer.principal, deps.services.directory, deps.services.state)
    return render(
        request,
        "organizations.html",
        viewer,
        statuses=statuses,
        progress=progress,
        queued=queued,
    )


@router.post("/console/organizations/{organization}/sync")
def sync_now(request: Request, organization: str, posted: PostedForm) -> Response:
    mode: Mode = "full" if posted.form.get("mode") == "full" else "incremental"
    queued = organizations.queue_sync(
        posted.viewer.principal, deps.services.state, deps.services.sync_queue, organization, mode
    )
    if request.headers.get("x-console-fragment") == "1":
        return JSONResponse(queued.model_dump(mode="json"), status_code=202)
    return redirect(f"/console/organizations?queued={queued.organization_id}")


@router.get("/console/organizations/{organization}/sync")
def sync_progress(viewer: SignedIn, organization: str) -> JSONResponse:
    status = organizations.sync_status(viewer.principal, deps.services.state, organization)
    return JSONResponse(progress(status))
