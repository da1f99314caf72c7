"""The console's edge: who is signed in (the sealed cookie, the key authenticated again on every
request), what a POST must carry (same origin, the session's CSRF token), and rendering."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app import deps
from gluekb.errors import Unauthorized
from gluekb.models.auth import Principal
from gluekb.models.organizations import RegisteredOrganization
from gluekb.services.access.organizations import visible_organizations
from gluekb.services.console.session import ConsoleSession
from gluekb.wiring.console import ConsoleServices

HERE = Path(__file__).parent
SESSION_COOKIE = "gluekb_session"
SIGN_IN_COOKIE = "gluekb_sign_in"
MAX_FORM_BYTES = 64 * 1024
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

console = ConsoleServices(deps.services)
ASSETS: dict[str, bytes] = {p.name: p.read_bytes() for p in (HERE / "static").iterdir()}
ASSET_VERSIONS = {name: hashlib.sha256(data).hexdigest()[:12] for name, data in ASSETS.items()}
templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,
    auto_reload=False,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.globals["asset"] = lambda name: f"/console/assets/{name}?v={ASSET_VERSIONS[name]}"


class SignInRequired(Exception):
    """No valid session: missing, forged, altered or expired cookie, or a key no longer valid."""


class CrossSiteRefused(Exception):
    """A POST from another origin, or without its session's CSRF token."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in technician: the key's principal and this session's CSRF token."""

    principal: Principal
    session: ConsoleSession
    csrf_token: str

    def can(self, scope: str) -> bool:
        return self.principal.has(scope)

    def organizations(self) -> list[RegisteredOrganization]:
        return visible_organizations(self.principal, deps.services.directory)

    def organization_names(self) -> dict[str, str]:
        return {o.id: o.name for o in self.organizations()}


def is_local(request: Request) -> bool:
    return (request.url.hostname or "") in LOCAL_HOSTS


def current_viewer(request: Request) -> Viewer:
    sessions = console.sessions
    session = sessions.open(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise SignInRequired
    try:
        principal = deps.services.authenticator.authenticate(session.api_key)
    except Unauthorized:
        raise SignInRequired from None  # revoked or expired since sign-in
    return Viewer(principal, session, sessions.csrf_token(session))


SignedIn = Annotated[Viewer, Depends(current_viewer)]


def same_origin(request: Request) -> bool:
    """A browser names where a POST comes from; one from another origin (another port, site or
    an opaque `null`) is refused whatever it carries."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not sent by every browser for same-origin forms; the token still decides
    return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded form body, bounded (the console sends no files)."""
    if request.headers.get("content-type", "").split(";")[0].strip() not in (
        "application/x-www-form-urlencoded",
        "",
    ):
        raise CrossSiteRefused
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise CrossSiteRefused
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


@dataclass(frozen=True)
class Posted:
    viewer: Viewer
    form: dict[str, str]


async def posted_form(request: Request) -> Posted:
    """A POST from a signed-in page of this console: origin, session, then CSRF token."""
    if not same_origin(request):
        raise CrossSiteRefused
    viewer = current_viewer(request)
    form = await read_form(request)
    token = request.headers.get("x-csrf-token") or form.get("csrf_token")
    if not console.sessions.csrf_ok(viewer.session, token):
        raise CrossSiteRefused
    return Posted(viewer, form)


PostedForm = Annotated[Posted, Depends(posted_form)]


def render(
    request: Request,
    template: str,
    viewer: Viewer | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    html = templates.get_template(template).render(viewer=viewer, path=request.url.path, **context)
    return HTMLResponse(html, status_code=status_code)


def redirect(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303)


def sign_in_redirect(request: Request) -> Response:
    target = "/console/sign-in"
    if request.method == "GET" and request.url.path.startswith("/console/"):
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target += f"?next={quote(wanted, safe='')}"
    response = redirect(target)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def set_cookie(
    response: Response, request: Request, name: str, value: str, max_age: int, path: str = "/"
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        secure=not is_local(request),
        samesite="strict",
    )
