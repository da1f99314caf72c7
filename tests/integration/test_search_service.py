"""SearchService on a real embedded index and the real model: degraded mode, cache freshness."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gluekb.adapters.embedded_index import EmbeddedIndex
from gluekb.adapters.embedder import HttpEmbedder
from gluekb.models.auth import Principal
from gluekb.models.index import Chunk, ReplaceSource
from gluekb.models.organizations import RegisteredOrganization
from gluekb.services.query.cache import QueryCache
from gluekb.services.query.search import SearchRequest, SearchService

ORGS = [
    RegisteredOrganization(id="1", name="Acme Corp"),
    RegisteredOrganization(id="2", name="Contoso"),
]


class Registry:
    """The organization registry as the state table holds it."""

    def organizations(self) -> list[RegisteredOrganization]:
        return ORGS


def admin() -> Principal:
    return Principal(
        key_id="k",
        name="t",
        organizations=frozenset(),
        all_organizations=True,
        scopes=frozenset({"admin"}),
    )


def write(
    index: EmbeddedIndex, embedder: Any, org: str, source: str, title: str, text: str
) -> None:
    chunk = Chunk(
        chunk_id=f"{source}#0",
        source_id=source,
        organization_id=org,
        source_type="document",
        title=title,
        text=text,
        content_hash=Chunk.hash_content(title, text),
    )
    index.write(
        [
            ReplaceSource(
                source_id=source,
                organization_id=org,
                source_hash=chunk.content_hash,
                chunks=[chunk],
                embeddings=embedder.embed([f"{title}\n{text}"]),
            )
        ]
    )


@pytest.fixture
def index(tmp_path: Path, embedder: Any) -> EmbeddedIndex:
    index = EmbeddedIndex(tmp_path / "index", dimension=embedder.dimension, writer=True)
    write(index, embedder, "1", "doc:a", "VPN setup", "Connect the FortiClient VPN to vpn.acme.com")
    write(index, embedder, "2", "doc:b", "Printer guide", "Add the office printer by IP")
    return index


def test_without_the_embedder_search_is_keyword_only_and_says_so(index: EmbeddedIndex) -> None:
    service = SearchService(
        index, HttpEmbedder("http://127.0.0.1:9", timeout_s=0.5), Registry(), QueryCache()
    )
    response = service.search(admin(), SearchRequest(query="FortiClient VPN"))
    assert response.degraded is True
    assert [r.source_id for r in response.results] == ["doc:a"]
    assert all(r.matched_by == ["bm25"] for r in response.results)
    again = service.search(admin(), SearchRequest(query="FortiClient VPN"))
    assert again.cached is False  # a degraded answer is not cached


def test_a_cached_answer_never_outlives_a_change_to_its_organization(
    index: EmbeddedIndex, embedder: Any
) -> None:
    service = SearchService(index, embedder, Registry(), QueryCache(ttl_s=3600))
    request = SearchRequest(query="remote access vpn", organization="Acme Corp")
    first = service.search(admin(), request)
    assert service.search(admin(), request).cached is True
    # A change to another organization leaves Acme's answer cached
    write(index, embedder, "2", "doc:c", "Contoso VPN", "Contoso remote access")
    assert service.search(admin(), request).cached is True
    # A change to Acme makes the cached answer unreachable
    write(
        index, embedder, "1", "doc:d", "Remote access VPN", "Remote access VPN for travelling staff"
    )
    fresh = service.search(admin(), request)
    assert fresh.cached is False
    assert "doc:d" in {r.source_id for r in fresh.results} - {r.source_id for r in first.results}
    assert service.cache is not None and service.cache.stats.hits == 2


def test_a_lazy_vector_gives_the_same_ranking_as_a_given_one(
    index: EmbeddedIndex, embedder: Any
) -> None:
    vector = embedder.embed(["printer"])[0]
    eager = index.hybrid("printer", vector, ["1", "2"], k=5)
    lazy = index.hybrid("printer", lambda: np.asarray(vector), ["1", "2"], k=5)
    assert [h.chunk.chunk_id for h in lazy] == [h.chunk.chunk_id for h in eager]
