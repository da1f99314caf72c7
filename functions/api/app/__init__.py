"""The FastAPI application behind the `api` function. Errors are mapped here, in one place."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app import console
from app.routes import (
    asset_context,
    documentation_health,
    health,
    organizations,
    records,
    search,
    tickets,
)
from gluekb import __version__
from gluekb.errors import GluekbError, RateLimited
from gluekb.observability import MetricUnit, logger, metrics


def _error_body(code: str, message: str, details: object | None = None) -> dict[str, object]:
    error: dict[str, object] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}


async def _gluekb_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GluekbError)
    if exc.status_code >= 500:
        logger.error("request failed", extra={"error_code": exc.code, "error": exc.message})
    headers = {}
    if isinstance(exc, RateLimited) and exc.retry_after_s:
        headers["Retry-After"] = str(int(exc.retry_after_s) + 1)
    return JSONResponse(
        _error_body(exc.code, exc.message, exc.details or None),
        status_code=exc.status_code,
        headers=headers,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return JSONResponse(
        _error_body("invalid_input", "; ".join(problems), {"problems": problems}), status_code=422
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error")
    return JSONResponse(_error_body("internal_error", "internal error"), status_code=500)


def create_app() -> FastAPI:
    app = FastAPI(
        title="gluekb",
        version=__version__,
        description="Search and grounded answers over an MSP's IT Glue, tickets and docs.",
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )

    @app.middleware("http")
    async def access_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        elapsed = round((time.perf_counter() - started) * 1000, 2)
        logger.info(
            "request",
            extra={
                "method": request.method,
                "path": request.url.path,
                "status": response.status_code,
                "duration_ms": elapsed,
            },
        )
        metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
        if response.status_code >= 500:
            metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
        return response

    app.add_exception_handler(GluekbError, _gluekb_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
    app.include_router(health.router)
    app.include_router(organizations.router)
    app.include_router(search.router)
    app.include_router(records.router)
    app.include_router(tickets.router)
    app.include_router(asset_context.router)
    app.include_router(documentation_health.router)
    app.include_router(console.router)  # the web pages at /
    return app
