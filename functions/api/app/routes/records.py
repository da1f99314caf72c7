"""GET /v1/records/{id} and GET /v1/records/{id}/related."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app import deps
from gluekb.services.query import records
from gluekb.services.query.records import Direction, RecordView, RelatedView

router = APIRouter(prefix="/v1/records", tags=["records"])
RecordId = Annotated[
    str, Path(min_length=3, max_length=512, description="e.g. itglue:configurations:200019")
]


@router.get("/{record_id}", summary="A record with its fields (never a password value)")
def get_record(caller: deps.Caller, record_id: RecordId) -> RecordView:
    return records.get_record(caller, deps.services.catalog, record_id)


@router.get("/{record_id}/related", summary="What a record depends on, or what depends on it")
def get_related(
    caller: deps.Caller,
    record_id: RecordId,
    direction: Direction = "depended_on_by",
    depth: Annotated[int, Query(ge=1, le=5)] = 1,
) -> RelatedView:
    return records.related(caller, deps.services.catalog, record_id, direction, depth)
