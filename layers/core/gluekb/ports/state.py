"""The state table's ports: the organization registry, sync status, checkpoints, schedule runs,
discoveries and purges."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from gluekb.models.organizations import RegisteredOrganization
from gluekb.models.sync import DiscoveryStatus, PurgedOrganization, SyncCheckpoint, SyncStatus


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


class DiscoveryRegistry(OrganizationRegistry, Protocol):
    """What a discovery writes: the registry, and what the discovery found or purged."""

    def save_discovery_status(self, status: DiscoveryStatus) -> None: ...


class DiscoveryStatusSource(Protocol):
    """What the last discovery did, and the latest purges (newest first)."""

    def discovery_status(self) -> DiscoveryStatus: ...

    def recent_purges(self, limit: int = 20) -> list[PurgedOrganization]: ...


class DiscoveryState(DiscoveryRegistry, Protocol):
    """The scheduled discovery's state: the registry, and when the schedule last fired."""

    def record_schedule_run(self, schedule: str, fired_at: datetime, event_id: str) -> None: ...


class PurgeState(Protocol):
    """What a purge removes from the state table, and where it records the purge."""

    def delete_organization_state(self, organization_id: str) -> None:
        """Its checkpoints and sync status (everything but its registry entry)."""

    def delete_organization(self, organization_id: str) -> None: ...

    def record_purge(self, purged: PurgedOrganization) -> None: ...


class SyncState(DiscoveryRegistry, PurgeState, Protocol):
    """What the sync keeps between runs: the registry, status, and checkpoints; and what its
    discovery and purges of organizations IT Glue no longer has write."""

    def checkpoint(self, organization_id: str, resource_type: str) -> SyncCheckpoint: ...

    def save_checkpoint(self, checkpoint: SyncCheckpoint) -> None: ...
