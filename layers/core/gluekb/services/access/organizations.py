"""Organizations as a caller sees them. An organization the caller may not see is answered
exactly like one that does not exist, so nothing reveals it (not even its existence)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from gluekb.errors import NotFound
from gluekb.models.auth import Principal
from gluekb.models.organizations import RegisteredOrganization
from gluekb.models.sync import Mode, SyncJob
from gluekb.models.views import DiscoveryView, OrganizationView, SyncQueued, SyncStatusView
from gluekb.ports.queues import JobSender
from gluekb.ports.state import DiscoveryStatusSource, SyncStatusStore
from gluekb.ports.state import OrganizationSource as OrganizationSource  # its older importers
from gluekb.services.access.auth import require_scope

NOT_FOUND = "organization not found"


class OrganizationDirectory:
    """The organization registry, re-read at most every `ttl_s` (it changes on discovery only),
    so answering from the query cache needs no database read."""

    def __init__(
        self,
        state: OrganizationSource,
        ttl_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.state = state
        self.ttl_s = ttl_s
        self.clock = clock
        self._cached: tuple[float, list[RegisteredOrganization]] | None = None
        self._lock = threading.Lock()

    def organizations(self) -> list[RegisteredOrganization]:
        with self._lock:
            if self._cached is None or self._cached[0] <= self.clock():
                self._cached = (self.clock() + self.ttl_s, self.state.organizations())
            return self._cached[1]


def _view(organization: RegisteredOrganization, state: SyncStatusStore) -> OrganizationView:
    status = state.sync_status(organization.id)
    return OrganizationView(
        id=organization.id,
        name=organization.name,
        short_name=organization.short_name,
        status=organization.status,
        sync_state=status.state,
        last_synced_at=status.last_success_at,
        counts=status.counts,
    )


def visible_organizations(
    principal: Principal, state: OrganizationSource
) -> list[RegisteredOrganization]:
    return [o for o in state.organizations() if principal.can_see(o.id)]


def list_organizations(principal: Principal, state: SyncStatusStore) -> list[OrganizationView]:
    return [_view(o, state) for o in visible_organizations(principal, state)]


def organization_page(
    principal: Principal, state: SyncStatusStore, offset: int, limit: int
) -> tuple[list[OrganizationView], int]:
    """`limit` of the organizations the caller may see from `offset` (only those read their
    sync status), and how many it may see in all."""
    visible = visible_organizations(principal, state)
    return [_view(o, state) for o in visible[offset : offset + limit]], len(visible)


def resolve_organization(
    principal: Principal, state: OrganizationSource, reference: str
) -> RegisteredOrganization:
    """An organization by id or by name (case-insensitive), among those the caller may see."""
    candidates = visible_organizations(principal, state)
    for organization in candidates:
        if organization.id == reference.strip():
            return organization
    wanted = reference.strip().lower()
    for organization in candidates:
        if organization.is_named(wanted):
            return organization
    raise NotFound(NOT_FOUND)


def sync_status(principal: Principal, state: SyncStatusStore, reference: str) -> SyncStatusView:
    organization = resolve_organization(principal, state, reference)
    status = state.sync_status(organization.id)
    return SyncStatusView.model_validate(
        status.model_dump() | {"organization_name": status.organization_name or organization.name}
    )


def sync_statuses(principal: Principal, state: SyncStatusStore) -> list[SyncStatusView]:
    """The sync status of every organization the caller may see."""
    return [sync_status(principal, state, o.id) for o in visible_organizations(principal, state)]


def discovery_status(principal: Principal, state: DiscoveryStatusSource) -> DiscoveryView:
    """The last discovery and recent purges, as far as the caller may know them: a purged
    organization only to a key that named it (or sees every organization)."""
    last = state.discovery_status()
    everything = principal.all_organizations
    return DiscoveryView(
        at=last.at,
        complete=last.complete,
        organizations=len(last.organizations) if everything and last.at else None,
        error=last.error,
        purge_skipped=last.purge_skipped if everything else None,
        purged=[p for p in last.purged if principal.can_see(p.organization_id)],
        purge_queued=[o for o in last.purge_queued if principal.can_see(o)],
        recent_purges=[p for p in state.recent_purges() if principal.can_see(p.organization_id)],
    )


def queue_sync(
    principal: Principal, state: SyncStatusStore, queue: JobSender, reference: str, mode: Mode
) -> SyncQueued:
    require_scope(principal, "sync")
    organization = resolve_organization(principal, state, reference)
    now = datetime.now(UTC)
    queue.send(
        SyncJob(
            organization_id=organization.id,
            organization_name=organization.name,
            mode=mode,
            reason="api",
            requested_at=now,
        )
    )
    status = state.sync_status(organization.id)
    if status.state != "running":
        status.state, status.queued_at = "queued", now
        state.save_sync_status(status)
    return SyncQueued(organization_id=organization.id, mode=mode, queued_at=now)
