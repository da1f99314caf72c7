"""The services a query entry point uses, built once per process from its settings.

The `api` function and the MCP server build the same things the same way from here: clients,
stores, the search index, the embedder client (the worker's `POST /embed`, never torch), the
query cache, search, answers, tickets and their mailer, authentication and the audit log. Each
is made on first use, so a Lambda cold start pays only for what its first request touches.
"""

from __future__ import annotations

from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from gluekb.adapters import health_probes
from gluekb.adapters.api_keys import ApiKeyStore
from gluekb.adapters.audit_log import AuditLog
from gluekb.adapters.aws import AwsClients
from gluekb.adapters.catalog_store import CatalogStore
from gluekb.adapters.conversation_store import DynamoDbConversationStore
from gluekb.adapters.embedder import HttpEmbedder
from gluekb.adapters.mailer import SesMailer
from gluekb.adapters.reveal_grants import RevealGrantStore
from gluekb.adapters.sqs import JobQueue
from gluekb.adapters.state_store import StateStore
from gluekb.ports.search_index import SearchIndex
from gluekb.services.access.auth import Authenticator
from gluekb.services.access.organizations import OrganizationDirectory
from gluekb.services.health import Probe
from gluekb.services.query.answers import AnswerService
from gluekb.services.query.answers.conversations import Conversations
from gluekb.services.query.cache import QueryCache
from gluekb.services.query.search import SearchService
from gluekb.wiring.search_index import open_search_index

if TYPE_CHECKING:
    from gluekb.adapters.itglue import ItGlueClient
    from gluekb.services.alerts.investigation import AssetInvestigation
    from gluekb.services.doc_health.report import HealthReporter
    from gluekb.services.tickets.desk import TicketDesk
    from gluekb.settings import ApiSettings


class QueryServices:
    """Everything a query entry point needs, each part built on first use and then reused."""

    def __init__(self, settings: ApiSettings, clients: AwsClients | None = None) -> None:
        self.settings = settings
        if clients is not None:
            self.__dict__["clients"] = clients  # a caller's clients (tests: in-process moto)

    @cached_property
    def clients(self) -> AwsClients:
        return AwsClients.from_settings(self.settings)

    @cached_property
    def state(self) -> StateStore:
        return StateStore(self.clients.dynamodb, self.settings.state_table)

    @cached_property
    def sync_queue(self) -> JobQueue:
        return JobQueue(self.clients.sqs, self.settings.sync_queue_url)

    @cached_property
    def catalog(self) -> CatalogStore:
        return CatalogStore(self.clients.dynamodb, self.settings.catalog_table)

    @cached_property
    def index(self) -> SearchIndex:
        return open_search_index(self.settings)

    @cached_property
    def embedder(self) -> HttpEmbedder:
        return HttpEmbedder(self.settings.embedder_url, self.settings.embedder_timeout_s)

    @cached_property
    def directory(self) -> OrganizationDirectory:
        return OrganizationDirectory(self.state)

    @cached_property
    def query_cache(self) -> QueryCache[Any]:
        return QueryCache(ttl_s=self.settings.cache_ttl_s)

    @cached_property
    def search(self) -> SearchService:
        return SearchService(self.index, self.embedder, self.directory, self.query_cache)

    @cached_property
    def answers(self) -> AnswerService:
        return AnswerService(self.search, self.catalog, self.query_cache, self.conversations)

    @cached_property
    def conversations(self) -> Conversations | None:
        """Follow-up questions, where a conversations table is configured."""
        if not self.settings.conversations_table:
            return None
        return Conversations(
            DynamoDbConversationStore(
                self.clients.dynamodb,
                self.settings.conversations_table,
                self.settings.conversation_ttl_s,
            )
        )

    @cached_property
    def authenticator(self) -> Authenticator:
        return Authenticator(ApiKeyStore(self.clients.dynamodb, self.settings.keys_table))

    @cached_property
    def tickets(self) -> TicketDesk:
        from gluekb.wiring.tickets import ticket_desk

        return ticket_desk(self.settings, self.clients, self.embedder)

    @cached_property
    def health(self) -> HealthReporter:
        from gluekb.wiring.doc_health import health_reporter

        return health_reporter(self.settings, self.clients, self.directory)

    @cached_property
    def investigation(self) -> AssetInvestigation:
        """Assets' context (alerts' enrichment) on request, built on first use."""
        from gluekb.adapters.raw_store import RawRecordStore
        from gluekb.services.alerts.context import AssetContextBuilder
        from gluekb.services.alerts.investigation import AssetInvestigation
        from gluekb.services.alerts.matching import AssetMatcher

        builder = AssetContextBuilder(
            self.catalog,
            self.search,
            self.directory,
            self.tickets.store,
            raw=RawRecordStore(self.clients.s3, self.settings.raw_bucket),
        )
        return AssetInvestigation(builder, AssetMatcher(self.catalog), self.catalog, self.directory)

    @cached_property
    def mailer(self) -> SesMailer:
        return SesMailer(self.clients.ses)

    @cached_property
    def audit_log(self) -> AuditLog:
        return AuditLog(self.clients.dynamodb, self.settings.audit_table)

    @cached_property
    def reveal_grants(self) -> RevealGrantStore:
        """One-time reveal links' grants: in the state table, which both the MCP server and
        the console (the api function) already read and write, and which expires items."""
        return RevealGrantStore(self.clients.dynamodb, self.settings.state_table)

    def itglue(self) -> ItGlueClient:
        """A new IT Glue client (use it as `async with`), sharing the sync's rate limit. Only
        password reveals need one on the query side, so it is imported here, not at start."""
        from gluekb.wiring.sync import itglue_client

        return itglue_client(self.settings, self.settings.state_table, self.clients)

    def health_probes(self) -> dict[str, Probe]:
        """Every dependency of the query side, for GET /health."""
        aws = self.clients
        settings = self.settings
        probes: dict[str, Probe] = {}
        for name, table in (
            ("state", settings.state_table),
            ("catalog", settings.catalog_table),
            ("tickets", settings.tickets_table),
            ("api_keys", settings.keys_table),
            ("audit", settings.audit_table),
        ):
            probes[f"table:{name}"] = partial(health_probes.dynamodb_table, aws.dynamodb, table)
        for name, url in (("sync", settings.sync_queue_url), ("index", settings.index_queue_url)):
            probes[f"queue:{name}"] = partial(health_probes.sqs_queue, aws.sqs, url)
        for name, bucket in (("raw", settings.raw_bucket), ("mail", settings.mail_bucket)):
            probes[f"bucket:{name}"] = partial(health_probes.s3_bucket, aws.s3, bucket)
        probes["index"] = lambda: {"chunks": self.index.count()}
        probes["embedder"] = self.embedder.health
        if settings.stack_health_url:
            probes["local_stack"] = partial(health_probes.http_json, settings.stack_health_url)
        return probes
