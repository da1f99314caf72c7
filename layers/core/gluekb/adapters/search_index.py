"""The search index port. Two adapters implement it and pass one contract suite
(tests/contract/test_search_index.py): `EmbeddedIndex` (SQLite FTS5 + sqlite-vec, for the local
stack and tests) and `OpenSearchIndex` (OpenSearch k-NN, in AWS).

Tenant isolation lives here: every read takes the organizations the caller may see, and the
filter is part of the index query itself, never applied to results afterwards. An empty list of
organizations matches nothing; so does an empty list of types (`types=None` means any type).

Semantics both adapters share (the helpers below keep them identical):
- `bm25` treats the query as plain words, never as query syntax: any user text is safe.
- identifiers are keywords, compared case-insensitively after trimming.
- `hybrid` puts chunks whose identifier equals a word of the query first, then fuses BM25 and
  k-NN by reciprocal rank fusion (k=60); with `vector=None` the order is BM25's.
- snippets are HTML-escaped text with the matched words wrapped in `<mark>`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from gluekb.errors import InvalidInput
from gluekb.models.index import Chunk, DeleteSource, IndexOperation, SearchHit

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from gluekb.settings import _Search

    Vector = NDArray[np.float32]
    # A query vector may be a plain list: the Lambda side gets it as JSON from POST /embed and
    # need not import numpy for it.
    QueryVector = NDArray[np.float32] | Sequence[float]
    # Or a zero-argument callable returning one (or None), which `hybrid` calls only after its
    # lexical and exact lookups: the caller can compute the embedding meanwhile (the worker
    # embeds in another process), so embedding and BM25 overlap.
    LazyQueryVector = QueryVector | Callable[[], QueryVector | None]

# Reciprocal rank fusion constant (Cormack et al. 2009; OpenSearch's score-ranker default too).
RRF_RANK_CONSTANT = 60
# Hybrid fetches this many candidates per ranked list (at least k) before fusing.
HYBRID_CANDIDATES = 30
# Bounds on user input: longer queries are cut, extra words ignored.
MAX_QUERY_CHARS = 1024
MAX_QUERY_TERMS = 32
MAX_IDENTIFIER_CANDIDATES = 16

MatchedBy = Literal["exact", "bm25", "knn"]
_MATCH_ORDER: dict[MatchedBy, int] = {"exact": 0, "bm25": 1, "knn": 2}


class SearchIndex(Protocol):
    @property
    def dimension(self) -> int: ...

    # ------------------------------------------------------------ writes
    def write(self, operations: Sequence[IndexOperation]) -> None:
        """Apply replace/delete operations, in order; only a `writer=True` index may.

        Durable when it returns, and searchable by every process within a few seconds (both
        backends: at once). Idempotent: a retry never duplicates a chunk. The embedded index
        applies the whole batch in one transaction; OpenSearch has no transactions, so it
        writes each source's chunks before removing the stale ones and records the source
        hash last: a reader may briefly see old and new chunks side by side, never an empty
        source, and a crash leaves the old hash, so the worker redoes the source."""

    def source_hashes(self, source_ids: Sequence[str]) -> dict[str, str]:
        """The stored source_hash of each known source (unknown ones are absent)."""

    def embeddings_by_hash(self, source_id: str) -> dict[str, Vector]:
        """content_hash -> stored embedding for the chunks of a source (to skip re-embedding)."""

    # ------------------------------------------------------------ reads (organization-scoped)
    def bm25(
        self,
        query: str,
        organizations: Sequence[str],
        *,
        types: Sequence[str] | None = None,
        k: int = 10,
    ) -> list[SearchHit]: ...

    def knn(
        self,
        vector: QueryVector,
        organizations: Sequence[str],
        *,
        types: Sequence[str] | None = None,
        k: int = 10,
    ) -> list[SearchHit]: ...

    def exact(
        self,
        identifiers: Mapping[str, Sequence[str]],
        organizations: Sequence[str],
        *,
        types: Sequence[str] | None = None,
        k: int = 10,
    ) -> list[SearchHit]:
        """Chunks whose identifier of that kind (ip, hostname, serial, mac, ...) equals a value:
        keywords, compared case-insensitively after trimming. Most values matched first."""

    def hybrid(
        self,
        query: str,
        vector: LazyQueryVector | None,
        organizations: Sequence[str],
        *,
        types: Sequence[str] | None = None,
        k: int = 10,
    ) -> list[SearchHit]:
        """BM25 and k-NN fused (reciprocal rank fusion, or the backend's native hybrid query).
        With `vector=None` (embedder down) it is BM25 alone. `vector` may be a callable (see
        `LazyQueryVector`)."""

    def source_chunks(self, source_id: str, organizations: Sequence[str]) -> list[Chunk]: ...

    def count(self, organizations: Sequence[str] | None = None) -> int:
        """Chunks in the index (all, or those of the given organizations)."""

    def generation(self, organizations: Sequence[str]) -> dict[str, int]:
        """A counter per organization that changes whenever its indexed content changes."""

    def close(self) -> None: ...


def open_search_index(
    settings: _Search, *, dimension: int = 384, writer: bool = False
) -> SearchIndex:
    """The configured backend. Imports lazily: the Lambda side never loads SQLite extensions.
    `writer=True` (the embedding worker only) may write and creates what is missing."""
    if settings.search_backend == "embedded":
        from gluekb.adapters.embedded_index import EmbeddedIndex

        assert settings.index_path is not None
        return EmbeddedIndex(settings.index_path, dimension=dimension, writer=writer)
    from gluekb.adapters.opensearch_index import OpenSearchIndex

    assert settings.opensearch_url is not None
    return OpenSearchIndex.from_settings(settings, dimension=dimension, writer=writer)


# ---------------------------------------------------------------- semantics both adapters share
@dataclass(frozen=True)
class PreparedSource:
    """A validated operation: the chunks a source must hold (none: remove the source)."""

    source_id: str
    organization_id: str
    source_hash: str | None  # None: remove the source
    chunks: Sequence[Chunk]
    embeddings: NDArray[np.float32]  # (len(chunks), dimension), float32, finite


def prepare_operations(
    operations: Sequence[IndexOperation], dimension: int
) -> list[PreparedSource]:
    """Validate every operation before anything is written (so a bad one writes nothing)."""
    import numpy as np  # the worker's side only: Lambdas never write

    prepared: list[PreparedSource] = []
    for operation in operations:
        if isinstance(operation, DeleteSource) or not operation.chunks:
            empty = np.zeros((0, dimension), dtype=np.float32)
            prepared.append(
                PreparedSource(operation.source_id, operation.organization_id, None, (), empty)
            )
            continue
        chunk_ids = [chunk.chunk_id for chunk in operation.chunks]
        if len(set(chunk_ids)) != len(chunk_ids):
            raise InvalidInput(f"source {operation.source_id}: duplicate chunk ids")
        for chunk in operation.chunks:
            if (chunk.source_id, chunk.organization_id) != (
                operation.source_id,
                operation.organization_id,
            ):
                raise InvalidInput(
                    f"chunk {chunk.chunk_id} does not belong to source {operation.source_id} "
                    f"of organization {operation.organization_id}"
                )
        try:
            embeddings = np.ascontiguousarray(operation.embeddings, dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"source {operation.source_id}: embeddings are not numbers") from exc
        if embeddings.shape != (len(operation.chunks), dimension):
            raise InvalidInput(
                f"source {operation.source_id}: embeddings have shape {embeddings.shape}, "
                f"expected ({len(operation.chunks)}, {dimension})"
            )
        if not np.isfinite(embeddings).all():
            raise InvalidInput(f"source {operation.source_id}: embeddings are not finite")
        prepared.append(
            PreparedSource(
                operation.source_id,
                operation.organization_id,
                operation.source_hash,
                operation.chunks,
                embeddings,
            )
        )
    return prepared


def resolve_vector(vector: LazyQueryVector | None) -> QueryVector | None:
    return vector() if callable(vector) else vector


def query_vector(vector: QueryVector, dimension: int) -> list[float]:
    """A query vector checked for length and finiteness, as plain floats."""
    values = [float(value) for value in vector]
    if len(values) != dimension:
        raise InvalidInput(f"query vector has {len(values)} dimensions, expected {dimension}")
    if not all(math.isfinite(value) for value in values):
        raise InvalidInput("query vector is not finite")
    return values


def normalize_identifier(value: str) -> str:
    return value.strip().lower()


def query_words(query: str) -> list[str]:
    """The whitespace-separated words of a query, control characters dropped, bounded."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in query[:MAX_QUERY_CHARS])
    words: list[str] = []
    for word in cleaned.split():
        if word not in words:
            words.append(word)
        if len(words) == MAX_QUERY_TERMS:
            break
    return words


# Lucene's English stop words (OpenSearch's `_english_`): dropped from BM25 queries unless the
# query has nothing else. They match nearly every chunk, add next to nothing to a BM25 score,
# and cost the most to rank (the embedded index counts every chunk containing each term).
# fmt: off
STOP_WORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is",
    "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there",
    "these", "they", "this", "to", "was", "will", "with",
))
# fmt: on


def bm25_words(query: str) -> list[str]:
    """The words a BM25 query ranks by: the query's words less stop words (if any remain)."""
    words = query_words(query)
    kept = [word for word in words if word.strip(_IDENTIFIER_TRIM).lower() not in STOP_WORDS]
    return kept or words


_IDENTIFIER_TRIM = "\"'`()[]{}<>,;!?"


def identifier_candidates(query: str) -> list[str]:
    """Words of a query that could be an identifier value (`ip:10.0.0.5` also offers the value)."""
    candidates: list[str] = []
    for word in query_words(query):
        value = normalize_identifier(word.strip(_IDENTIFIER_TRIM).rstrip(".:"))
        options = [value]
        kind, sep, rest = value.partition(":")
        if sep and kind.isalpha() and rest:
            options.append(rest)
        for option in options:
            if len(option) >= 2 and option not in STOP_WORDS and option not in candidates:
                candidates.append(option)
    return candidates[:MAX_IDENTIFIER_CANDIDATES]


def owns_identifiers(chunk: Chunk) -> bool:
    """A record card (an IT Glue record's first chunk): its identifiers are the record's own."""
    return (
        chunk.position == 0
        and "resource_type" in chunk.metadata
        and chunk.source_type != "document"
    )


def reciprocal_rank_fusion(
    exact: Sequence[SearchHit], rankings: Iterable[Sequence[SearchHit]], k: int
) -> list[SearchHit]:
    """Exact identifier hits first, then the rankings fused by 1/(60 + rank) summed. Among exact
    hits, a record's own card (the device whose Primary IP it is) comes before chunks that only
    mention the identifier (a document citing that IP).

    Scores: an exact hit scores 1 + its fused score (+0.5 when it is the owner's card);
    everything else its fused score (< 1)."""
    fused: dict[str, float] = {}
    matched: dict[str, set[MatchedBy]] = {}
    best: dict[str, SearchHit] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            key = hit.chunk.chunk_id
            fused[key] = fused.get(key, 0.0) + 1.0 / (RRF_RANK_CONSTANT + rank)
            matched.setdefault(key, set()).update(hit.matched_by)
            if key not in best or (best[key].snippet is None and hit.snippet is not None):
                best[key] = hit
    exact_ids = {hit.chunk.chunk_id for hit in exact}
    for hit in exact:
        key = hit.chunk.chunk_id
        matched.setdefault(key, set()).add("exact")
        best.setdefault(key, hit)
        fused.setdefault(key, 0.0)
    exact_order = {hit.chunk.chunk_id: i for i, hit in enumerate(exact)}
    owners = {key for key in exact_ids if owns_identifiers(best[key].chunk)}
    order = sorted(
        fused,
        key=lambda key: (
            key not in exact_ids,
            key not in owners,
            -fused[key],
            exact_order.get(key, 0),
            key,
        ),
    )
    return [
        SearchHit(
            chunk=best[key].chunk,
            score=fused[key] + (1.0 if key in exact_ids else 0.0) + (0.5 if key in owners else 0.0),
            matched_by=sorted(matched[key], key=_MATCH_ORDER.__getitem__),
            snippet=best[key].snippet,
        )
        for key in order[:k]
    ]
