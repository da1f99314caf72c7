"""Typed dependencies: settings, clients and stores are built once per execution environment
(lazily, so a cold start pays only for what the first request uses)."""

from __future__ import annotations

from functools import cache, partial
from typing import Annotated

from fastapi import Depends, Header

from gluekb.adapters import health_probes
from gluekb.adapters.api_keys import ApiKeyStore
from gluekb.adapters.aws import AwsClients
from gluekb.adapters.catalog_store import CatalogStore
from gluekb.adapters.embedder import HttpEmbedder
from gluekb.adapters.mailer import SesMailer
from gluekb.adapters.search_index import SearchIndex, open_search_index
from gluekb.adapters.sqs import JobQueue
from gluekb.adapters.state_store import StateStore
from gluekb.models.auth import Principal
from gluekb.services.answers import AnswerService
from gluekb.services.auth import Authenticator
from gluekb.services.cache import QueryCache
from gluekb.services.health import Probe
from gluekb.services.organizations import OrganizationDirectory
from gluekb.services.search import SearchService
from gluekb.services.ticket_setup import ticket_desk as build_ticket_desk
from gluekb.services.tickets import TicketDesk
from gluekb.settings import ApiSettings, get_settings

settings = get_settings(ApiSettings)  # validated at cold start: a bad deploy fails here


@cache
def clients() -> AwsClients:
    return AwsClients.from_settings(settings)


@cache
def state() -> StateStore:
    return StateStore(clients().dynamodb, settings.state_table)


@cache
def sync_queue() -> JobQueue:
    return JobQueue(clients().sqs, settings.sync_queue_url)


@cache
def catalog() -> CatalogStore:
    return CatalogStore(clients().dynamodb, settings.catalog_table)


@cache
def index() -> SearchIndex:
    return open_search_index(settings)


@cache
def embedder() -> HttpEmbedder:
    return HttpEmbedder(settings.embedder_url, settings.embedder_timeout_s)


@cache
def directory() -> OrganizationDirectory:
    return OrganizationDirectory(state())


@cache
def query_cache() -> QueryCache[object]:
    return QueryCache(ttl_s=settings.cache_ttl_s)


@cache
def search_service() -> SearchService:
    return SearchService(index(), embedder(), directory(), query_cache())


@cache
def answer_service() -> AnswerService:
    return AnswerService(search_service(), catalog(), query_cache())


@cache
def ticket_desk() -> TicketDesk:
    return build_ticket_desk(settings, clients(), embedder())


@cache
def mailer() -> SesMailer:
    return SesMailer(clients().ses)


@cache
def authenticator() -> Authenticator:
    return Authenticator(ApiKeyStore(clients().dynamodb, settings.keys_table))


def principal(
    authorization: Annotated[str | None, Header(description="Bearer <API key>")] = None,
    x_api_key: Annotated[str | None, Header(description="the API key (alternative)")] = None,
) -> Principal:
    key = x_api_key
    if authorization and authorization[:7].lower() == "bearer ":
        key = authorization[7:].strip()
    return authenticator().authenticate(key)


Caller = Annotated[Principal, Depends(principal)]


def health_probes_for_api() -> dict[str, Probe]:
    aws = clients()
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
    probes["index"] = lambda: {"chunks": index().count()}
    probes["embedder"] = embedder().health
    if settings.stack_health_url:
        probes["local_stack"] = partial(health_probes.http_json, settings.stack_health_url)
    return probes
