"""The state table's ports: the organization registry, sync status, checkpoints, schedule runs."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from gluekb.models.organizations import RegisteredOrganization
from gluekb.models.sync import SyncCheckpoint, SyncStatus


class OrganizationSource(Protocol):
    def organizations(self) -> list[RegisteredOrganization]:
        """Every organization gluekb syncs, sorted by name."""


class SyncStatusStore(OrganizationSource, Protocol):
    def sync_status(self, organization_id: str) -> SyncStatus: ...

    def save_sync_status(self, status: SyncStatus) -> None: ...


class OrganizationRegistry(SyncStatusStore, Protocol):
    """What organization discovery writes: the registry."""

    def put_organization(self, organization: RegisteredOrganization) -> None: ...

    def delete_organization(self, organization_id: str) -> None: ...


class DiscoveryState(OrganizationRegistry, Protocol):
    """The scheduled discovery's state: the registry, and when the schedule last fired."""

    def record_schedule_run(self, schedule: str, fired_at: datetime, event_id: str) -> None: ...


class SyncState(OrganizationRegistry, Protocol):
    """What the sync keeps between runs: the registry, status, and checkpoints."""

    def checkpoint(self, organization_id: str, resource_type: str) -> SyncCheckpoint: ...

    def save_checkpoint(self, checkpoint: SyncCheckpoint) -> None: ...
