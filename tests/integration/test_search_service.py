"""SearchService on a real embedded index and the real model: degraded mode, cache freshness."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gluekb.adapters.catalog_store import CatalogStore
from gluekb.adapters.embedded_index import EmbeddedIndex
from gluekb.adapters.embedder import HttpEmbedder
from gluekb.models.auth import Principal
from gluekb.models.index import Chunk, ReplaceSource
from gluekb.models.itglue import Document, DocumentSection
from gluekb.models.organizations import RegisteredOrganization
from gluekb.services.indexing.chunking import chunk_document
from gluekb.services.query.answers.models import AskRequest
from gluekb.services.query.answers.service import AnswerService
from gluekb.services.query.cache import QueryCache
from gluekb.services.query.search import SearchRequest, SearchService
from gluekb.services.sync.record_cards import render_document

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


# ---------------------------------------------------------------------------- documents in folders
def index_foldered_runbook(index: EmbeddedIndex, embedder: Any) -> str:
    """Acme's runbook for ACME-SQL01, filed in IT Glue under Servers > Runbooks, indexed as the
    worker indexes it (rendered, then chunked: each chunk's title is its breadcrumb)."""
    document = Document.from_resource(
        {
            "id": "900004",
            "type": "documents",
            "attributes": {
                "organization-id": 1,
                "name": "Server Runbook: ACME-SQL01",
                "document-folder-id": 60006,
            },
        }
    )
    sections = [
        DocumentSection.from_resource(
            {
                "id": str(i),
                "type": "document-sections",
                "attributes": {"resource-type": kind, "content": content, "sort": i, "level": 2},
            }
        )
        for i, (kind, content) in enumerate(
            [
                ("Document::Heading", "Safe Reboot"),
                (
                    "Document::Text",
                    "<ol><li>Stop the SQL Agent.</li><li>Reboot ACME-SQL01.</li></ol>",
                ),
            ]
        )
    ]
    rendered = render_document(document, sections, ("Servers", "Runbooks"))
    chunks = chunk_document(rendered.document("Acme Corp"))
    index.write(
        [
            ReplaceSource(
                source_id=rendered.source_id,
                organization_id="1",
                source_hash=rendered.document("Acme Corp").content_hash(),
                chunks=chunks,
                embeddings=embedder.embed([f"{c.title}\n{c.text}" for c in chunks]),
            )
        ]
    )
    return rendered.source_id


def test_a_document_in_a_folder_is_quoted_by_its_own_title_with_its_folder_beside(
    index: EmbeddedIndex, embedder: Any, moto_stack: dict[str, Any]
) -> None:
    # Given a runbook whose chunks' titles start with its IT Glue folders
    source = index_foldered_runbook(index, embedder)
    search = SearchService(index, embedder, Registry(), QueryCache())
    catalog = CatalogStore(moto_stack["clients"].dynamodb, "gluekb-local-catalog")

    # When it is searched, Then the result's title is the breadcrumb, and its folder is apart
    found = search.search(admin(), SearchRequest(query="reboot ACME-SQL01 runbook"))
    hit = next(r for r in found.results if r.source_id == source)
    assert hit.title == "Servers > Runbooks > Server Runbook: ACME-SQL01 > Safe Reboot"
    assert hit.folder == "Servers > Runbooks"

    # When a technician asks how to do what it describes
    answer = AnswerService(search, catalog).ask(
        admin(), AskRequest(question="how do I safely reboot ACME-SQL01 at Acme?")
    )

    # Then the passage is quoted under the document's own title and heading, not its folders,
    # and the source names the folder it is filed in
    assert answer.found and answer.kind == "procedure", answer
    assert {f.field for f in answer.facts} == {"Server Runbook: ACME-SQL01 > Safe Reboot"}
    assert [f.value for f in answer.facts] == ["- Stop the SQL Agent.", "- Reboot ACME-SQL01."]
    (cited,) = answer.sources
    assert (cited.title, cited.folder) == ("Server Runbook: ACME-SQL01", "Servers > Runbooks")
