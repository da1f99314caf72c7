"""GET /v1/organizations/{org}/health: the client's documentation health report."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from app import deps
from app.routes.organizations import OrgRef
from gluekb.models.doc_health import HealthReport

router = APIRouter(prefix="/v1/organizations", tags=["organizations"])


@router.get(
    "/{organization}/health",
    summary="Documentation health: expiries, stale records, gaps, broken links, score and trend",
)
def get_health(
    caller: deps.Caller,
    organization: str = OrgRef,
    as_of: Annotated[
        date | None,
        Query(description="judge dates against this day (default: today, UTC)"),
    ] = None,
) -> HealthReport:
    return deps.services.health.report(caller, organization, as_of)
