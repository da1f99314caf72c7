"""The Starlette app: the IT Glue API under `/`, and `/_demo/...` for tests (the request log,
the faults in force, health). An API request is checked in IT Glue's order: the API key (401),
the rate limit (429 with `Retry-After`), injected faults, then routing:

    /<type>                                      list          (top-level types)
    /<type>/<id>                                 show
    /<parent>/<id>/relationships/<child>         nested list   (`resources.NESTED`)
    /<parent>/<id>/relationships/<child>/<id>    nested show
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gluekb_dev.demo.server.config import DemoServerConfig, Faults
from gluekb_dev.demo.server.errors import ApiError, not_found
from gluekb_dev.demo.server.faults import faults_json, inject_faults
from gluekb_dev.demo.server.folders import check_folders_route
from gluekb_dev.demo.server.request_log import RequestRecord
from gluekb_dev.demo.server.resources import NESTED
from gluekb_dev.demo.server.responses import list_response, show_record, show_response
from gluekb_dev.demo.server.state import DemoState
from gluekb_dev.demo.server.view import TenantView
from gluekb_dev.demo.tenant import TenantStore


def create_app(tenant_dir: Path, config: DemoServerConfig | None = None) -> Starlette:
    """The Starlette app serving the tenant stored under `tenant_dir`."""
    state = DemoState(TenantStore(tenant_dir), config or DemoServerConfig())

    async def api(request: Request) -> Response:
        started = time.time()
        try:
            response = await _answer(state, request)
        except ApiError as exc:
            response = exc.response()
        state.log.add(
            RequestRecord(
                at=started,
                method=request.method,
                path=request.url.path,
                query=request.url.query,
                status=response.status_code,
            )
        )
        return response

    async def requests_log(request: Request) -> Response:
        if request.method == "DELETE":
            state.log.clear()
            return JSONResponse({"cleared": True})
        records = [asdict(r) for r in state.log.all()]
        return JSONResponse({"count": len(records), "requests": records})

    async def faults(request: Request) -> Response:
        if request.method == "PUT":
            try:
                state.set_faults(Faults.from_json(await request.json()))
            except (TypeError, ValueError) as exc:
                return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse(faults_json(state.faults))

    async def health(request: Request) -> Response:
        view = state.view.current()
        assert view.tenant is not None
        return JSONResponse({"status": "ok", "step": view.tenant.step, "seed": view.tenant.seed})

    app = Starlette(
        routes=[
            Route("/_demo/requests", requests_log, methods=["GET", "DELETE"]),
            Route("/_demo/faults", faults, methods=["GET", "PUT"]),
            Route("/_demo/health", health, methods=["GET"]),
            Route("/{path:path}", api, methods=["GET"]),
        ]
    )
    app.state.demo = state
    return app


async def _answer(state: DemoState, request: Request) -> Response:
    _admit(state, request)
    await inject_faults(state, request.url.path)
    return _route(state, state.view.current(), request)


def _admit(state: DemoState, request: Request) -> None:
    """401 without the right `x-api-key`; 429 past the rate limit."""
    config = state.config
    if request.headers.get("x-api-key") != config.api_key:
        raise ApiError(401, "Unauthorized", "Invalid or missing API key (x-api-key)")
    wait = state.take_rate_slot()
    if wait is not None:
        raise ApiError(
            429,
            "Too Many Requests",
            f"Rate limit of {config.rate_limit} requests per {config.rate_window_s:g} seconds "
            "exceeded",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )


def _route(state: DemoState, view: TenantView, request: Request) -> Response:
    path = request.url.path
    segments = [s for s in path.split("/") if s]
    params = request.query_params
    if len(segments) == 1:
        return list_response(state, view, segments[0], params, None, path)
    if len(segments) == 2:
        return show_response(state, view, segments[0], segments[1], params)
    if len(segments) in (4, 5) and segments[2] == "relationships":
        return _route_nested(state, view, segments, request)
    raise not_found()


def _route_nested(
    state: DemoState, view: TenantView, segments: list[str], request: Request
) -> Response:
    """`/<parent>/<id>/relationships/<child>[/<id>]`: only children of that parent."""
    parent_type, parent_id, _, child = segments[:4]
    routes = NESTED.get(parent_type, {})
    if child not in routes:
        raise not_found()
    check_folders_route(state.config, child)
    if view.tenant is None or view.tenant.get(parent_type, parent_id) is None:
        raise not_found(f"{parent_type} {parent_id} not found")
    resource_type, _attribute = routes[child]
    parent = (parent_type, parent_id)
    params = request.query_params
    if len(segments) == 4:
        return list_response(state, view, resource_type, params, parent, request.url.path)
    record = view.find(resource_type, segments[4])
    if record is None or record not in view.children.get(parent, {}).get(resource_type, []):
        raise not_found()
    return show_record(state, view, resource_type, record, params)
