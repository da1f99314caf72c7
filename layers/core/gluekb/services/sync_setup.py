"""The sync's collaborators, built from settings: shared by the sync_worker and scheduled_sync
functions, `gluekb sync` and the local stack, so every path syncs the same way."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider
from pydantic import SecretStr

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.catalog_store import CatalogStore
from gluekb.adapters.document_store import DocumentStore
from gluekb.adapters.git_hosts import GitHubRepository, GitLabRepository
from gluekb.adapters.git_repos import GitCliRepository, GitRepository
from gluekb.adapters.itglue import ItGlueAuthError, ItGlueClient
from gluekb.adapters.rate_limit import DynamoDbTokenBucket
from gluekb.adapters.raw_store import RawRecordStore
from gluekb.adapters.repo_registry import RepoRegistry
from gluekb.adapters.sqs import JobQueue
from gluekb.adapters.state_store import StateStore
from gluekb.adapters.sync_runs import SyncRunStore
from gluekb.errors import ConfigurationError
from gluekb.models.repos import RepoIndexJob, RepoRegistration
from gluekb.models.sync import Reason, ResourceSummary, SyncJob, SyncQueueJob, SyncStatus
from gluekb.observability import build_logger
from gluekb.services.repo_indexing import RepoIndexer
from gluekb.services.repos import local_path, repo_location
from gluekb.services.sync import OrganizationSync, SyncOptions, SyncStores, discover_organizations
from gluekb.settings import SyncWorkerSettings, _ItGlue

logger = build_logger(child=True)
SECRET_MAX_AGE_S = 300  # a rotated key is picked up within five minutes


def sync_stores(settings: SyncWorkerSettings, clients: AwsClients) -> SyncStores:
    return SyncStores(
        state=StateStore(clients.dynamodb, settings.state_table),
        catalog=CatalogStore(clients.dynamodb, settings.catalog_table),
        raw=RawRecordStore(clients.s3, settings.raw_bucket),
        runs=SyncRunStore(clients.s3, settings.raw_bucket),
        documents=DocumentStore(clients.s3, settings.raw_bucket),
        index_queue=JobQueue(clients.sqs, settings.index_queue_url),
    )


def itglue_api_key(settings: _ItGlue, clients: AwsClients) -> SecretStr:
    """The key from the environment (local use) or from Secrets Manager (AWS)."""
    if settings.itglue_api_key is not None and settings.itglue_api_key.get_secret_value():
        return settings.itglue_api_key
    if not settings.itglue_api_key_secret:
        raise ConfigurationError(
            "no IT Glue API key: set ITGLUE_API_KEY or GLUEKB_ITGLUE_API_KEY_SECRET"
        )
    provider = SecretsProvider(boto3_client=clients.secretsmanager)
    try:
        value = provider.get(settings.itglue_api_key_secret, max_age=SECRET_MAX_AGE_S)
    except Exception as exc:
        raise ConfigurationError(
            f"cannot read the IT Glue API key from {settings.itglue_api_key_secret}: store it with "
            "`aws secretsmanager put-secret-value` (see infra/deploy.sh)"
        ) from exc
    if not value:
        raise ConfigurationError(f"the secret {settings.itglue_api_key_secret} is empty")
    return SecretStr(str(value))


def itglue_client(settings: _ItGlue, state_table: str, clients: AwsClients) -> ItGlueClient:
    """A client whose requests share one rate limit with every other sync worker."""
    limiter = DynamoDbTokenBucket(
        clients.dynamodb, state_table, rate_per_s=settings.itglue_max_requests_per_s, burst=1
    )
    return ItGlueClient(
        settings.itglue_base_url, itglue_api_key(settings, clients), limiter=limiter
    )


async def run_sync_job(
    job: SyncJob,
    settings: SyncWorkerSettings,
    clients: AwsClients,
    stores: SyncStores,
    options: SyncOptions | None = None,
) -> SyncStatus:
    """Sync one organization. An invalid API key ends the run with one clear error in the
    sync status (no retries: retrying cannot fix a key)."""
    async with itglue_client(settings, settings.state_table, clients) as client:
        try:
            return await OrganizationSync(client, stores, options).run(job)
        except ItGlueAuthError as exc:
            logger.error(
                "IT Glue refused the API key",
                extra={"organization_id": job.organization_id, "error": exc.message},
            )
            return stores.state.sync_status(job.organization_id)


async def discover(settings: _ItGlue, state: StateStore, clients: AwsClients) -> list[str]:
    """Register IT Glue's organizations (one request per thousand)."""
    async with itglue_client(settings, state.table, clients) as client:
        return await discover_organizations(client, state, datetime.now(UTC))


async def discover_and_fan_out(
    settings: _ItGlue, state: StateStore, sync_queue: JobQueue, clients: AwsClients, reason: Reason
) -> list[str]:
    """Register IT Glue's organizations, then queue one incremental sync job per organization."""
    now = datetime.now(UTC)
    organizations = await discover(settings, state, clients)
    names = {o["id"]: o.get("name") for o in state.organizations()}
    jobs = [
        SyncJob(
            organization_id=org,
            organization_name=names.get(org),
            reason=reason,
            requested_at=now,
        )
        for org in organizations
    ]
    sync_queue.send_all(jobs)
    for job in jobs:
        status = state.sync_status(job.organization_id)
        if status.state != "running":
            status.state, status.queued_at = "queued", now
            status.organization_name = job.organization_name
            state.save_sync_status(status)
    return organizations


async def run_record_job(
    job: SyncJob,
    settings: SyncWorkerSettings,
    clients: AwsClients,
    stores: SyncStores,
    options: SyncOptions | None = None,
) -> ResourceSummary:
    """Re-sync the one record a job names (an IT Glue workflow webhook)."""
    async with itglue_client(settings, settings.state_table, clients) as client:
        return await OrganizationSync(client, stores, options).sync_record(job)


def repository_opener(settings: SyncWorkerSettings) -> Callable[[RepoRegistration], GitRepository]:
    """Local repositories through git; GitHub and GitLab through their REST APIs."""

    def open_repository(registration: RepoRegistration) -> GitRepository:
        if registration.provider == "local":
            return GitCliRepository.local(local_path(registration), settings.git_timeout_s)
        host, path = repo_location(registration.url)
        if registration.provider == "github":
            return GitHubRepository(
                host, path, settings.github_token, timeout_s=settings.git_timeout_s
            )
        return GitLabRepository(host, path, settings.gitlab_token, timeout_s=settings.git_timeout_s)

    return open_repository


def repo_indexer(
    settings: SyncWorkerSettings, clients: AwsClients, stores: SyncStores
) -> RepoIndexer:
    return RepoIndexer(
        registry=RepoRegistry(clients.dynamodb, settings.state_table),
        open_repository=repository_opener(settings),
        index_queue=stores.index_queue,
        documents=stores.documents,
        max_file_bytes=settings.repo_max_file_bytes,
    )


@dataclass
class QueueJobReport:
    """What one sync-queue job did: counts for metrics, details for the log, and, when it must
    run again (a transient failure), why."""

    summary: str
    counts: dict[str, int] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    retry: str | None = None


async def run_queue_job(
    job: SyncQueueJob,
    settings: SyncWorkerSettings,
    clients: AwsClients,
    stores: SyncStores,
    repos: RepoIndexer,
) -> QueueJobReport:
    """One sync-queue message: an organization's sync, one record's, or a docs-repo push."""
    if isinstance(job, RepoIndexJob):
        report = await asyncio.to_thread(repos.run, job)
        if report is None:
            return QueueJobReport("repository not registered", details={"repo_id": job.repo_id})
        return QueueJobReport(
            "repository indexed",
            counts={"RepoFilesUpserted": report.upserted, "RepoFilesDeleted": report.deleted},
            details=report.model_dump(),
        )
    if job.record_id is not None:
        try:
            summary = await run_record_job(job, settings, clients, stores)
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
    status = await run_sync_job(job, settings, clients, stores)
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
