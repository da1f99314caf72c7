"""The sync's composition: stores, IT Glue clients, repository openers and the jobs that use
them, built from settings for the sync_worker and scheduled_sync functions, `gluekb sync` and
the local stack, so every path syncs the same way."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from aws_lambda_powertools.utilities.parameters import SecretsProvider
from pydantic import SecretStr

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.catalog_store import CatalogStore
from gluekb.adapters.git_hosts import GitHubRepository, GitLabRepository
from gluekb.adapters.git_repos import GitCliRepository
from gluekb.adapters.itglue import ItGlueClient
from gluekb.adapters.payload_store import PayloadStore
from gluekb.adapters.rate_limit import DynamoDbTokenBucket
from gluekb.adapters.raw_store import RawRecordStore
from gluekb.adapters.repo_registry import RepoRegistry
from gluekb.adapters.sqs import JobQueue
from gluekb.adapters.state_store import StateStore
from gluekb.adapters.sync_runs import SyncRunStore
from gluekb.errors import ConfigurationError
from gluekb.models.repos import RepoRegistration
from gluekb.ports.repos import GitRepository
from gluekb.services.repos.indexer import RepoIndexer
from gluekb.services.repos.registration import local_path, repo_location
from gluekb.services.sync.discovery import OrganizationPurge
from gluekb.services.sync.jobs import OrganizationDiscovery, QueuedPurge, SyncJobs
from gluekb.services.sync.organization_sync import SyncStores
from gluekb.settings import ScheduledSyncSettings, SyncWorkerSettings, _ItGlue

SECRET_MAX_AGE_S = 300  # a rotated key is picked up within five minutes


def sync_stores(settings: SyncWorkerSettings, clients: AwsClients) -> SyncStores:
    return SyncStores(
        state=StateStore(clients.dynamodb, settings.state_table),
        catalog=CatalogStore(clients.dynamodb, settings.catalog_table),
        raw=RawRecordStore(clients.s3, settings.raw_bucket),
        runs=SyncRunStore(clients.s3, settings.raw_bucket),
        documents=PayloadStore(clients.s3, settings.raw_bucket),
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


def sync_jobs(settings: SyncWorkerSettings, clients: AwsClients) -> SyncJobs:
    """What the sync_worker function (and `gluekb sync`) runs each queue message with."""
    stores = sync_stores(settings, clients)
    return SyncJobs(
        partial(itglue_client, settings, settings.state_table, clients),
        stores,
        repo_indexer(settings, clients, stores),
    )


def organization_discovery(
    settings: ScheduledSyncSettings | SyncWorkerSettings, clients: AwsClients
) -> OrganizationDiscovery:
    """What the scheduled_sync function discovers organizations with: vanished ones are purged
    by the sync worker (a queued `PurgeJob`)."""
    sync_queue = JobQueue(clients.sqs, settings.sync_queue_url)
    return OrganizationDiscovery(
        partial(itglue_client, settings, settings.state_table, clients),
        StateStore(clients.dynamodb, settings.state_table),
        sync_queue,
        QueuedPurge(sync_queue),
    )


def purging_discovery(settings: SyncWorkerSettings, clients: AwsClients) -> OrganizationDiscovery:
    """What `gluekb sync` discovers organizations with: it has the sync's stores, so vanished
    organizations are purged at once."""
    return OrganizationDiscovery(
        partial(itglue_client, settings, settings.state_table, clients),
        StateStore(clients.dynamodb, settings.state_table),
        JobQueue(clients.sqs, settings.sync_queue_url),
        OrganizationPurge(sync_stores(settings, clients)),
    )
