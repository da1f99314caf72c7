"""Which search index a deployable opens: the embedded one locally, OpenSearch in AWS."""

from __future__ import annotations

from gluekb.ports.search_index import SearchIndex
from gluekb.settings import _Search


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
