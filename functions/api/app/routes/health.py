"""GET /health: every dependency, each probed and bounded in time."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app import deps
from gluekb.services.health import check_health

router = APIRouter(tags=["health"])


@router.get("/health", summary="Health of the API and every dependency")
def get_health() -> JSONResponse:
    report = check_health(deps.services.health_probes())
    return JSONResponse(report.as_json(), status_code=200 if report.status == "ok" else 503)
