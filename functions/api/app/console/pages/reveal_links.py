"""One-time reveal links an assistant hands a technician (gluekb.services.access.reveal_links):
the link opens here, in the technician's own signed-in session, so the value is shown to the
person and never passes through the assistant's model. Opening the link shows what would be
revealed and why; only the POST that follows (same origin, CSRF token) reveals and uses it up,
so a link previewer that fetches the URL consumes nothing."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app import deps
from app.console.pages.passwords import NO_STORE, revealed_page
from app.console.routing import ConsoleRoute
from app.console.web import PostedForm, SignedIn, console, render
from gluekb.services.access.passwords import REVEAL_SCOPE
from gluekb.services.access.reveal_links import pending_grant, redeem_reveal_link

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get("/console/reveal/{token}")
def reveal_link_page(request: Request, viewer: SignedIn, token: str) -> Response:
    grant = pending_grant(viewer.principal, deps.services.reveal_grants, token)
    response = render(
        request,
        "reveal_link.html",
        viewer,
        grant=grant,
        token=token,
        may_reveal=viewer.can(REVEAL_SCOPE),
        names=viewer.organization_names(),
    )
    response.headers.update(NO_STORE)
    return response


@router.post("/console/reveal/{token}")
async def redeem(request: Request, token: str, posted: PostedForm) -> Response:
    viewer = posted.viewer
    revealed = await redeem_reveal_link(
        viewer.principal,
        deps.services.reveal_grants,
        deps.services.catalog,
        deps.services.audit_log,
        console.password_source,
        token,
    )
    return revealed_page(request, viewer, revealed)
