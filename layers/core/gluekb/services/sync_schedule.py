"""The scheduled fan-out: one sync job per organization."""

from __future__ import annotations

from datetime import datetime

from gluekb.adapters.sqs import JobQueue
from gluekb.adapters.state_store import StateStore
from gluekb.models.sync import SyncJob


def fan_out_sync(state: StateStore, sync_queue: JobQueue, fired_at: datetime, event_id: str) -> int:
    """Queue an incremental sync for every organization; returns how many were queued."""
    organizations = state.organization_ids()
    sync_queue.send_all(
        [
            SyncJob(organization_id=org, reason="schedule", requested_at=fired_at)
            for org in organizations
        ]
    )
    state.record_schedule_run("sync", fired_at, event_id)
    return len(organizations)
