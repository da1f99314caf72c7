"""One contract for every search backend (layers/core/gluekb/adapters/search_index.py).

The embedded index (SQLite FTS5 + sqlite-vec) always runs; OpenSearch runs when OPENSEARCH_URL
points at a live cluster (http://localhost:9200, or https://user:password@host for basic auth;
OPENSEARCH_AUTH=sigv4 for Amazon OpenSearch Service). Vectors are random unit vectors, not the
embedding model: the contract is about the index, and random vectors keep it fast.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from gluekb.adapters.embedded_index import EmbeddedIndex
from gluekb.errors import ConfigurationError, InvalidInput
from gluekb.models.index import Chunk, DeleteSource, ReplaceSource
from gluekb.ports.search_index import SearchIndex

DIM = 384
OPENSEARCH_URL = os.environ.get("OPENSEARCH_URL")


@dataclass(frozen=True)
class Backend:
    """Where a backend keeps its data; picklable, so other processes can open it too."""

    name: str
    location: str
    transactional: bool  # a reader never sees half of a write

    def open(self, *, writer: bool = False) -> SearchIndex:
        if self.name == "embedded":
            return EmbeddedIndex(self.location, dimension=DIM, writer=writer)
        from gluekb.adapters.opensearch_index import OpenSearchIndex, connect

        assert OPENSEARCH_URL
        auth = os.environ.get("OPENSEARCH_AUTH") or ("basic" if "@" in OPENSEARCH_URL else "none")
        region = os.environ.get("AWS_REGION", "us-east-1")
        client = connect(OPENSEARCH_URL, auth=auth, region=region)
        return OpenSearchIndex(client, self.location, dimension=DIM, writer=writer, replicas=0)


@pytest.fixture(
    params=[
        "embedded",
        pytest.param(
            "opensearch",
            marks=pytest.mark.skipif(
                not OPENSEARCH_URL,
                reason="OPENSEARCH_URL is not set: the OpenSearch backend needs a live cluster",
            ),
        ),
    ]
)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "embedded":
        yield Backend("embedded", str(tmp_path / "index"), transactional=True)
        return
    spec = Backend("opensearch", f"gluekb-contract-{uuid.uuid4().hex[:10]}", transactional=False)
    yield spec
    from gluekb.adapters.opensearch_index import OpenSearchIndex

    cleanup = spec.open(writer=True)
    assert isinstance(cleanup, OpenSearchIndex)
    cleanup.drop()
    cleanup.close()


@pytest.fixture
def index(backend: Backend) -> Iterator[SearchIndex]:
    opened = backend.open(writer=True)
    yield opened
    opened.close()


# ---------------------------------------------------------------- building blocks
def unit_vectors(n: int, seed: int) -> NDArray[np.float32]:
    vectors = np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def source(
    source_id: str,
    organization: str,
    texts: Sequence[str],
    *,
    vectors: NDArray[np.float32] | None = None,
    title: str = "Note",
    source_type: str = "document",
    identifiers: dict[str, list[str]] | None = None,
    seed: int = 0,
) -> ReplaceSource:
    chunks = [
        Chunk(
            chunk_id=f"{source_id}#{position}",
            source_id=source_id,
            organization_id=organization,
            source_type=source_type,
            title=title,
            text=text,
            position=position,
            identifiers=identifiers or {},
            content_hash=Chunk.hash_content(title, text),
        )
        for position, text in enumerate(texts)
    ]
    embeddings = vectors if vectors is not None else unit_vectors(len(texts), seed)
    return ReplaceSource(
        source_id=source_id,
        organization_id=organization,
        source_hash=Chunk.hash_content(source_id, "|".join(c.content_hash for c in chunks)),
        chunks=chunks,
        embeddings=embeddings,
    )


def vector_of(operation: ReplaceSource, position: int) -> NDArray[np.float32]:
    row: NDArray[np.float32] = np.asarray(operation.embeddings, dtype=np.float32)[position]
    return row


def ids(hits: Sequence[Any]) -> list[str]:
    return [hit.chunk.chunk_id for hit in hits]


# ---------------------------------------------------------------- writes
def test_a_written_source_is_found_by_its_text_and_by_its_vector(index: SearchIndex) -> None:
    # Given a source of two chunks
    vectors = unit_vectors(2, seed=1)
    index.write(
        [source("doc:1", "acme", ["the backup job runs nightly", "vpn gateway"], vectors=vectors)]
    )

    # When it is searched by a word of its text and by one of its vectors
    by_text = index.bm25("backup", ["acme"])
    by_vector = index.knn(vectors[1], ["acme"], k=1)

    # Then both find it, with the word marked in the snippet
    assert ids(by_text) == ["doc:1#0"]
    assert by_text[0].matched_by == ["bm25"]
    assert by_text[0].snippet is not None and "<mark>backup</mark>" in by_text[0].snippet
    assert ids(by_vector) == ["doc:1#1"]
    assert by_vector[0].score == pytest.approx(1.0, abs=1e-3)
    assert index.source_chunks("doc:1", ["acme"])[1].text == "vpn gateway"


def test_replacing_a_source_replaces_all_of_its_chunks(index: SearchIndex) -> None:
    # Given a source of three chunks
    index.write([source("doc:1", "acme", ["alpha one", "alpha two", "alpha three"], seed=1)])

    # When it is replaced by two other chunks, twice (a retried message)
    replacement = source("doc:1", "acme", ["omega one", "omega two"], seed=2)
    index.write([replacement])
    index.write([replacement])

    # Then only the new chunks are there, once each
    assert index.bm25("alpha", ["acme"]) == []
    assert sorted(ids(index.bm25("omega", ["acme"]))) == ["doc:1#0", "doc:1#1"]
    assert [c.text for c in index.source_chunks("doc:1", ["acme"])] == ["omega one", "omega two"]
    assert index.count(["acme"]) == 2
    assert index.source_hashes(["doc:1"]) == {"doc:1": replacement.source_hash}
    found = ids(index.knn(unit_vectors(1, seed=9)[0], ["acme"], k=10))
    assert sorted(found) == ["doc:1#0", "doc:1#1"]


def test_a_deleted_source_is_gone_from_every_search(index: SearchIndex) -> None:
    # Given two sources, one with an identifier
    doomed = source("doc:1", "acme", ["printer on floor two"], identifiers={"ip": ["10.0.0.9"]})
    index.write([doomed, source("doc:2", "acme", ["printer on floor three"], seed=5)])

    # When one is deleted
    index.write([DeleteSource(source_id="doc:1", organization_id="acme")])

    # Then no search finds it, and the other is untouched
    assert ids(index.bm25("printer", ["acme"])) == ["doc:2#0"]
    assert ids(index.knn(vector_of(doomed, 0), ["acme"], k=5)) == ["doc:2#0"]
    assert index.exact({"ip": ["10.0.0.9"]}, ["acme"]) == []
    assert index.source_chunks("doc:1", ["acme"]) == []
    assert index.source_hashes(["doc:1", "doc:2"]).keys() == {"doc:2"}
    assert index.count() == 1


def test_an_invalid_operation_writes_nothing(index: SearchIndex) -> None:
    # Given a batch whose second source has vectors of the wrong shape
    good = source("doc:1", "acme", ["fine"])
    bad = source("doc:2", "acme", ["broken"]).model_copy(
        update={"embeddings": np.zeros((1, DIM - 1), dtype=np.float32)}
    )

    # When it is written, Then it is refused and nothing of it is in the index
    with pytest.raises(InvalidInput):
        index.write([good, bad])
    assert index.count() == 0


def test_a_reader_cannot_write(backend: Backend, index: SearchIndex) -> None:
    reader = backend.open()
    try:
        with pytest.raises(ConfigurationError):
            reader.write([source("doc:1", "acme", ["text"])])
    finally:
        reader.close()


def test_the_worker_can_skip_unchanged_sources_and_chunks(index: SearchIndex) -> None:
    # Given a written source
    written = source("doc:1", "acme", ["one", "two"], seed=3)
    index.write([written])

    # When the worker asks what it holds
    hashes = index.source_hashes(["doc:1", "doc:unknown"])
    embeddings = index.embeddings_by_hash("doc:1")

    # Then it gets the source hash and every chunk's stored vector by content hash
    assert hashes == {"doc:1": written.source_hash}
    assert embeddings.keys() == {c.content_hash for c in written.chunks}
    for position, chunk in enumerate(written.chunks):
        np.testing.assert_allclose(
            embeddings[chunk.content_hash], vector_of(written, position), atol=1e-5
        )


# ---------------------------------------------------------------- tenant isolation
@pytest.fixture
def two_tenants(index: SearchIndex) -> SearchIndex:
    shared = unit_vectors(1, seed=11)
    for org in ("acme", "globex"):
        index.write(
            [
                source(
                    f"{org}:doc",
                    org,
                    [f"firewall rules of {org}"],
                    vectors=shared,
                    identifiers={"hostname": ["fw01"], "ip": ["192.168.1.1"]},
                )
            ]
        )
    return index


def test_no_search_crosses_organizations(two_tenants: SearchIndex) -> None:
    index = two_tenants
    vector = unit_vectors(1, seed=11)[0]
    searches = {
        "bm25": index.bm25("firewall rules", ["acme"]),
        "knn": index.knn(vector, ["acme"]),
        "exact": index.exact({"hostname": ["FW01"]}, ["acme"]),
        "hybrid": index.hybrid("fw01 firewall", vector, ["acme"]),
    }
    for name, hits in searches.items():
        assert [h.chunk.organization_id for h in hits] == ["acme"], name
    assert index.source_chunks("globex:doc", ["acme"]) == []
    assert index.count(["acme"]) == 1
    assert index.count(["acme", "globex"]) == 2


def test_an_empty_organization_list_matches_nothing(two_tenants: SearchIndex) -> None:
    index = two_tenants
    vector = unit_vectors(1, seed=11)[0]
    assert index.bm25("firewall", []) == []
    assert index.knn(vector, []) == []
    assert index.exact({"hostname": ["fw01"]}, []) == []
    assert index.hybrid("fw01 firewall", vector, []) == []
    assert index.source_chunks("acme:doc", []) == []
    assert index.count([]) == 0
    assert index.generation([]) == {}


def test_the_types_filter_applies_inside_every_query(index: SearchIndex) -> None:
    # Given a ticket and a configuration that match the same words, vector and identifier
    shared = unit_vectors(1, seed=4)
    for kind in ("ticket", "configuration"):
        index.write(
            [
                source(
                    f"{kind}:1",
                    "acme",
                    ["switch port flapping"],
                    vectors=shared,
                    source_type=kind,
                    identifiers={"serial": ["SN-42"]},
                )
            ]
        )

    # When each search asks for tickets only, Then only the ticket comes back
    only = ["ticket"]
    assert ids(index.bm25("switch", ["acme"], types=only)) == ["ticket:1#0"]
    assert ids(index.knn(shared[0], ["acme"], types=only)) == ["ticket:1#0"]
    assert ids(index.exact({"serial": ["sn-42"]}, ["acme"], types=only)) == ["ticket:1#0"]
    assert ids(index.hybrid("sn-42 switch", shared[0], ["acme"], types=only)) == ["ticket:1#0"]
    assert index.bm25("switch", ["acme"], types=[]) == []
    assert len(index.bm25("switch", ["acme"])) == 2


# ---------------------------------------------------------------- ranking
def test_bm25_ranks_a_handmade_corpus(index: SearchIndex) -> None:
    # Given chunks that mention "printer" in the title and text, twice in a short text, once in
    # a short text, once in a long text, and not at all
    index.write(
        [
            source("a", "acme", ["printer driver printer queue"], title="Printer setup"),
            source("b", "acme", ["printer driver"]),
            source(
                "c",
                "acme",
                [
                    "the office inventory lists one printer among many other devices such as "
                    "laptops desktops monitors docks phones switches routers and access points"
                ],
            ),
            source("d", "acme", ["firewall rules"]),
        ]
    )

    # When BM25 searches for it
    hits = index.bm25("printer", ["acme"], k=10)

    # Then the order follows term frequency, title weight and length, and k caps the list
    assert ids(hits) == ["a#0", "b#0", "c#0"]
    assert hits[0].score > hits[1].score > hits[2].score > 0
    assert ids(index.bm25("printer", ["acme"], k=2)) == ["a#0", "b#0"]


def test_knn_returns_the_exact_top_k_of_an_organization(index: SearchIndex) -> None:
    # Given three organizations of 60 random unit vectors each
    vectors = {org: unit_vectors(60, seed=n) for n, org in enumerate(["o1", "o2", "o3"])}
    index.write(
        [
            source(f"{org}:{i // 6}", org, [f"chunk {j}" for j in range(6)], vectors=v[i : i + 6])
            for org, v in vectors.items()
            for i in range(0, 60, 6)
        ]
    )
    query = unit_vectors(5, seed=99)

    for q in query:
        # When the k nearest of one organization are asked for
        hits = index.knn(q, ["o2"], k=10)

        # Then they are exactly NumPy's, in order, scored by cosine similarity
        similarity = vectors["o2"] @ q
        expected = [f"o2:{i // 6}#{i % 6}" for i in np.argsort(-similarity)[:10]]
        assert ids(hits) == expected
        np.testing.assert_allclose(
            [h.score for h in hits], np.sort(similarity)[::-1][:10], atol=1e-4
        )


def test_hybrid_puts_identifier_matches_first(index: SearchIndex) -> None:
    # Given a chunk naming an IP address only among its identifiers, and chunks that match the
    # question's words and vector far better
    vectors = unit_vectors(3, seed=7)
    index.write(
        [
            source("cfg:1", "acme", ["switch stack"], identifiers={"ip": ["10.20.30.40"]}),
            source("doc:1", "acme", ["what is the server at address for backups"], seed=8),
            source("doc:2", "acme", ["server room notes"], vectors=vectors[2:3]),
        ]
    )

    # When a technician asks about the address
    hits = index.hybrid("what server is 10.20.30.40?", vectors[2], ["acme"], k=3)

    # Then the identifier match comes first, and the others are fused from BM25 and k-NN
    assert ids(hits)[0] == "cfg:1#0"
    assert "exact" in hits[0].matched_by
    assert set(ids(hits)[1:]) == {"doc:1#0", "doc:2#0"}
    assert hits[0].score > hits[1].score >= hits[2].score
    assert any(set(h.matched_by) == {"bm25", "knn"} for h in hits)


def test_hybrid_without_a_vector_is_bm25(index: SearchIndex) -> None:
    # Given a few chunks
    index.write(
        [
            source("a", "acme", ["printer driver printer queue"], title="Printer setup"),
            source("b", "acme", ["printer driver"]),
            source("c", "acme", ["one printer among many other devices in the inventory"]),
        ]
    )

    # When the embedder is down (no vector), Then hybrid ranks as BM25 does
    hybrid = index.hybrid("printer driver", None, ["acme"])
    assert ids(hybrid) == ids(index.bm25("printer driver", ["acme"]))
    assert all(h.matched_by == ["bm25"] for h in hybrid)


def test_exact_lookups_are_case_insensitive_keywords(index: SearchIndex) -> None:
    index.write(
        [
            source(
                "cfg:1",
                "acme",
                ["domain controller"],
                identifiers={"hostname": ["DC01.corp.local"], "mac": ["AA:BB:CC:00:11:22"]},
            )
        ]
    )
    assert ids(index.exact({"hostname": ["dc01.CORP.local"]}, ["acme"])) == ["cfg:1#0"]
    assert ids(index.exact({"mac": [" aa:bb:cc:00:11:22 "]}, ["acme"])) == ["cfg:1#0"]
    assert index.exact({"hostname": ["dc01"]}, ["acme"]) == []  # a keyword, not a word
    assert index.exact({"ip": ["DC01.corp.local"]}, ["acme"]) == []  # of that kind only


# ---------------------------------------------------------------- bookkeeping
def test_count_is_per_organization(index: SearchIndex) -> None:
    index.write(
        [
            source("a", "acme", ["one", "two", "three"]),
            source("b", "globex", ["one"]),
        ]
    )
    assert index.count() == 4
    assert index.count(["acme"]) == 3
    assert index.count(["globex", "initech"]) == 1


def test_generation_changes_on_writes_only_for_the_touched_organization(
    index: SearchIndex,
) -> None:
    # Given nothing written yet
    assert index.generation(["acme", "globex"]) == {"acme": 0, "globex": 0}

    # When acme's source is written, replaced and deleted
    index.write([source("a", "acme", ["one"])])
    first = index.generation(["acme", "globex"])
    index.write([source("a", "acme", ["two"])])
    second = index.generation(["acme", "globex"])
    index.write([DeleteSource(source_id="a", organization_id="acme")])
    third = index.generation(["acme", "globex"])

    # Then acme's generation changes every time and globex's never
    assert first["acme"] != 0 and len({first["acme"], second["acme"], third["acme"]}) == 3
    assert first["globex"] == second["globex"] == third["globex"] == 0

    # And a source moving between organizations changes both
    index.write([source("b", "globex", ["three"])])
    before = index.generation(["acme", "globex"])
    index.write([source("b", "acme", ["three"])])
    after = index.generation(["acme", "globex"])
    assert after["acme"] != before["acme"] and after["globex"] != before["globex"]


def test_the_index_persists_across_close_and_reopen(backend: Backend) -> None:
    # Given a written index, closed
    vectors = unit_vectors(1, seed=21)
    writer = backend.open(writer=True)
    writer.write(
        [
            source(
                "doc:1",
                "acme",
                ["persistent storage"],
                vectors=vectors,
                identifiers={"ip": ["1.2.3.4"]},
            )
        ]
    )
    generation = writer.generation(["acme"])
    writer.close()

    # When it is opened again, by a reader
    reader = backend.open()
    try:
        # Then everything is still there
        assert ids(reader.bm25("persistent", ["acme"])) == ["doc:1#0"]
        assert ids(reader.knn(vectors[0], ["acme"], k=1)) == ["doc:1#0"]
        assert ids(reader.exact({"ip": ["1.2.3.4"]}, ["acme"])) == ["doc:1#0"]
        assert reader.count() == 1
        assert reader.generation(["acme"]) == generation
    finally:
        reader.close()


HOSTILE_QUERIES = [
    '"',
    '""',
    "'",
    '"unterminated',
    "*",
    "a*",
    ":",
    "title:secret",
    "org_tok : x",
    "{title text}: x",
    "(",
    ")",
    "(a OR",
    "AND",
    "OR NOT",
    "NOT",
    "NEAR(a b, 2)",
    "^start",
    "-minus +plus",
    "\\",
    "a\x00b",
    "\x1b[31m",
    "ütf-8 — ✓ 漢字 🙂",
    "",
    "   ",
    "x" * 5000,
    " ".join(["word"] * 500),
    "' OR 1=1 --",
    "'); DROP TABLE chunks; --",
    "[0-9]+ {1,2}",
    "10.0.0.1/24",
    "ip:10.0.0.1",
    "%s %d {} {0}",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_query_strings_never_raise(two_tenants: SearchIndex, query: str) -> None:
    index = two_tenants
    vector = unit_vectors(1, seed=11)[0]
    assert isinstance(index.bm25(query, ["acme"]), list)
    assert isinstance(index.hybrid(query, vector, ["acme"]), list)
    assert isinstance(index.hybrid(query, None, ["acme"]), list)
    assert isinstance(index.exact({"ip": [query]}, ["acme"]), list)
    assert all(h.chunk.organization_id == "acme" for h in index.hybrid(query, None, ["acme"]))


# ---------------------------------------------------------------- processes
SOURCES = 6
ORG = "acme"


def _chunks_for(version: int) -> int:
    return version % 3 + 1


def _writer(backend: Backend, seconds: float, commits: multiprocessing.Queue[Any]) -> None:
    """The worker's role: keep replacing every source; report each commit's wall time."""
    index = backend.open(writer=True)
    version, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        version += 1
        operations = [
            source(
                f"s{i}",
                ORG,
                [f"alpha version{version} part{p}" for p in range(_chunks_for(version))],
                seed=version * 100 + i,
            )
            for i in range(SOURCES)
        ]
        marker = source("marker", ORG, [f"marker version{version}"], seed=version)
        operations.append(marker.model_copy(update={"source_hash": f"m{version}"}))
        index.write(operations)
        commits.put((version, time.time()))
    index.close()
    commits.put(("done", version))


def _reader(backend: Backend, seconds: float, results: multiprocessing.Queue[Any]) -> None:
    """An API function's role: query all the time; check every source is whole."""
    index = backend.open()
    errors: list[str] = []
    seen: dict[int, float] = {}
    rounds = 0
    vector = unit_vectors(1, seed=5)[0]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            marker = index.source_hashes(["marker"]).get("marker")
            if marker is not None:
                seen.setdefault(int(marker.removeprefix("m")), time.time())
                for i in range(SOURCES):
                    chunks = index.source_chunks(f"s{i}", [ORG])
                    chunk_ids = [c.chunk_id for c in chunks]
                    versions = {c.text.split()[1] for c in chunks}
                    if not chunks or len(set(chunk_ids)) != len(chunk_ids):
                        errors.append(f"s{i} empty or duplicated: {chunk_ids}")
                    elif backend.transactional and (
                        len(versions) != 1
                        or len(chunks) != _chunks_for(int(versions.pop().removeprefix("version")))
                    ):
                        errors.append(f"s{i} half written: {[c.text for c in chunks]}")
            index.bm25("alpha", [ORG])
            index.knn(vector, [ORG])
            index.hybrid("alpha marker", vector, [ORG])
            index.count([ORG])
            index.generation([ORG])
            rounds += 1
        except Exception as exc:
            errors.append(repr(exc))
    index.close()
    results.put({"errors": errors[:10], "error_count": len(errors), "seen": seen, "rounds": rounds})


def test_one_writer_and_concurrent_reader_processes(backend: Backend) -> None:
    # Given a writer process replacing sources continuously and two reader processes
    context = multiprocessing.get_context("spawn")
    commits: multiprocessing.Queue[Any] = context.Queue()
    results: multiprocessing.Queue[Any] = context.Queue()
    backend.open(writer=True).close()  # the writer's first start creates the index
    seconds = 3.0
    processes = [context.Process(target=_writer, args=(backend, seconds, commits))]
    processes += [
        context.Process(target=_reader, args=(backend, seconds + 1.0, results)) for _ in range(2)
    ]

    # When they run side by side
    for process in processes:
        process.start()
    committed: dict[int, float] = {}
    reports: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    while len(reports) < 2 and time.monotonic() < deadline:
        with contextlib.suppress(queue.Empty):
            reports.append(results.get(timeout=0.05))
        while not commits.empty():
            version, at = commits.get()
            if version != "done":
                committed[version] = at
    for process in processes:
        process.join(timeout=30)

    # Then nothing failed, every source was always whole, and readers saw commits quickly
    assert [p.exitcode for p in processes] == [0, 0, 0]
    assert len(reports) == 2
    assert committed, "the writer committed nothing"
    for report in reports:
        assert report["error_count"] == 0, report["errors"]
        assert report["rounds"] > 0
        delays = [
            min(at for version, at in report["seen"].items() if version >= n) - committed_at
            for n, committed_at in committed.items()
            if any(version >= n for version in report["seen"])
        ]
        assert delays, "a reader never saw a commit"
        assert max(delays) < 1.0, f"slowest commit became visible after {max(delays):.3f}s"
