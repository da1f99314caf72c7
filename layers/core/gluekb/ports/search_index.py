"""The search index port. Two adapters implement it and pass one contract suite
(tests/contract/test_search_index.py): `EmbeddedIndex` (SQLite FTS5 + sqlite-vec, for the local
stack and tests) and `OpenSearchIndex` (OpenSearch k-NN, in AWS).

Tenant isolation lives here: every read takes the organizations the caller may see, and the
filter is part of the index query itself, never applied to results afterwards. An empty list of
organizations matches nothing; so does an empty list of types (`types=None` means any type).

Semantics both adapters share (`gluekb.adapters.index_semantics` keeps them identical):
- `bm25` treats the query as plain words, never as query syntax: any user text is safe.
- identifiers are keywords, compared case-insensitively after trimming.
- `hybrid` puts chunks whose identifier equals a word of the query first, then fuses BM25 and
  k-NN by reciprocal rank fusion (k=60); with `vector=None` the order is BM25's.
- snippets are HTML-escaped text with the matched words wrapped in `<mark>`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from gluekb.models.index import Chunk, IndexOperation, SearchHit

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Vector = NDArray[np.float32]
    # A query vector may be a plain list: the Lambda side gets it as JSON from POST /embed and
    # need not import numpy for it.
    QueryVector = NDArray[np.float32] | Sequence[float]
    # Or a zero-argument callable returning one (or None), which `hybrid` calls only after its
    # lexical and exact lookups: the caller can compute the embedding meanwhile (the worker
    # embeds in another process), so embedding and BM25 overlap.
    LazyQueryVector = QueryVector | Callable[[], QueryVector | None]


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
