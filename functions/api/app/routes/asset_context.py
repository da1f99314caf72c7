"""GET /v1/records/{id}/context: what a responder needs about an asset (an alert's ticket opens
with the same), every item with its source."""

from __future__ import annotations

from fastapi import APIRouter

from app import deps
from app.routes.records import RecordId
from gluekb.models.incidents import AssetContext

router = APIRouter(prefix="/v1/records", tags=["records"])


@router.get(
    "/{record_id}/context",
    summary="An asset's context: key facts, impact, runbook passages, similar tickets, "
    "credential names (never values), with sources",
)
def get_context(caller: deps.Caller, record_id: RecordId) -> AssetContext:
    return deps.services.investigation.record_context(caller, record_id)
