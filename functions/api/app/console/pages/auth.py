"""Signing in with an API key (it becomes a sealed session cookie) and out, and the entry at /."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app import deps
from app.console.routing import ConsoleRoute
from app.console.web import (
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    CrossSiteRefused,
    PostedForm,
    SignInRequired,
    console,
    current_viewer,
    read_form,
    redirect,
    render,
    same_origin,
    set_cookie,
)
from gluekb.errors import Unauthorized
from gluekb.services.console.session import SIGN_IN_TTL_S

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
HOME = "/console/ask"


def _next_page(wanted: str | None) -> str:
    """Where to go after signing in: a console page only (never another site)."""
    if wanted and wanted.startswith("/console/") and not wanted.startswith("//"):
        return wanted
    return HOME


@router.get("/")
def entry(request: Request) -> Response:
    try:
        current_viewer(request)
    except SignInRequired:
        return redirect("/console/sign-in")
    return redirect(HOME)


def sign_in_page(
    request: Request, *, error: str | None = None, wanted: str | None = None, status_code: int = 200
) -> Response:
    nonce, token = console.sessions.sign_in_nonce()
    response = render(
        request,
        "sign_in.html",
        None,
        status_code=status_code,
        error=error,
        sign_in_token=token,
        next_page=_next_page(wanted),
    )
    set_cookie(response, request, SIGN_IN_COOKIE, nonce, SIGN_IN_TTL_S, path="/console/sign-in")
    return response


@router.get("/console/sign-in")
def sign_in_form(request: Request, next: str | None = None) -> Response:
    try:
        current_viewer(request)
    except SignInRequired:
        return sign_in_page(request, wanted=next)
    return redirect(_next_page(next))


@router.post("/console/sign-in")
async def sign_in(request: Request) -> Response:
    if not same_origin(request):
        raise CrossSiteRefused
    form = await read_form(request)
    sessions = console.sessions
    if not sessions.sign_in_ok(request.cookies.get(SIGN_IN_COOKIE), form.get("sign_in_token")):
        return sign_in_page(
            request, error="The sign-in form expired. Please try again.", status_code=400
        )
    key = form.get("api_key", "").strip()
    try:
        deps.services.authenticator.authenticate(key)
    except Unauthorized:
        return sign_in_page(
            request,
            error="That API key is not valid (unknown, revoked or expired).",
            wanted=form.get("next"),
            status_code=401,
        )
    cookie, session = sessions.seal(key)
    response = redirect(_next_page(form.get("next")))
    set_cookie(response, request, SESSION_COOKIE, cookie, session.expires_at - session.issued_at)
    response.delete_cookie(SIGN_IN_COOKIE, path="/console/sign-in")
    return response


@router.post("/console/sign-out")
def sign_out(posted: PostedForm) -> Response:
    response = redirect("/console/sign-in")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
