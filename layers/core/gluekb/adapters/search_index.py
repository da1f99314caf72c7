"""The search index port. Two adapters implement it and pass one contract suite
(tests/contract/test_search_index.py): `EmbeddedIndex` (SQLite FTS5 + sqlite-vec, for the local
stack and tests) and `OpenSearchIndex` (OpenSearch k-NN, in AWS).

Tenant isolation lives here: every read takes the organizations the caller may see, and the
filter is part of the index query itself, never applied to results afterwards. An empty list of
organizations matches nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from gluekb.models.index import Chunk, IndexOperation, SearchHit

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from gluekb.settings import _Search

    Vector = NDArray[np.float32]


class SearchIndex(Protocol):
    @property
    def dimension(self) -> int: ...

    # ------------------------------------------------------------ writes
    def write(self, operations: Sequence[IndexOperation]) -> None:
        """Apply replace/delete operations atomically and durably (all or none)."""

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
        vector: Vector,
        organizations: Sequence[str],
        *,
        types: Sequence[str] | None = None,
        k: int = 10,
    ) -> list[SearchHit]: ...

    def exact(
        self, identifiers: Mapping[str, Sequence[str]], organizations: Sequence[str], *, k: int = 10
    ) -> list[SearchHit]:
        """Chunks whose identifier fields (ip, hostname, serial, mac, ...) equal a value."""

    def hybrid(
        self,
        query: str,
        vector: Vector | None,
        organizations: Sequence[str],
        *,
        types: Sequence[str] | None = None,
        k: int = 10,
    ) -> list[SearchHit]:
        """BM25 and k-NN fused (reciprocal rank fusion, or the backend's native hybrid query).
        With `vector=None` (embedder down) it is BM25 alone."""

    def source_chunks(self, source_id: str, organizations: Sequence[str]) -> list[Chunk]: ...

    def count(self, organizations: Sequence[str] | None = None) -> int:
        """Chunks in the index (all, or those of the given organizations)."""

    def generation(self, organizations: Sequence[str]) -> dict[str, int]:
        """A counter per organization that changes whenever its indexed content changes."""

    def close(self) -> None: ...


def open_search_index(
    settings: _Search, *, dimension: int = 384, writer: bool = False
) -> SearchIndex:
    """The configured backend. Imports lazily: the Lambda side never loads SQLite extensions."""
    if settings.search_backend == "embedded":
        from gluekb.adapters.embedded_index import EmbeddedIndex

        assert settings.index_path is not None
        return EmbeddedIndex(settings.index_path, dimension=dimension, writer=writer)
    from gluekb.adapters.opensearch_index import OpenSearchIndex

    assert settings.opensearch_url is not None
    return OpenSearchIndex.from_settings(settings, dimension=dimension)
