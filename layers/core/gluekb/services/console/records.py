"""A record as the console shows it: the API's record view (every field, identifiers, both
directions of the graph, password metadata), its interfaces apart, and the documents and tickets
that mention it, found by searching its organization only."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field

from gluekb.adapters.catalog_store import CatalogStore
from gluekb.errors import GluekbError
from gluekb.models.auth import Principal
from gluekb.models.documents import RecordField
from gluekb.observability import build_logger
from gluekb.services.query.records import RecordView, get_record
from gluekb.services.query.search import SearchRequest, SearchResponse, SearchResult

logger = build_logger(child=True)
RELATED_LIMIT = 5
_IDENTIFYING = ("hostname", "ip")


class RecordSearch(Protocol):
    def search(self, principal: Principal, request: SearchRequest) -> SearchResponse: ...


class RecordPage(BaseModel):
    record: RecordView
    organization_name: str
    fields: list[RecordField] = Field(description="every field but the interfaces")
    interfaces: list[RecordField]
    documents: list[SearchResult]
    tickets: list[SearchResult]
    related_unavailable: bool = Field(description="the related-items search failed")


def _related(
    principal: Principal, search: RecordSearch, record: RecordView, query: str, kind: str
) -> list[SearchResult]:
    found = search.search(
        principal,
        SearchRequest(
            query=query[:1000],
            organization=record.organization_id,
            types=[kind],
            limit=RELATED_LIMIT + 1,
        ),
    )
    unique: dict[str, SearchResult] = {}
    for result in found.results:
        if result.source_id != record.id and result.organization_id == record.organization_id:
            unique.setdefault(result.source_id, result)
    return list(unique.values())[:RELATED_LIMIT]


def record_page(
    principal: Principal,
    catalog: CatalogStore,
    search: RecordSearch,
    organization_names: dict[str, str],
    record_id: str,
) -> RecordPage:
    """The record (NotFound for another tenant's, exactly as the API) and what relates to it."""
    record = get_record(principal, catalog, record_id)
    interfaces = [f for f in record.fields if f.name.lower().startswith("interface")]
    documents: list[SearchResult] = []
    tickets: list[SearchResult] = []
    unavailable = False
    terms = [record.name] + [v for k in _IDENTIFYING for v in record.identifiers.get(k, [])[:2]]
    try:
        documents = _related(principal, search, record, record.name, "document")
        if principal.has("tickets"):
            tickets = _related(principal, search, record, " ".join(terms), "ticket")
    except GluekbError as exc:  # the record still shows; its neighbours in search do not
        logger.warning("related items unavailable", extra={"error": exc.message})
        unavailable = True
    return RecordPage(
        record=record,
        organization_name=organization_names.get(record.organization_id, record.organization_id),
        fields=[f for f in record.fields if f not in interfaces],
        interfaces=interfaces,
        documents=documents,
        tickets=tickets,
        related_unavailable=unavailable,
    )
