"""What both search index adapters share, so that they behave the same (see
`gluekb.ports.search_index`): validated write operations, query words, identifier candidates,
snippets and reciprocal rank fusion."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from gluekb.errors import InvalidInput
from gluekb.models.index import Chunk, DeleteSource, IndexOperation, SearchHit

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from gluekb.ports.search_index import LazyQueryVector, QueryVector

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
