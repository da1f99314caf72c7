"""Organizations and their IT Glue sync."""

from __future__ import annotations

from fastapi import APIRouter, Body, Path

from app import deps
from gluekb.models.views import (
    DiscoveryView,
    OrganizationView,
    SyncQueued,
    SyncRequest,
    SyncStatusView,
)
from gluekb.services.access import organizations

router = APIRouter(prefix="/v1/organizations", tags=["organizations"])
OrgRef = Path(min_length=1, max_length=200, description="organization id or name")


@router.get("", summary="Organizations this API key may see")
def list_organizations(caller: deps.Caller) -> list[OrganizationView]:
    return organizations.list_organizations(caller, deps.services.state)


@router.get(
    "/discovery",
    summary="The last discovery of IT Glue's organizations, and those purged since IT Glue "
    "no longer has them",
)
def get_discovery(caller: deps.Caller) -> DiscoveryView:
    return organizations.discovery_status(caller, deps.services.state)


@router.get("/{organization}/sync", summary="Sync status: last run, counts per resource, errors")
def get_sync_status(caller: deps.Caller, organization: str = OrgRef) -> SyncStatusView:
    return organizations.sync_status(caller, deps.services.state, organization)


@router.post(
    "/{organization}/sync",
    status_code=202,
    summary="Queue a sync of the organization (scope: sync)",
)
def queue_sync(
    caller: deps.Caller,
    organization: str = OrgRef,
    request: SyncRequest = Body(default_factory=SyncRequest),  # noqa: B008 - FastAPI's idiom
) -> SyncQueued:
    return organizations.queue_sync(
        caller, deps.services.state, deps.services.sync_queue, organization, request.mode
    )
