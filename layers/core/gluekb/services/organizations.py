"""Organizations as a caller sees them. An organization the caller may not see is answered
exactly like one that does not exist, so nothing reveals it (not even its existence)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gluekb.adapters.sqs import JobQueue
from gluekb.adapters.state_store import StateStore
from gluekb.errors import NotFound
from gluekb.models.auth import Principal
from gluekb.models.sync import Mode, SyncJob
from gluekb.models.views import OrganizationView, SyncQueued, SyncStatusView
from gluekb.services.auth import require_scope

NOT_FOUND = "organization not found"


def _view(entry: dict[str, Any], state: StateStore) -> OrganizationView:
    status = state.sync_status(entry["id"])
    return OrganizationView(
        id=entry["id"],
        name=str(entry.get("name", entry["id"])),
        short_name=entry.get("short_name"),
        status=entry.get("status"),
        sync_state=status.state,
        last_synced_at=status.last_success_at,
    )


def visible_organizations(principal: Principal, state: StateStore) -> list[dict[str, Any]]:
    return [o for o in state.organizations() if principal.can_see(o["id"])]


def list_organizations(principal: Principal, state: StateStore) -> list[OrganizationView]:
    return [_view(o, state) for o in visible_organizations(principal, state)]


def resolve_organization(principal: Principal, state: StateStore, reference: str) -> dict[str, Any]:
    """An organization by id or by name (case-insensitive), among those the caller may see."""
    wanted = reference.strip().lower()
    candidates = visible_organizations(principal, state)
    for entry in candidates:
        if entry["id"] == reference.strip():
            return entry
    for entry in candidates:
        if (
            str(entry.get("name", "")).lower() == wanted
            or str(entry.get("short_name") or "").lower() == wanted
        ):
            return entry
    raise NotFound(NOT_FOUND)


def sync_status(principal: Principal, state: StateStore, reference: str) -> SyncStatusView:
    entry = resolve_organization(principal, state, reference)
    status = state.sync_status(entry["id"])
    return SyncStatusView.model_validate(
        status.model_dump() | {"organization_name": status.organization_name or entry.get("name")}
    )


def queue_sync(
    principal: Principal, state: StateStore, queue: JobQueue, reference: str, mode: Mode
) -> SyncQueued:
    require_scope(principal, "sync")
    entry = resolve_organization(principal, state, reference)
    now = datetime.now(UTC)
    queue.send(
        SyncJob(
            organization_id=entry["id"],
            organization_name=entry.get("name"),
            mode=mode,
            reason="api",
            requested_at=now,
        )
    )
    status = state.sync_status(entry["id"])
    if status.state != "running":
        status.state, status.queued_at = "queued", now
        state.save_sync_status(status)
    return SyncQueued(organization_id=entry["id"], mode=mode, queued_at=now)
