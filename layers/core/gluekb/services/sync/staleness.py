"""How long ago each organization last synced completely: the figure the sync-staleness alarm
watches (scheduled_sync emits it at every run, see template.yaml) and `gluekb status` shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gluekb.models.sync import SyncStatus
from gluekb.ports.state import SyncStatusStore


@dataclass(frozen=True)
class SyncAge:
    organization_id: str
    organization_name: str
    seconds: float  # since the last complete sync (since discovery, if it never completed)
    status: SyncStatus

    def stale(self, after_s: float) -> bool:
        return self.seconds > after_s


def sync_ages(state: SyncStatusStore, now: datetime) -> list[SyncAge]:
    """Every registered organization's sync age, oldest first."""
    ages: list[SyncAge] = []
    for organization in state.organizations():
        status = state.sync_status(organization.id)
        since = status.last_success_at or organization.discovered_at or status.queued_at
        if since is None:
            continue  # registered by hand, never queued: there is no age to tell
        seconds = max(0.0, (now - since).total_seconds())
        ages.append(SyncAge(organization.id, organization.name, seconds, status))
    return sorted(ages, key=lambda age: age.seconds, reverse=True)
