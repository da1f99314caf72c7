"""Sync jobs: what scheduled_sync, the API and webhooks put on the sync queue."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Discriminator, Field, Tag, model_validator

from gluekb.models.repos import RepoIndexJob

Mode = Literal["incremental", "full"]
# IT Glue resource types one record of which can be re-synced on its own.
RecordType = Literal[
    "configurations",
    "flexible_assets",
    "passwords",
    "documents",
    "contacts",
    "locations",
    "domains",
]
Reason = Literal["schedule", "api", "cli", "webhook", "resume"]


class SyncJob(BaseModel):
    """Sync one organization (or, with `record`, one record of it)."""

    organization_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    organization_name: str | None = None
    mode: Literal["incremental", "full"] = "incremental"
    reason: Reason = "schedule"
    requested_at: datetime
    # A targeted re-sync (an IT Glue workflow webhook): this one record, nothing else.
    resource_type: RecordType | None = None
    record_id: str | None = Field(default=None, pattern=r"^[0-9]{1,20}$")

    @model_validator(mode="after")
    def _record_needs_its_type(self) -> SyncJob:
        if (self.resource_type is None) != (self.record_id is None):
            raise ValueError("resource_type and record_id go together")
        return self


class PurgeJob(BaseModel):
    """Purge an organization that a complete discovery no longer found in IT Glue (the worker
    asks IT Glue once more before it deletes anything)."""

    kind: Literal["purge"] = "purge"
    organization_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    organization_name: str | None = None
    requested_at: datetime


def _job_kind(value: object) -> str:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return {"repo_index": "repo", "purge": "purge"}.get(str(kind), "sync")


# What travels on the sync queue: an organization (or one record of it) to sync from IT Glue,
# the changed files of a docs repository to index, or an organization to purge. Sync jobs carry
# no `kind` (older messages and scheduled_sync's stay valid).
SyncQueueJob = Annotated[
    Annotated[SyncJob, Tag("sync")]
    | Annotated[RepoIndexJob, Tag("repo")]
    | Annotated[PurgeJob, Tag("purge")],
    Discriminator(_job_kind),
]


class PageProgress(BaseModel):
    """A listing interrupted mid-way: where to resume, and under which run."""

    run_id: str
    mode: Literal["incremental", "full"]
    since: datetime | None
    started_at: datetime
    next_page: int = 1


class SyncCheckpoint(BaseModel):
    """Per organization and resource type."""

    organization_id: str
    resource_type: str
    high_water: datetime | None = None  # incremental syncs ask for updated_at >= this
    last_full_at: datetime | None = None
    full_total: int | None = None  # records counted by the last full listing
    incremental_unsupported: bool = False  # the filter was ignored (total did not narrow)
    in_progress: PageProgress | None = None
    # Documents only (`services.sync.document_folders`): the listing that shows IT Glue's every
    # document here, when it was last chosen, and the folder tree (id -> path) the documents'
    # breadcrumbs were rendered with (None: no tree on this tenant).
    document_listing: Literal["all", "by_folder", "root_only"] | None = None
    listing_checked_at: datetime | None = None
    folder_paths: dict[str, list[str]] | None = None


class ResourceSummary(BaseModel):
    fetched: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    requests: int = 0
    errors: list[str] = Field(default_factory=list)

    def add(self, other: ResourceSummary) -> None:
        for name in ("fetched", "created", "updated", "deleted", "unchanged", "requests"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors += other.errors


class SyncStatus(BaseModel):
    organization_id: str
    organization_name: str | None = None
    state: Literal["never", "queued", "running", "ok", "failed"] = "never"
    mode: Literal["incremental", "full"] | None = None
    queued_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    last_success_at: datetime | None = None
    resources: dict[str, ResourceSummary] = Field(default_factory=dict)
    errors: list[str] = Field(default_factory=list)
    # A dependency failed transiently (rate limit exhausted, IT Glue or AWS down): run it again.
    retry: bool = False
    # What the run could not do fully, though nothing failed (documents in folders unseen, ...).
    warnings: list[str] = Field(default_factory=list)
    # Records in the catalog after the run, per resource type, and `documents_in_folders`.
    counts: dict[str, int] = Field(default_factory=dict)


class PurgedOrganization(BaseModel):
    """An organization IT Glue no longer has, and what its purge removed."""

    organization_id: str
    name: str | None = None
    records: int = Field(description="records removed from the catalog and the index")
    raw_objects: int = Field(description="raw records removed from the bucket")
    purged_at: datetime


class DiscoveryStatus(BaseModel):
    """The last organization discovery: what IT Glue listed, and what became of the
    organizations it no longer lists."""

    at: datetime | None = None
    complete: bool = False
    organizations: list[str] = Field(default_factory=list, description="ids, as IT Glue listed")
    purged: list[PurgedOrganization] = Field(default_factory=list)
    purge_queued: list[str] = Field(default_factory=list, description="purged by the sync worker")
    # Gone from IT Glue but kept, because the discovery could not vouch for it (`purge_skipped`).
    vanished: list[str] = Field(default_factory=list)
    purge_skipped: str | None = None
    error: str | None = Field(default=None, description="why the discovery failed (no purge)")
