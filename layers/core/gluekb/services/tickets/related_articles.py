"""Knowledge-base articles that likely answer a new ticket, for its acknowledgement.

Only the ticket's own organization is searched (an unassigned ticket gets none: its sender is
nobody's known customer), only article types (IT Glue documents by default), and only titles
whose text is close to the request: hybrid search proposes, then the cosine similarity of the
request's embedding to each candidate's decides (`min_similarity`). Without the embedder there
is no such evidence, so no suggestion is made. Any failure means no suggestions, never a
failed mail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from gluekb.errors import GluekbError
from gluekb.models.tickets import UNASSIGNED
from gluekb.observability import logger
from gluekb.ports.embedder import Embedder
from gluekb.ports.search_index import SearchIndex

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

CANDIDATES = 8


class RelatedArticles:
    def __init__(
        self,
        open_index: Callable[[], SearchIndex],
        embedder: Embedder,
        *,
        types: Sequence[str] = ("document",),
        min_similarity: float = 0.5,
        limit: int = 3,
    ) -> None:
        self._open_index = open_index
        self._index: SearchIndex | None = None
        self.embedder = embedder
        self.types = list(types)
        self.min_similarity = min_similarity
        self.limit = limit

    def _search_index(self) -> SearchIndex:
        if self._index is None:
            self._index = self._open_index()
        return self._index

    def titles(
        self, organization_id: str, query: str, vector: NDArray[np.float32] | None
    ) -> list[str]:
        if vector is None or organization_id == UNASSIGNED or not query.strip():
            return []
        try:
            return self._titles(organization_id, query, vector)
        except (GluekbError, OSError, RuntimeError, ValueError) as exc:
            logger.warning("related articles unavailable", extra={"error": str(exc)[:300]})
            return []
        except Exception as exc:  # a backend's own errors (sqlite, opensearch)
            logger.warning("related articles failed", extra={"error": str(exc)[:300]})
            return []

    def _titles(self, organization_id: str, query: str, vector: NDArray[np.float32]) -> list[str]:
        import numpy as np

        hits = self._search_index().hybrid(
            query, [float(v) for v in vector], [organization_id], types=self.types, k=CANDIDATES
        )
        candidates: dict[str, tuple[str, str]] = {}
        for hit in hits:
            chunk = hit.chunk
            if chunk.organization_id != organization_id:
                continue  # the index filters by organization; this is belt and braces
            candidates.setdefault(chunk.source_id, (chunk.title, f"{chunk.title}\n{chunk.text}"))
        if not candidates:
            return []
        entries = list(candidates.values())
        embedded = self.embedder.embed([text[:4000] for _, text in entries])
        similarities = embedded @ np.asarray(vector, dtype=np.float32)
        ranked = sorted(
            ((float(s), title) for s, (title, _) in zip(similarities, entries, strict=True)),
            reverse=True,
        )
        titles: list[str] = []
        for similarity, title in ranked:
            if similarity >= self.min_similarity and title not in titles:
                titles.append(title)
        return titles[: self.limit]
