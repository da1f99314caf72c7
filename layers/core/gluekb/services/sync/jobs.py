"""The sync queue's jobs: an organization's sync, one record's re-sync, a docs-repository push,
an organization's purge, and the discovery that fans organizations out onto the queue (and has
the organizations IT Glue no longer has purged).

Every path that syncs (the sync_worker and scheduled_sync functions, `gluekb sync`, the local
stack) runs these, so every path syncs the same way. IT Glue clients are opened per job through
`open_itglue` (wiring decides how: key, rate limit, base URL).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from gluekb.adapters.itglue import ORGANIZATIONS, ItGlueAuthError, ItGlueClient
from gluekb.errors import NotFound
from gluekb.models.repos import RepoIndexJob
from gluekb.models.sync import (
    DiscoveryStatus,
    PurgedOrganization,
    PurgeJob,
    Reason,
    ResourceSummary,
    SyncJob,
    SyncQueueJob,
    SyncStatus,
)
from gluekb.observability import build_logger
from gluekb.ports.queues import JobSender
from gluekb.ports.state import DiscoveryState
from gluekb.services.repos.indexer import RepoIndexer
from gluekb.services.sync.discovery import OrganizationPurge, Purger, discover
from gluekb.services.sync.organization_sync import (
    OrganizationSync,
    SyncOptions,
    SyncStores,
)

logger = build_logger(child=True)

ItGlueOpener = Callable[[], ItGlueClient]


@dataclass
class QueueJobReport:
    """What one sync-queue job did: counts for metrics, details for the log, and, when it must
    run again (a transient failure), why."""

    summary: str
    counts: dict[str, int] = field(default_factory=dict)
    details: dict[str, object] = field(default_factory=dict)
    retry: str | None = None


class QueuedPurge:
    """Has an organization purged by the sync worker: a scheduled discovery has a minute, a
    purge of a large organization may take longer."""

    def __init__(self, sync_queue: JobSender) -> None:
        self.sync_queue = sync_queue

    def __call__(self, organization_id: str, name: str | None) -> None:
        job = PurgeJob(
            organization_id=organization_id, organization_name=name, requested_at=datetime.now(UTC)
        )
        self.sync_queue.send(job)


class OrganizationDiscovery:
    """Registers IT Glue's organizations, queues one incremental sync job for each, and has the
    ones IT Glue no longer has purged (`purge`; after a complete discovery only)."""

    def __init__(
        self,
        open_itglue: ItGlueOpener,
        state: DiscoveryState,
        sync_queue: JobSender | None = None,
        purge: Purger | None = None,
    ) -> None:
        self.open_itglue = open_itglue
        self.state = state
        self.sync_queue = sync_queue
        self.purge = purge

    async def discover(self) -> list[str]:
        """Register IT Glue's organizations (one request per thousand)."""
        return (await self.run()).organizations

    async def run(self) -> DiscoveryStatus:
        """The discovery, with what became of the organizations IT Glue no longer lists."""
        async with self.open_itglue() as client:
            return await discover(client, self.state, datetime.now(UTC), self.purge)

    async def fan_out(self, reason: Reason) -> list[str]:
        if self.sync_queue is None:
            raise ValueError("fan_out needs the sync queue")
        now = datetime.now(UTC)
        organizations = await self.discover()
        names = {o.id: o.name for o in self.state.organizations()}
        jobs = [
            SyncJob(
                organization_id=org,
                organization_name=names.get(org),
                reason=reason,
                requested_at=now,
            )
            for org in organizations
        ]
        self.sync_queue.send_all(jobs)
        for job in jobs:
            status = self.state.sync_status(job.organization_id)
            if status.state != "running":
                status.state, status.queued_at = "queued", now
                status.organization_name = job.organization_name
                self.state.save_sync_status(status)
        return organizations


class SyncJobs:
    """Runs sync-queue jobs against IT Glue and the sync's stores."""

    def __init__(
        self, open_itglue: ItGlueOpener, stores: SyncStores, repos: RepoIndexer | None = None
    ) -> None:
        self.open_itglue = open_itglue
        self.stores = stores
        self.repos = repos

    async def sync_organization(
        self, job: SyncJob, options: SyncOptions | None = None
    ) -> SyncStatus:
        """Sync one organization. An invalid API key ends the run with one clear error in the
        sync status (no retries: retrying cannot fix a key)."""
        async with self.open_itglue() as client:
            try:
                return await OrganizationSync(client, self.stores, options).run(job)
            except ItGlueAuthError as exc:
                logger.error(
                    "IT Glue refused the API key",
                    extra={"organization_id": job.organization_id, "error": exc.message},
                )
                return self.stores.state.sync_status(job.organization_id)

    async def sync_record(
        self, job: SyncJob, options: SyncOptions | None = None
    ) -> ResourceSummary:
        """Re-sync the one record a job names (an IT Glue workflow webhook)."""
        async with self.open_itglue() as client:
            return await OrganizationSync(client, self.stores, options).sync_record(job)

    async def run(self, job: SyncQueueJob) -> QueueJobReport:
        """One sync-queue message: an organization's sync, one record's, a docs-repo push, or an
        organization's purge."""
        if isinstance(job, RepoIndexJob):
            return await self._index_repository(job)
        if isinstance(job, PurgeJob):
            return await self._purge(job)
        if job.record_id is not None:
            return await self._record(job)
        status = await self.sync_organization(job)
        return QueueJobReport(
            "sync finished",
            counts={f"Synced_{name}": s.fetched for name, s in status.resources.items()},
            details={
                "organization_id": status.organization_id,
                "state": status.state,
                "errors": status.errors[:5],
            },
            retry=f"sync of {status.organization_id} incomplete: {status.errors[:3]}"
            if status.retry
            else None,
        )

    async def purge_if_gone(self, job: PurgeJob) -> PurgedOrganization | None:
        """Purge the organization if IT Glue still says it does not exist (one request)."""
        async with self.open_itglue() as client:
            try:
                await client.record(ORGANIZATIONS, job.organization_id, include_related=False)
            except NotFound:
                purge = OrganizationPurge(self.stores)
                return await asyncio.to_thread(purge, job.organization_id, job.organization_name)
        return None

    async def _purge(self, job: PurgeJob) -> QueueJobReport:
        try:
            purged = await self.purge_if_gone(job)
        except ItGlueAuthError as exc:  # retrying cannot fix a key; nothing was deleted
            return QueueJobReport("IT Glue refused the API key", details={"error": exc.message})
        if purged is None:
            return QueueJobReport(
                "organization exists in IT Glue again: not purged",
                details={"organization_id": job.organization_id},
            )
        return QueueJobReport(
            "organization purged",
            counts={"PurgedRecords": purged.records},
            details={  # not `name`: a log record has its own
                "organization_id": purged.organization_id,
                "organization_name": purged.name,
                "records": purged.records,
                "raw_objects": purged.raw_objects,
            },
        )

    async def _index_repository(self, job: RepoIndexJob) -> QueueJobReport:
        if self.repos is None:
            raise ValueError("this sync has no repository indexer")
        report = await asyncio.to_thread(self.repos.run, job)
        if report is None:
            return QueueJobReport("repository not registered", details={"repo_id": job.repo_id})
        return QueueJobReport(
            "repository indexed",
            counts={"RepoFilesUpserted": report.upserted, "RepoFilesDeleted": report.deleted},
            details=report.model_dump(),
        )

    async def _record(self, job: SyncJob) -> QueueJobReport:
        try:
            summary = await self.sync_record(job)
        except ItGlueAuthError as exc:  # retrying cannot fix a key
            return QueueJobReport("IT Glue refused the API key", details={"error": exc.message})
        return QueueJobReport(
            "record synced",
            counts={f"Synced_{job.resource_type}": summary.fetched},
            details={
                "organization_id": job.organization_id,
                "resource_type": job.resource_type,
                "record_id": job.record_id,
                "summary": summary.model_dump(exclude={"errors"}),  # not top level: LogRecord
            },
        )
