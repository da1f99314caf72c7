"""What retrieval found for a question: ranked hits, the records behind them (from the
catalog, with their cards) and their indexed text, fetched once per question."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING

from gluekb.adapters.catalog_store import CatalogStore
from gluekb.models.catalog import CatalogRecord
from gluekb.models.documents import RecordField
from gluekb.models.index import Chunk, SearchHit
from gluekb.services.query.reading.linking import Candidate
from gluekb.services.query.search import SearchService

if TYPE_CHECKING:
    from gluekb.ports.search_index import QueryVector

# Every record type an answer may quote; tickets are conversations, not documentation.
RECORD_TYPES = (
    "configuration", "flexible_asset", "password", "document", "contact", "location", "domain",
    "organization", "git_file",
)  # fmt: skip


class Evidence:
    """Search results and records for one question, in the organizations it may see."""

    def __init__(
        self, search: SearchService, catalog: CatalogStore, organizations: list[str]
    ) -> None:
        self.search = search
        self.catalog = catalog
        self.organizations = organizations
        self.degraded = False
        self._hits: dict[tuple[str, tuple[str, ...]], list[SearchHit]] = {}
        self._chunks: dict[str, list[Chunk]] = {}
        self._records: dict[str, CatalogRecord] = {}
        self._vectors: dict[str, Future[QueryVector | None]] = {}

    def hits(self, query: str, types: Sequence[str] = RECORD_TYPES, k: int = 30) -> list[SearchHit]:
        """Hybrid search; the query's embedding is computed once however often it searches."""
        key = (query, tuple(types))
        if key not in self._hits:
            pending = self._vectors.get(query)
            if pending is None:
                pending = self._vectors[query] = self.search.embed_later(query)

            def vector() -> QueryVector | None:
                resolved = pending.result()
                self.degraded = self.degraded or resolved is None
                return resolved

            self._hits[key] = self.search.index.hybrid(
                query, vector, self.organizations, types=list(types), k=k
            )
        return self._hits[key]

    def candidates(
        self, query: str, types: Sequence[str] = RECORD_TYPES, k: int = 30
    ) -> list[Candidate]:
        """The records behind the hits, best rank first, each with its indexed text."""
        hits = self.hits(query, types, k)
        order: dict[str, int] = {}
        texts: dict[str, list[str]] = {}
        exact: set[str] = set()
        for rank, hit in enumerate(hits):
            order.setdefault(hit.chunk.source_id, rank)
            if hit.chunk.metadata.get("heading"):  # notes and sections; cards are the fields
                texts.setdefault(hit.chunk.source_id, []).append(hit.chunk.text)
            if "exact" in hit.matched_by:
                exact.add(hit.chunk.source_id)
        records = self.records(list(order))
        return [
            Candidate(
                record=records[s],
                rank=rank,
                exact=s in exact,
                text="\n".join(texts.get(s, [])),
            )
            for s, rank in sorted(order.items(), key=lambda item: item[1])
            if s in records
        ]

    def records(self, source_ids: Sequence[str]) -> dict[str, CatalogRecord]:
        missing = [s for s in source_ids if s not in self._records]
        if missing:
            for source_id, record in self.catalog.get_many(missing).items():
                if record.organization_id in self.organizations:
                    self._records[source_id] = record
        return {s: self._records[s] for s in source_ids if s in self._records}

    def chunks(self, source_id: str) -> list[Chunk]:
        """Every chunk of one source (a document's sections, a record's card and notes)."""
        if source_id not in self._chunks:
            found = self.search.index.source_chunks(source_id, self.organizations)
            self._chunks[source_id] = sorted(found, key=lambda c: c.position)
        return self._chunks[source_id]

    def notes(self, record: CatalogRecord) -> RecordField | None:
        """A record's notes as one field, verbatim (configurations keep their role there)."""
        lines = [
            c.text
            for c in self.chunks(record.source_id)
            if (c.metadata.get("heading") or "").startswith("Notes")
        ]
        text = "\n".join(lines).strip()
        return RecordField(name="Notes", value=text) if text else None
