"""The OpenSearch adapter's requests and its handling of answers, without a cluster.

OpenSearch cannot run here: the same adapter passes the contract suite
(tests/contract/test_search_index.py) against a live cluster when OPENSEARCH_URL is set. These
tests pin what must hold whatever the cluster does: the tenant filter sits inside each query,
a replace never empties a source, failed bulk items are retried or reported, auth is wired.
The recording client below answers like OpenSearch's REST API does, for the calls used.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from opensearchpy import NotFoundError

from gluekb.adapters.opensearch_index import (
    OpenSearchIndex,
    chunks_index_template,
    connect,
)
from gluekb.errors import ConfigurationError, GluekbError
from gluekb.models.index import Chunk, DeleteSource, ReplaceSource
from gluekb.settings import _Search
from gluekb.wiring.search_index import open_search_index
from tests.support import ROOT

DIM = 4


def hit(chunk_id: str, org: str = "acme", score: float = 1.0, **extra: Any) -> dict[str, Any]:
    source_id = chunk_id.split("#")[0]
    return {
        "_id": chunk_id,
        "_score": score,
        "_source": {
            "chunk_id": chunk_id,
            "source_id": source_id,
            "organization_id": org,
            "source_type": "document",
            "title": "t",
            "text": "x",
            "position": int(chunk_id.split("#")[1]),
            "identifiers": {},
            "metadata": {},
            "content_hash": "h",
        },
        "sort": [chunk_id],
        **extra,
    }


class Indices:
    def __init__(self, calls: list[tuple[str, dict[str, Any]]]) -> None:
        self.calls = calls
        self.existing: set[str] = set()

    def exists_index_template(self, *, name: str) -> bool:
        self.calls.append(("exists_index_template", {"name": name}))
        return False

    def put_index_template(self, *, name: str, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("put_index_template", {"name": name, "body": body}))
        return {"acknowledged": True}

    def exists(self, *, index: str) -> bool:
        return index in self.existing

    def create(self, *, index: str, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("create", {"index": index, "body": body}))
        self.existing.add(index)
        return {"acknowledged": True}

    def get_mapping(self, *, index: str) -> dict[str, Any]:
        return {index: {"mappings": {"properties": {"embedding": {"dimension": DIM}}}}}


class RecordingClient:
    """Records every call; answers from queues the test fills (empty answers otherwise)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.indices = Indices(self.calls)
        self.bulk_answers: list[dict[str, Any]] = []
        self.search_answers: list[Any] = []
        self.msearch_answer: dict[str, Any] = {"responses": []}
        self.mget_answers: dict[str, dict[str, Any]] = {}

    def bulk(self, *, body: list[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("bulk", {"body": body, **kwargs}))
        if self.bulk_answers:
            return self.bulk_answers.pop(0)
        return {"errors": False, "items": [{"index": {"status": 200}} for _ in body]}

    def search(self, *, index: str, body: dict[str, Any]) -> Any:
        self.calls.append(("search", {"index": index, "body": body}))
        answer = self.search_answers.pop(0) if self.search_answers else []
        if isinstance(answer, Exception):
            raise answer
        return {"hits": {"hits": answer}}

    def msearch(self, *, body: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(("msearch", {"body": body}))
        return self.msearch_answer

    def mget(self, *, index: str, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("mget", {"index": index, "body": body}))
        docs = self.mget_answers.get(index, {})
        return {"docs": [docs.get(i, {"_id": i, "found": False}) for i in body["ids"]]}

    def count(self, *, index: str, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("count", {"index": index, "body": body}))
        raise NotFoundError(404, "index_not_found_exception", {})

    def close(self) -> None:
        self.calls.append(("close", {}))

    def named(self, name: str) -> list[dict[str, Any]]:
        return [arguments for call, arguments in self.calls if call == name]


def open_index(client: RecordingClient, *, writer: bool = False) -> OpenSearchIndex:
    return OpenSearchIndex(
        client,  # type: ignore[arg-type]
        "chunks",
        dimension=DIM,
        writer=writer,
        backoff_s=0,
        sleep=lambda _: None,
    )


def replace(source_id: str, org: str, count: int) -> ReplaceSource:
    chunks = [
        Chunk(
            chunk_id=f"{source_id}#{i}",
            source_id=source_id,
            organization_id=org,
            source_type="document",
            title="t",
            text=f"text {i}",
            position=i,
            identifiers={"IP": ["10.0.0.1 "], "hostname": ["DC01"]},
            content_hash=f"h{i}",
        )
        for i in range(count)
    ]
    return ReplaceSource(
        source_id=source_id,
        organization_id=org,
        source_hash="new",
        chunks=chunks,
        embeddings=np.full((count, DIM), 2.0, dtype=np.float32),
    )


# ---------------------------------------------------------------- the index definition
def test_the_infra_template_is_the_one_the_adapter_creates() -> None:
    path = ROOT / "infra" / "opensearch" / "chunks-index-template.json"
    assert json.loads(path.read_text()) == chunks_index_template("gluekb-chunks", 384), (
        "regenerate it: python -c 'import json; from gluekb.adapters.opensearch_index import "
        "chunks_index_template as t; print(json.dumps(t(), indent=2))' > " + str(path)
    )


def test_vectors_live_in_a_faiss_hnsw_graph_and_ids_in_keyword_fields() -> None:
    template = chunks_index_template("gluekb-chunks", 384)
    properties = template["template"]["mappings"]["properties"]
    method = properties["embedding"]["method"]
    assert properties["embedding"]["dimension"] == 384
    assert (method["name"], method["engine"], method["space_type"]) == (
        "hnsw",
        "faiss",
        "innerproduct",
    )
    assert set(method["parameters"]) == {"m", "ef_construction", "ef_search"}
    assert "nmslib" not in json.dumps(template)
    for field in ("chunk_id", "source_id", "organization_id", "source_type", "content_hash"):
        assert properties[field]["type"] == "keyword"
    assert properties["identifier_terms"]["normalizer"] == "gluekb_lowercase"
    assert template["template"]["settings"]["index"]["knn"] is True


def test_the_writer_creates_what_is_missing_and_a_reader_creates_nothing() -> None:
    client = RecordingClient()
    open_index(client)
    assert client.calls == []

    open_index(client, writer=True)
    created = [arguments["index"] for arguments in client.named("create")]
    assert created == ["chunks", "chunks-sources", "chunks-generations"]
    assert client.named("put_index_template")[0]["body"]["index_patterns"] == [
        "chunks",
        "chunks-v*",
    ]


# ---------------------------------------------------------------- reads
def test_knn_filters_by_organization_inside_the_knn_clause() -> None:
    client = RecordingClient()
    client.search_answers = [[hit("a#0", score=1.8)]]
    hits = open_index(client).knn([3.0, 0.0, 4.0, 0.0], ["acme", "globex"], types=["ticket"], k=5)

    body = client.named("search")[0]["body"]
    clause = body["query"]["knn"]["embedding"]
    assert clause["k"] == 5 and body["size"] == 5
    assert clause["vector"] == pytest.approx([0.6, 0.0, 0.8, 0.0])
    assert clause["filter"] == {
        "bool": {
            "filter": [
                {"terms": {"organization_id": ["acme", "globex"]}},
                {"terms": {"source_type": ["ticket"]}},
            ]
        }
    }
    assert "post_filter" not in body
    assert body["_source"] == {"excludes": ["embedding"]}
    # The faiss inner-product score 1 + cosine becomes the cosine again.
    assert hits[0].score == pytest.approx(0.8)
    assert hits[0].matched_by == ["knn"]


def test_bm25_is_plain_text_filtered_inside_the_query_with_marked_snippets() -> None:
    client = RecordingClient()
    client.search_answers = [[hit("a#0", highlight={"text": ["the <mark>vpn</mark> box"]})]]
    hits = open_index(client).bm25('the "vpn" OR (title:x)', ["acme"])

    body = client.named("search")[0]["body"]
    clause = body["query"]["bool"]
    assert clause["must"][0]["multi_match"]["query"] == '"vpn" (title:x)'  # less stop words
    assert clause["must"][0]["multi_match"]["fields"] == ["title^2", "text"]
    assert clause["filter"] == [{"terms": {"organization_id": ["acme"]}}]
    assert body["highlight"]["encoder"] == "html"
    assert hits[0].snippet == "the <mark>vpn</mark> box"


def test_an_empty_organization_list_sends_no_request() -> None:
    client = RecordingClient()
    index = open_index(client)
    assert index.bm25("vpn", []) == []
    assert index.knn([1.0, 0, 0, 0], []) == []
    assert index.exact({"ip": ["10.0.0.1"]}, []) == []
    assert index.hybrid("vpn", [1.0, 0, 0, 0], []) == []
    assert index.count([]) == 0
    assert client.calls == []


def test_exact_lookups_are_lowercased_kind_value_keywords() -> None:
    client = RecordingClient()
    open_index(client).exact({"IP": [" 10.0.0.1 "], "hostname": ["DC01", ""]}, ["acme"])
    should = client.named("search")[0]["body"]["query"]["bool"]["should"]
    terms = [clause["constant_score"]["filter"]["term"]["identifier_terms"] for clause in should]
    assert terms == ["ip:10.0.0.1", "hostname:dc01"]


def test_hybrid_is_one_msearch_fused_with_identifier_hits_first() -> None:
    client = RecordingClient()
    client.msearch_answer = {
        "responses": [
            {"hits": {"hits": [hit("cfg#0", score=1.0)]}},
            {"hits": {"hits": [hit("doc#0", score=9.0), hit("cfg#0", score=1.0)]}},
            {"hits": {"hits": [hit("doc#1", score=1.9), hit("doc#0", score=1.5)]}},
        ]
    }
    hits = open_index(client).hybrid("server 10.0.0.1", [1.0, 0, 0, 0], ["acme"], k=3)

    searches = client.named("msearch")[0]["body"]
    assert len(searches) == 6  # header + body for exact, BM25, k-NN
    exact = searches[1]["query"]["bool"]["should"]
    values = [clause["constant_score"]["filter"]["term"]["identifier_values"] for clause in exact]
    assert values == ["server", "10.0.0.1"]
    assert [h.chunk.chunk_id for h in hits] == ["cfg#0", "doc#0", "doc#1"]
    assert hits[0].matched_by == ["exact", "bm25"]
    assert hits[1].matched_by == ["bm25", "knn"]


def test_a_missing_index_reads_as_empty() -> None:
    client = RecordingClient()
    client.search_answers = [NotFoundError(404, "index_not_found_exception", {})]
    index = open_index(client)
    assert index.bm25("vpn", ["acme"]) == []
    assert index.count(["acme"]) == 0
    assert index.generation(["acme"]) == {"acme": 0}


# ---------------------------------------------------------------- writes
def test_a_replace_never_leaves_the_source_empty_and_bumps_generations_last() -> None:
    # Given a source of three chunks, held before by another organization
    client = RecordingClient()
    client.mget_answers = {
        "chunks-sources": {
            "doc": {"_id": "doc", "found": True, "_source": {"organization_id": "old"}}
        }
    }
    client.search_answers = [[hit("doc#0"), hit("doc#1"), hit("doc#2")]]
    index = open_index(client, writer=True)
    client.calls.clear()

    # When it is replaced by two chunks
    index.write([replace("doc", "acme", 2)])

    # Then the new chunks are indexed (searchable on return) before the stale one is deleted,
    # the source record follows, and the generations of both organizations change last
    steps = [(name, arguments) for name, arguments in client.calls if name != "search"]
    names = [name for name, _ in steps]
    assert names == ["mget", "bulk", "bulk", "bulk", "bulk"]
    indexed, deleted, recorded, generations = (arguments for _, arguments in steps[1:])
    assert [line["index"]["_id"] for line in indexed["body"][::2]] == ["doc#0", "doc#1"]
    assert indexed["params"] == {"refresh": "wait_for"}
    document = indexed["body"][1]
    assert document["identifier_terms"] == ["hostname:dc01", "ip:10.0.0.1"]
    assert document["embedding"] == pytest.approx([0.5, 0.5, 0.5, 0.5])
    assert deleted["body"] == [{"delete": {"_index": "chunks", "_id": "doc#2"}}]
    assert recorded["body"][1]["source_hash"] == "new"
    assert [line["index"]["_id"] for line in generations["body"][::2]] == ["acme", "old"]


def test_a_delete_removes_chunks_and_the_source_record() -> None:
    client = RecordingClient()
    client.mget_answers = {
        "chunks-sources": {
            "doc": {"_id": "doc", "found": True, "_source": {"organization_id": "acme"}}
        }
    }
    client.search_answers = [[hit("doc#0")]]
    index = open_index(client, writer=True)
    client.calls.clear()

    index.write([DeleteSource(source_id="doc", organization_id="acme")])

    bodies = [arguments["body"] for arguments in client.named("bulk")]
    assert bodies[0] == [{"delete": {"_index": "chunks", "_id": "doc#0"}}]
    assert bodies[1] == [{"delete": {"_index": "chunks-sources", "_id": "doc"}}]
    assert bodies[2][0] == {"index": {"_index": "chunks-generations", "_id": "acme"}}


def test_bulk_items_refused_under_load_are_retried_alone() -> None:
    client = RecordingClient()
    index = open_index(client, writer=True)
    client.calls.clear()
    client.bulk_answers = [
        {
            "errors": True,
            "items": [
                {"index": {"_id": "doc#0", "status": 201}},
                {"index": {"_id": "doc#1", "status": 429, "error": {"type": "rejected"}}},
            ],
        }
    ]
    index.write([replace("doc", "acme", 2)])

    first, retry = client.named("bulk")[:2]
    assert len(first["body"]) == 4
    assert [line["index"]["_id"] for line in retry["body"][::2]] == ["doc#1"]


def test_a_bulk_item_no_retry_can_fix_raises() -> None:
    client = RecordingClient()
    index = open_index(client, writer=True)
    client.bulk_answers = [
        {
            "errors": True,
            "items": [
                {"index": {"_id": "doc#0", "status": 400, "error": {"type": "mapper_parsing"}}}
            ],
        }
    ]
    with pytest.raises(GluekbError, match="mapper_parsing"):
        index.write([replace("doc", "acme", 1)])


def test_a_reader_refuses_to_write() -> None:
    with pytest.raises(ConfigurationError):
        open_index(RecordingClient()).write([replace("doc", "acme", 1)])


# ---------------------------------------------------------------- connection
@pytest.mark.parametrize(
    ("url", "service"),
    [
        ("https://search-gluekb.eu-west-1.es.amazonaws.com", "es"),
        ("https://abc123.eu-west-1.aoss.amazonaws.com", "aoss"),
    ],
)
def test_sigv4_signs_for_the_service_of_the_host(url: str, service: str) -> None:
    client = connect(url, auth="sigv4", region="eu-west-1")
    connection = client.transport.get_connection()
    assert connection.host == url + ":443"
    assert connection.session.auth.service == service
    assert connection.session.auth.signer.region == "eu-west-1"


def test_basic_auth_comes_from_the_url() -> None:
    connection = connect("http://admin:p%40ss@localhost:9200/os", auth="basic").transport
    assert connection.get_connection().session.auth == ("admin", "p@ss")
    assert connection.get_connection().url_prefix == "/os"
    with pytest.raises(ConfigurationError, match="user:password"):
        connect("https://localhost:9200", auth="basic")


@pytest.mark.parametrize("url", ["localhost:9200", "ftp://host", ""])
def test_a_bad_url_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError):
        connect(url, auth="none")


def test_the_configured_backend_opens_without_touching_the_network(tmp_path: Any) -> None:
    settings = _Search(
        search_backend="opensearch",
        opensearch_url="http://localhost:9200",
        opensearch_index="kb",
        opensearch_auth="none",
    )
    opened = open_search_index(settings, dimension=DIM)
    assert isinstance(opened, OpenSearchIndex)
    assert (opened.index, opened.dimension, opened.writer) == ("kb", DIM, False)

    embedded = _Search(search_backend="embedded", index_path=tmp_path / "index")
    local = open_search_index(embedded, dimension=DIM, writer=True)
    assert local.count() == 0
    local.close()
