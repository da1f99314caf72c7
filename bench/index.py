"""Benchmark of the embedded search index (SQLite FTS5 + sqlite-vec): the bake-off's decisive
numbers (shared/notes/embedded-index-bakeoff.md) measured on this machine.

Data: N chunks (default 100k) of 30-120 words from a fixed Zipf-distributed vocabulary across
200 organizations (50-4,086 chunks each at 100k, scaled for other N), random unit 384-dim
float32 vectors (no cluster structure). Built by one process (the worker's role), queried by a
fresh one (an API function's role). Prints one JSON object.

    python bench/index.py                 # 100k chunks, about two minutes on 2 cores
    python bench/index.py --chunks 10000  # a quick run
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/<name>.py`, this folder comes first on sys.path, where a bench module
# could stand in for a standard library one: the project root takes its place.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import functools
import json
import os
import platform
import resource
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gluekb.adapters.embedded_index import EmbeddedIndex
from gluekb.models.index import Chunk, DeleteSource, ReplaceSource

DIMENSION = 384
ORGANIZATIONS = 200
VOCABULARY = 20_000
BATCH_CHUNKS = 2_000
K = 10
SEED = 20261121


# ---------------------------------------------------------------- synthetic corpus
@functools.cache
def vocabulary(size: int = VOCABULARY) -> tuple[str, ...]:
    """English function words, MSP words, then pronounceable made-up words fixed by the seed."""
    rng = np.random.default_rng(SEED)
    onsets = [*"bcdfghjklmnprstvwz", "br", "cl", "dr", "fl", "gr", "pl", "st", "tr", "sh", "ch"]
    vowels = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io"]
    # Ranks as in real text: function words first, then the words MSP documents use.
    # fmt: off
    english = [
        "the", "of", "and", "to", "a", "in", "is", "you", "that", "it", "he", "was", "for", "on",
        "are", "as", "with", "his", "they", "i", "at", "be", "this", "have", "from", "or", "one",
        "had", "by", "word", "but", "not", "what", "all", "were", "we", "when", "your", "can",
        "said", "there", "use", "an", "each", "which", "she", "do", "how", "their", "if", "will",
        "up", "other", "about", "out", "many", "then", "them", "these", "so",
    ]
    # fmt: on
    domain = [
        *("server", "firewall", "backup", "switch", "router", "vpn", "password", "license"),
        *("printer", "domain", "dns", "dhcp", "exchange", "office", "sharepoint", "azure"),
        *("laptop", "desktop", "warranty", "contract", "ticket", "user", "mailbox", "network"),
        *("subnet", "gateway", "controller", "replication", "antivirus", "patch", "update"),
    ]
    words = dict.fromkeys([*english, *domain])
    while len(words) < size:
        syllables = int(rng.integers(2, 4))
        word = "".join(
            onsets[int(rng.integers(len(onsets)))] + vowels[int(rng.integers(len(vowels)))]
            for _ in range(syllables)
        )
        words.setdefault(word)
    return tuple(words)


class Words:
    """Zipf-distributed words (rank r drawn with probability ~ 1/r), drawn in bulk."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.words = vocabulary()
        weights = 1.0 / np.arange(1, len(self.words) + 1)
        self.cdf = np.cumsum(weights / weights.sum())

    def draw(self, n: int) -> list[str]:
        picks = np.searchsorted(self.cdf, self.rng.random(n), side="right")
        words = self.words
        return [words[min(i, len(words) - 1)] for i in picks.tolist()]


def organization_sizes(total: int, organizations: int) -> list[int]:
    """Sizes from 50 to 4,086 (at 100k chunks) summing to `total`: a few large tenants, many
    small ones. Shape: low + (high - low) * x**gamma over evenly spaced x, gamma solved."""
    scale = total / 100_000
    low, high = max(1.0, 50 * scale), max(2.0, 4_086 * scale)
    x = np.linspace(0.0, 1.0, organizations)
    lo_gamma, hi_gamma = 0.01, 100.0
    for _ in range(100):
        gamma = (lo_gamma + hi_gamma) / 2
        if (low + (high - low) * x**gamma).sum() > total:
            lo_gamma = gamma
        else:
            hi_gamma = gamma
    sizes = np.maximum(1, np.round(low + (high - low) * x**gamma)).astype(int)
    sizes[-1] += total - int(sizes.sum())
    return [int(size) for size in sizes]


Source = tuple[str, list[tuple[str, str, dict[str, list[str]]]]]


def corpus(total: int, rng: np.random.Generator) -> Iterator[Source]:
    """(organization, chunks) per source of 1-8 chunks; a chunk is (title, text, identifiers)."""
    words = Words(rng)
    serial = 0
    for org_number, size in enumerate(organization_sizes(total, ORGANIZATIONS)):
        org = f"org{org_number:03d}"
        remaining = size
        while remaining:
            n = min(remaining, int(rng.integers(1, 9)))
            remaining -= n
            serial += 1
            title = " ".join(words.draw(int(rng.integers(3, 7))))
            host = f"host{serial:06d}.{org}.example"
            ip = f"10.{serial // 65536 % 256}.{serial // 256 % 256}.{serial % 256}"
            lengths = rng.integers(30, 121, size=n)
            drawn = words.draw(int(lengths.sum()))
            ends = np.cumsum(lengths).tolist()
            starts = [0, *ends[:-1]]
            chunks = [
                (title, " ".join(drawn[a:b]), {"hostname": [host], "ip": [ip]})
                for a, b in zip(starts, ends, strict=True)
            ]
            yield org, chunks


def unit_vectors(rng: np.random.Generator, n: int) -> NDArray[np.float32]:
    vectors = rng.standard_normal((n, DIMENSION), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def operation(
    source_id: str, org: str, chunks: Sequence[tuple[str, str, dict[str, list[str]]]], vectors: Any
) -> ReplaceSource:
    built = [
        Chunk(
            chunk_id=f"{source_id}#{position}",
            source_id=source_id,
            organization_id=org,
            source_type="document" if position % 3 else "configuration",
            title=title,
            text=text,
            position=position,
            identifiers=identifiers,
            content_hash=Chunk.hash_content(title, text),
        )
        for position, (title, text, identifiers) in enumerate(chunks)
    ]
    return ReplaceSource(
        source_id=source_id,
        organization_id=org,
        source_hash=f"{source_id}:{len(built)}",
        chunks=built,
        embeddings=vectors,
    )


# ---------------------------------------------------------------- phases
def build(directory: Path, total: int) -> dict[str, Any]:
    """The worker's role: ingest everything, then upsert 1k chunks and delete 1k chunks."""
    rng = np.random.default_rng(SEED)
    vectors = unit_vectors(rng, total)
    np.save(directory / "vectors.npy", vectors)
    sources: list[tuple[str, str, int, int]] = []  # source_id, org, first row, end row
    index = EmbeddedIndex(directory, dimension=DIMENSION, writer=True)
    started = time.perf_counter()
    batch: list[ReplaceSource] = []
    batch_chunks = row = 0
    for org, chunks in corpus(total, rng):
        source_id = f"doc:{len(sources):06d}"
        sources.append((source_id, org, row, row + len(chunks)))
        batch.append(operation(source_id, org, chunks, vectors[row : row + len(chunks)]))
        row += len(chunks)
        batch_chunks += len(chunks)
        if batch_chunks >= BATCH_CHUNKS:
            index.write(batch)
            batch, batch_chunks = [], 0
    if batch:
        index.write(batch)
    ingest_s = time.perf_counter() - started

    words = Words(rng)
    upserts: list[ReplaceSource] = []
    deletes: list[DeleteSource] = []
    upserted = deleted = 0
    for i in rng.permutation(len(sources)).tolist():
        source_id, org, first, end = sources[i]
        if upserted < 1_000:
            chunks = [(f"updated {source_id}", " ".join(words.draw(60)), {})] * (end - first)
            upserts.append(operation(source_id, org, chunks, unit_vectors(rng, end - first)))
            upserted += end - first
        elif deleted < 1_000:
            deletes.append(DeleteSource(source_id=source_id, organization_id=org))
            deleted += end - first
        else:
            break
    upsert_s = timed(lambda: index.write(upserts))
    delete_s = timed(lambda: index.write(deletes))
    chunks_after = index.count()
    index.close()
    changed = {op.source_id for op in upserts} | {op.source_id for op in deletes}
    layout = {
        "unchanged": [[org, a, b] for sid, org, a, b in sources if sid not in changed],
        "first_rows": [first for _, _, first, _ in sources],
    }
    (directory / "layout.json").write_text(json.dumps(layout))
    return {
        "ingest_s": round(ingest_s, 1),
        "ingest_chunks_per_s": round(total / ingest_s),
        "upsert_1k_s": round(upsert_s, 2),
        "upserted_chunks": upserted,
        "delete_1k_s": round(delete_s, 2),
        "deleted_chunks": deleted,
        "chunks_after": chunks_after,
        "database_mb": round(sum(p.stat().st_size for p in directory.glob("chunks.*")) / 2**20),
        "build_peak_rss_mb": peak_rss_mb(),
    }


def query(directory: Path, queries: int) -> dict[str, Any]:
    """An API function's role, in a fresh process: open the index and query it.

    Recall@10 compares with exact NumPy search over the organization's chunks that the build
    left unchanged; index hits on re-vectored (upserted) chunks are not counted against it."""
    layout = json.loads((directory / "layout.json").read_text())
    first_rows: list[int] = layout["first_rows"]
    vectors = np.load(directory / "vectors.npy", mmap_mode="r")
    started = time.perf_counter()
    index = EmbeddedIndex(directory, dimension=DIMENSION)
    reopen_ms = (time.perf_counter() - started) * 1000
    first_query_s = timed(lambda: index.bm25("server backup", ["org000"]))

    rows_of: dict[str, list[int]] = {}
    for org, first, end in layout["unchanged"]:
        rows_of.setdefault(org, []).extend(range(first, end))
    orgs = sorted(rows_of)
    rng = np.random.default_rng(SEED + 1)
    words = Words(rng)

    def row_of(chunk_id: str) -> int:
        source, position = chunk_id.removeprefix("doc:").split("#")
        return first_rows[int(source)] + int(position)

    def any_org() -> str:
        return orgs[int(rng.integers(len(orgs)))]

    def any_text() -> str:
        return " ".join(words.draw(int(rng.integers(2, 5))))

    knn_times: list[float] = []
    recalls: list[float] = []
    for _ in range(queries):
        org, vector = any_org(), unit_vectors(rng, 1)[0]
        started = time.perf_counter()
        hits = index.knn(vector, [org], k=K)
        knn_times.append(time.perf_counter() - started)
        rows = np.array(rows_of[org])
        found = {row_of(hit.chunk.chunk_id) for hit in hits}
        truth = rows[np.argsort(-(vectors[rows] @ vector), kind="stable")[:K]].tolist()
        # Truth rows outranked by upserted chunks in the index's top 10 are not misses.
        considered = truth[: len(found & set(rows.tolist()))]
        recalls.append(len(found & set(considered)) / max(1, len(considered)))

    bm25_times: list[float] = []
    hybrid_times: list[float] = []
    all_orgs_times: list[float] = []
    for _ in range(queries):
        org, text = any_org(), any_text()
        started = time.perf_counter()
        index.bm25(text, [org], k=K)
        bm25_times.append(time.perf_counter() - started)
    for _ in range(queries):
        org, text, vector = any_org(), any_text(), unit_vectors(rng, 1)[0]
        started = time.perf_counter()
        index.hybrid(text, vector, [org], k=K)
        hybrid_times.append(time.perf_counter() - started)
    for _ in range(max(5, queries // 20)):
        vector = unit_vectors(rng, 1)[0]
        started = time.perf_counter()
        index.knn(vector, orgs, k=K)
        all_orgs_times.append(time.perf_counter() - started)
    index.close()
    return {
        "reopen_ms": round(reopen_ms, 2),
        "first_query_ms": round(first_query_s * 1000, 2),
        "knn_org_p50_ms": percentile_ms(knn_times, 50),
        "knn_org_p95_ms": percentile_ms(knn_times, 95),
        "knn_org_recall_at_10": round(float(np.mean(recalls)), 4),
        "bm25_org_p50_ms": percentile_ms(bm25_times, 50),
        "bm25_org_p95_ms": percentile_ms(bm25_times, 95),
        "hybrid_org_p50_ms": percentile_ms(hybrid_times, 50),
        "hybrid_org_p95_ms": percentile_ms(hybrid_times, 95),
        "knn_all_orgs_p50_ms": percentile_ms(all_orgs_times, 50),
        "query_peak_rss_mb": peak_rss_mb(),
    }


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def percentile_ms(samples: Sequence[float], q: float) -> float:
    return round(float(np.percentile(np.array(samples), q)) * 1000, 2)


def end_to_end_summary(
    latencies: Sequence[float], webhook_times: Sequence[float]
) -> dict[str, Any]:
    """A webhook-to-result bench's figures: end-to-end seconds, and the webhook's own answer."""
    return {
        "p50_s": round(percentile_ms(latencies, 50) / 1000, 3),
        "p95_s": round(percentile_ms(latencies, 95) / 1000, 3),
        "n": len(latencies),
        "min_s": round(min(latencies), 3),
        "max_s": round(max(latencies), 3),
        "webhook_response_p50_ms": percentile_ms(webhook_times, 50),
        "webhook_response_p95_ms": percentile_ms(webhook_times, 95),
    }


def peak_rss_mb() -> int:
    """This process's peak resident set (VmHWM: unlike ru_maxrss, not inherited over fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the embedded search index.")
    parser.add_argument("--chunks", type=int, default=100_000, help="default: 100000")
    parser.add_argument("--queries", type=int, default=200, help="per measurement")
    parser.add_argument("--query-phase", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.query_phase:
        print(json.dumps(query(args.query_phase, args.queries)))
        return
    started = time.perf_counter()
    results: dict[str, Any] = {
        "benchmark": "embedded_search_index",
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores",
        "python": platform.python_version(),
        "chunks": args.chunks,
        "organizations": ORGANIZATIONS,
        "dimension": DIMENSION,
        "k": K,
        "queries_per_measurement": args.queries,
    }
    with tempfile.TemporaryDirectory(prefix="gluekb-bench-index-") as tmp:
        results.update(build(Path(tmp), args.chunks))
        fresh = subprocess.run(
            [sys.executable, __file__, "--query-phase", tmp, "--queries", str(args.queries)],
            check=True,
            capture_output=True,
            text=True,
        )
        results.update(json.loads(fresh.stdout))
    results["total_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
