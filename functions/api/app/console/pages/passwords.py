"""Passwords: metadata everywhere; the value only for a key with `passwords:reveal`, with a
reason typed in, shown once in a response nobody may store, and written to the audit log before
it is shown. The audit log has its own page (scope `admin`)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app import deps
from app.console.routing import ConsoleRoute
from app.console.web import PostedForm, SignedIn, Viewer, console, render
from gluekb.errors import NotFound
from gluekb.services.access.passwords import REVEAL_SCOPE, PasswordView, get_password
from gluekb.services.console.audit import audit_trail
from gluekb.services.console.passwords import password_list
from gluekb.services.query.records import get_record

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store, max-age=0", "Pragma": "no-cache", "Expires": "0"}


@router.get("/console/passwords")
def passwords_page(request: Request, viewer: SignedIn, org: str = "") -> Response:
    found = password_list(
        viewer.principal, deps.services.directory, deps.services.catalog, organization=org or None
    )
    return render(request, "passwords.html", viewer, passwords=found, org=org)


@router.get("/console/passwords/{password_id}")
def password_page(request: Request, viewer: SignedIn, password_id: str) -> Response:
    record = get_record(viewer.principal, deps.services.catalog, password_id[:512])
    if record.type != "password":
        raise NotFound("password not found")
    return render(
        request,
        "password.html",
        viewer,
        record=record,
        revealed=None,
        may_reveal=viewer.can(REVEAL_SCOPE),
        names=viewer.organization_names(),
    )


@router.post("/console/passwords/{password_id}/reveal")
async def reveal(request: Request, password_id: str, posted: PostedForm) -> Response:
    viewer = posted.viewer
    revealed = await get_password(
        viewer.principal,
        deps.services.catalog,
        deps.services.audit_log,
        console.password_source,
        password_id[:512],
        posted.form.get("reason", ""),
        via="api",
    )
    return revealed_page(request, viewer, revealed)


def revealed_page(request: Request, viewer: Viewer, revealed: PasswordView) -> Response:
    """The password's page with its value, once: a response nobody may store."""
    record = get_record(viewer.principal, deps.services.catalog, revealed.id)
    response = render(
        request,
        "password.html",
        viewer,
        record=record,
        revealed=revealed,
        may_reveal=True,
        names=viewer.organization_names(),
    )
    response.headers.update(NO_STORE)
    return response


@router.get("/console/audit")
def audit_page(request: Request, viewer: SignedIn, org: str = "") -> Response:
    entries = audit_trail(
        viewer.principal, deps.services.directory, deps.services.audit_log, organization=org or None
    )
    return render(request, "audit.html", viewer, entries=entries, org=org)
