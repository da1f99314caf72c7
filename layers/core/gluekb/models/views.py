"""What callers see: response models shared by the HTTP API, the MCP server and the CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from gluekb.models.sync import PurgedOrganization, ResourceSummary

COUNTS = (
    "records in gluekb per resource type after the last sync, and documents_in_folders "
    "(documents IT Glue files in a folder)"
)


class OrganizationView(BaseModel):
    id: str
    name: str
    short_name: str | None = None
    status: str | None = None
    sync_state: str = "never"
    last_synced_at: datetime | None = None
    counts: dict[str, int] = Field(default_factory=dict, description=COUNTS)


class SyncStatusView(BaseModel):
    organization_id: str
    organization_name: str | None
    state: Literal["never", "queued", "running", "ok", "failed"]
    mode: str | None = None
    queued_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    last_success_at: datetime | None = None
    resources: dict[str, ResourceSummary] = Field(default_factory=dict)
    errors: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict, description=COUNTS)


class SyncRequest(BaseModel):
    mode: Literal["incremental", "full"] = "incremental"


class SyncQueued(BaseModel):
    organization_id: str
    mode: str
    state: Literal["queued"] = "queued"
    queued_at: datetime


class DiscoveryView(BaseModel):
    """The last discovery of IT Glue's organizations, and the organizations purged because IT
    Glue no longer has them (only those the caller's key named, unless it sees them all)."""

    at: datetime | None = None
    complete: bool = False
    organizations: int | None = Field(
        default=None, description="organizations IT Glue listed (for keys that see them all)"
    )
    error: str | None = None
    purge_skipped: str | None = Field(
        default=None, description="why organizations gone from IT Glue were kept"
    )
    purged: list[PurgedOrganization] = Field(default_factory=list)
    purge_queued: list[str] = Field(default_factory=list)
    recent_purges: list[PurgedOrganization] = Field(default_factory=list)
