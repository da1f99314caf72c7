"""The organizations page's data: each visible organization's sync status, read in parallel
(one read per organization, none for the organization list: it comes from the directory)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from gluekb.models.auth import Principal
from gluekb.models.sync import SyncStatus
from gluekb.models.views import SyncStatusView
from gluekb.services.access.organizations import OrganizationSource, visible_organizations

MAX_PARALLEL_READS = 8


class SyncStatuses(Protocol):
    def sync_status(self, organization_id: str) -> SyncStatus: ...


def organization_statuses(
    principal: Principal, organizations: OrganizationSource, state: SyncStatuses
) -> list[SyncStatusView]:
    """What `GET /v1/organizations/{org}/sync` answers, for every organization the key sees."""
    visible = visible_organizations(principal, organizations)
    if not visible:
        return []
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_READS, len(visible))) as pool:
        statuses = list(pool.map(lambda o: state.sync_status(o.id), visible))
    return [
        SyncStatusView.model_validate(
            status.model_dump() | {"organization_name": status.organization_name or entry.name}
        )
        for entry, status in zip(visible, statuses, strict=True)
    ]
