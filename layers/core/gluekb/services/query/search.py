"""Hybrid search over the organizations a caller may see.

Exact identifiers in the query (an IP, hostname, serial, MAC, domain) are looked up exactly and
rank first; BM25 and k-NN are fused with reciprocal rank fusion (in the index adapter). The
query embedding comes from the worker over HTTP and is computed while the index runs its exact
and BM25 lookups. If the embedder is down, the answer is BM25 alone with `degraded: true`.
"""

from __future__ import annotations

import html
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, field_validator

from gluekb.adapters.embedder import Embedder
from gluekb.errors import DependencyUnavailable
from gluekb.models.auth import Principal
from gluekb.models.index import SearchHit
from gluekb.models.tickets import UNASSIGNED
from gluekb.observability import build_logger
from gluekb.ports.search_index import SearchIndex
from gluekb.services.access.auth import require_scope
from gluekb.services.access.organizations import (
    OrganizationSource,
    resolve_organization,
    visible_organizations,
)
from gluekb.services.query.cache import QueryCache
from gluekb.services.query.reading.fields import hinted_types
from gluekb.services.query.reading.intent import read_question
from gluekb.services.query.rerank import RERANKED, rerank

if TYPE_CHECKING:
    from gluekb.ports.search_index import QueryVector

logger = build_logger(child=True)

SOURCE_TYPES = (
    "configuration", "flexible_asset", "password", "document", "contact", "location", "domain",
    "organization", "ticket", "git_file",
)  # fmt: skip


def searchable_types(principal: Principal, requested: list[str] | None) -> list[str] | None:
    """The types a caller's search covers (None: all). Tickets hold customers' mail: only keys
    with the `tickets` scope find them, as only those may read them through the tickets API."""
    if principal.has("tickets"):
        return requested
    return [t for t in (requested or SOURCE_TYPES) if t != "ticket"]


class SearchRequest(BaseModel):
    query: str = Field(
        min_length=1, max_length=1000, description="words, a question or an identifier"
    )
    organization: str | None = Field(
        default=None,
        max_length=200,
        description="organization id or name (default: all you may see)",
    )
    types: list[str] | None = Field(
        default=None, max_length=len(SOURCE_TYPES), description=f"any of {', '.join(SOURCE_TYPES)}"
    )
    limit: int = Field(default=10, ge=1, le=100)

    @field_validator("query")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("query must contain something other than spaces")
        return value

    @field_validator("types")
    @classmethod
    def _known_types(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        unknown = sorted(set(value) - set(SOURCE_TYPES))
        if unknown:
            raise ValueError(f"unknown type(s) {unknown}; choose from {', '.join(SOURCE_TYPES)}")
        return sorted(set(value))


class SearchResult(BaseModel):
    source_id: str
    chunk_id: str
    organization_id: str
    organization_name: str | None
    type: str
    title: str
    url: str | None
    updated_at: datetime | None
    score: float
    matched_by: list[str]
    snippet: str | None
    folder: str | None = Field(default=None, description="an IT Glue document's folder path")


class SearchResponse(BaseModel):
    query: str
    organization: str | None = Field(description="the organization searched, when one was named")
    results: list[SearchResult]
    degraded: bool = Field(description="true when semantic search was unavailable (BM25 only)")
    cached: bool = False
    took_ms: float


class SearchService:
    def __init__(
        self,
        index: SearchIndex,
        embedder: Embedder,
        state: OrganizationSource,
        cache: QueryCache[Any] | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.state = state
        self.cache = cache
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="embed")

    def scope(
        self, principal: Principal, organization: str | None
    ) -> tuple[list[str], dict[str, str]]:
        """The organization ids to search (inside the index query) and every visible name."""
        visible = visible_organizations(principal, self.state)
        names = {o.id: o.name for o in visible}
        if organization is not None:
            return [resolve_organization(principal, self.state, organization).id], names
        return sorted(names), names

    def _ranked(
        self,
        principal: Principal,
        request: SearchRequest,
        searched: list[str],
        types: list[str] | None,
    ) -> tuple[list[SearchHit], bool]:
        """Hybrid hits, plus those of the record types the fields it names live in ("registrar":
        domains, which forty contacts sharing the domain would crowd out), reranked."""
        if not searched:
            return [], False
        question = read_question(request.query)
        query = question.search_text
        found, degraded = self.hits(query, searched, types, max(request.limit, RERANKED))
        hinted = [t for t in hinted_types(question) if not types or t in types]
        if hinted:
            known = {h.chunk.chunk_id for h in found}
            extra, _ = self.hits(query, searched, hinted, 10)
            found += [h for h in extra if h.chunk.chunk_id not in known]
        return rerank(request.query, found, self._named(principal))[: request.limit], degraded

    def _named(self, principal: Principal) -> dict[str, tuple[str, str | None]]:
        return {o.id: (o.name, o.short_name) for o in visible_organizations(principal, self.state)}

    def embed_later(self, text: str) -> Future[QueryVector | None]:
        """Start embedding now; the index resolves it after its lexical lookups."""

        def embed() -> QueryVector | None:
            try:
                vector: QueryVector = self.embedder.embed([text])[0]
                return vector
            except DependencyUnavailable as exc:
                logger.warning("embedding unavailable; BM25 only", extra={"error": exc.message})
                return None

        return self._pool.submit(embed)

    def hits(
        self, query: str, organizations: list[str], types: list[str] | None, k: int
    ) -> tuple[list[SearchHit], bool]:
        """Ranked hits and whether the search was degraded (no vector)."""
        pending = self.embed_later(query)
        outcome: dict[str, bool] = {}

        def vector() -> QueryVector | None:
            resolved = pending.result()
            outcome["degraded"] = resolved is None
            return resolved

        found = self.index.hybrid(query, vector, organizations, types=types, k=k)
        if "degraded" not in outcome:  # the backend never asked (e.g. nothing to search)
            outcome["degraded"] = pending.result() is None
        return found, outcome["degraded"]

    def search(self, principal: Principal, request: SearchRequest) -> SearchResponse:
        require_scope(principal, "search")
        started = time.perf_counter()
        organizations, names = self.scope(principal, request.organization)
        types = searchable_types(principal, request.types)
        if (
            request.organization is None
            and principal.all_organizations
            and (types is None or "ticket" in types)
            and principal.has("tickets")
        ):
            # Tickets from senders no organization knows yet: visible to keys for every one.
            organizations = [*organizations, UNASSIGNED]
        searched = organizations if types != [] else []  # [] : only types this key may not see
        key = None
        if self.cache is not None and searched:
            key = QueryCache.key(
                "search",
                request.model_dump() | {"orgs": searched, "types": types},
                self.index.generation(searched),
            )
            cached = self.cache.get(key)
            if cached is not None:
                took = round((time.perf_counter() - started) * 1000, 2)
                return cached.model_copy(update={"cached": True, "took_ms": took})  # type: ignore[no-any-return]
        found, degraded = self._ranked(principal, request, searched, types)
        response = SearchResponse(
            query=request.query,
            organization=organizations[0] if request.organization is not None else None,
            results=[
                SearchResult(
                    source_id=h.chunk.source_id,
                    chunk_id=h.chunk.chunk_id,
                    organization_id=h.chunk.organization_id,
                    organization_name=names.get(h.chunk.organization_id),
                    type=h.chunk.source_type,
                    title=h.chunk.title,
                    url=h.chunk.url,
                    updated_at=h.chunk.updated_at,
                    score=round(h.score, 6),
                    matched_by=list(h.matched_by),
                    snippet=h.snippet if h.snippet is not None else opening(h.chunk.text),
                    folder=h.chunk.folder,
                )
                for h in found
            ],
            degraded=degraded,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
        )
        if key is not None and not degraded:  # a degraded answer is not worth remembering
            self.cache.put(key, response)  # type: ignore[union-attr]
        return response


OPENING_CHARS = 200


def opening(text: str) -> str:
    """A hit's snippet when none of its words were in the query (found by meaning alone): the
    chunk's first words, HTML-escaped like the index's highlighted snippets, cut at a word."""
    flat = " ".join(text.split())
    if len(flat) > OPENING_CHARS:
        flat = flat[:OPENING_CHARS].rsplit(" ", 1)[0] + " …"
    return html.escape(flat, quote=True)
