"""Sync jobs: what scheduled_sync, the API and webhooks put on the sync queue."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class SyncJob(BaseModel):
    """Sync one organization (or, with `record`, one record of it)."""

    organization_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    mode: Literal["incremental", "full"] = "incremental"
    reason: Literal["schedule", "api", "cli", "webhook", "resume"] = "schedule"
    requested_at: datetime
    resource_type: str | None = None
    record_id: str | None = None
