"""The console's one place that maps errors to pages, and the headers every page carries."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from app.console.web import (
    CrossSiteRefused,
    SignInRequired,
    Viewer,
    current_viewer,
    render,
    sign_in_redirect,
)
from gluekb.errors import GluekbError
from gluekb.observability import logger

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
TITLES = {403: "Not allowed", 404: "Not found", 422: "Check what you entered"}


def _viewer_or_none(request: Request) -> Viewer | None:
    try:
        return current_viewer(request)
    except (SignInRequired, GluekbError):
        return None


def error_page(request: Request, status: int, message: str) -> Response:
    if status >= 500:
        logger.error("console page failed", extra={"path": request.url.path, "error": message})
    title = TITLES.get(status, "Something went wrong")
    viewer = _viewer_or_none(request)
    return render(request, "error.html", viewer, status_code=status, title=title, message=message)


def _validation_message(exc: RequestValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
        problems.append(f"{where or 'input'}: {error.get('msg', 'invalid')}")
    return "; ".join(problems)


async def _answer(
    handler: Callable[[Request], Coroutine[Any, Any, Response]], request: Request
) -> Response:
    try:
        return await handler(request)
    except SignInRequired:
        return sign_in_redirect(request)
    except CrossSiteRefused:
        return error_page(
            request,
            403,
            "This request did not come from a console page (cross-site requests "
            "are refused). Open the page again and retry.",
        )
    except GluekbError as exc:
        return error_page(request, exc.status_code, exc.message)
    except RequestValidationError as exc:
        return error_page(request, 422, _validation_message(exc))


class ConsoleRoute(APIRoute):
    """Errors become pages (a missing session: the sign-in page); every answer gets the
    console's security headers and, unless it says otherwise, is never cached."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            response = await _answer(handler, request)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            response.headers.setdefault("Cache-Control", "no-store")
            return response

        return route
