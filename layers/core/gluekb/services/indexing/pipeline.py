"""Index jobs → chunks → embeddings → one atomic index write.

Nothing is embedded twice: a source whose chunks are unchanged is skipped outright (the sync
re-sends unchanged records after a full sweep; that costs one index read), and inside a changed
source every chunk whose content hash is already indexed reuses its stored vector.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from gluekb.adapters.payload_store import PayloadStore, SourceUnavailable
from gluekb.errors import GluekbError
from gluekb.models.documents import IndexJob, SourceDocument
from gluekb.models.index import Chunk, DeleteSource, IndexOperation, ReplaceSource
from gluekb.ports.search_index import SearchIndex
from gluekb.services.indexing.chunking import chunk_document

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Encode = Callable[[list[str]], NDArray[np.float32]]

Status = Literal["indexed", "unchanged", "deleted", "superseded", "failed"]


@dataclass
class JobOutcome:
    status: Status
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    reason: str | None = None
    permanent: bool = False  # a retry cannot fix it (bad document): let it reach the DLQ


@dataclass
class BatchStats:
    jobs: int = 0
    chunks_written: int = 0
    embedded: int = 0
    reused: int = 0
    unchanged_sources: int = 0
    failed: int = 0
    chunk_ms: float = 0.0
    embed_ms: float = 0.0
    write_ms: float = 0.0
    outcomes: list[JobOutcome] = field(default_factory=list)


def embedding_text(chunk: Chunk) -> str:
    return f"{chunk.title}\n{chunk.text}"


def source_hash(chunks: Sequence[Chunk]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk.model_dump_json().encode())
    return digest.hexdigest()


@dataclass
class _Batch:
    """One batch in progress; positions index `jobs`, and so do `outcomes`."""

    jobs: Sequence[IndexJob]
    stats: BatchStats
    outcomes: list[JobOutcome | None]
    # position -> (document, its chunks, their source hash), for the sources to (re)index
    upserts: dict[int, tuple[SourceDocument, list[Chunk], str]] = field(default_factory=dict)
    deletes: dict[int, DeleteSource] = field(default_factory=dict)
    # position -> the vectors already indexed for that source, by chunk content hash
    known: dict[int, dict[str, NDArray[np.float32]]] = field(default_factory=dict)

    def outcome(self, position: int, outcome: JobOutcome) -> None:
        self.outcomes[position] = outcome


def _newest_per_source(batch: _Batch) -> list[int]:
    """The position of the newest job for each source; earlier ones are superseded."""
    jobs = batch.jobs
    latest: dict[str, int] = {}
    for position, job in enumerate(jobs):
        previous = latest.get(job.source_id)
        if previous is not None and jobs[previous].enqueued_at <= job.enqueued_at:
            batch.outcome(previous, JobOutcome("superseded"))
        elif previous is not None:
            batch.outcome(position, JobOutcome("superseded"))
            continue
        latest[job.source_id] = position
    return list(latest.values())


class IndexingService:
    def __init__(
        self, index: SearchIndex, encode: Encode, documents: PayloadStore | None = None
    ) -> None:
        self.index = index
        self.encode = encode
        self.documents = documents

    def _document(self, job: IndexJob) -> SourceDocument:
        if job.document is not None:
            return job.document
        if self.documents is None or job.document_key is None:
            raise SourceUnavailable("the job references a document but no document store is set")
        document = self.documents.get(job.document_key)
        if document.source_id != job.source_id:
            raise SourceUnavailable(
                f"{job.document_key} holds {document.source_id}, not {job.source_id}"
            )
        return document

    def process(self, jobs: Sequence[IndexJob]) -> BatchStats:
        """Index a batch. Outcomes come back in the order of `jobs`; a failed job never fails
        the others, except a failed index write, which fails every job that wrote."""
        batch = _Batch(jobs, BatchStats(jobs=len(jobs)), [None] * len(jobs))
        started = time.perf_counter()
        self._plan(batch, _newest_per_source(batch))
        batch.stats.chunk_ms = (time.perf_counter() - started) * 1000
        to_embed = self._skip_unchanged(batch)
        fresh = self._embed(batch, to_embed)
        operations, writers = self._operations(batch, fresh)
        self._write(batch, operations, writers)
        stats = batch.stats
        stats.outcomes = [
            o if o is not None else JobOutcome("failed", reason="not processed")
            for o in batch.outcomes
        ]
        stats.failed = sum(1 for o in stats.outcomes if o.status == "failed")
        return stats

    def _plan(self, batch: _Batch, positions: Sequence[int]) -> None:
        """Deletes as they are; upserts fetched and chunked (a source that cannot be is failed)."""
        for position in positions:
            job = batch.jobs[position]
            if job.op == "delete":
                batch.deletes[position] = DeleteSource(
                    source_id=job.source_id, organization_id=job.organization_id
                )
                continue
            try:
                document = self._document(job)
                chunks = chunk_document(document)
            except SourceUnavailable as exc:
                batch.outcome(position, JobOutcome("failed", reason=exc.message, permanent=True))
                continue
            except GluekbError as exc:
                batch.outcome(position, JobOutcome("failed", reason=exc.message))
                continue
            batch.upserts[position] = (document, chunks, source_hash(chunks))

    def _skip_unchanged(self, batch: _Batch) -> dict[str, str]:
        """Drops the sources whose chunks are indexed as they are; returns the texts still to
        embed (content hash -> text), after the vectors a changed source can reuse."""
        stored = self.index.source_hashes([doc.source_id for doc, _, _ in batch.upserts.values()])
        to_embed: dict[str, str] = {}
        for position, (document, chunks, digest) in list(batch.upserts.items()):
            if stored.get(document.source_id) == digest:
                batch.outcome(position, JobOutcome("unchanged", chunks=len(chunks)))
                batch.stats.unchanged_sources += 1
                del batch.upserts[position]
                continue
            known = (
                self.index.embeddings_by_hash(document.source_id)
                if document.source_id in stored
                else {}
            )
            batch.known[position] = known
            for chunk in chunks:
                if chunk.content_hash not in known:
                    to_embed.setdefault(chunk.content_hash, embedding_text(chunk))
        return to_embed

    def _embed(self, batch: _Batch, to_embed: dict[str, str]) -> dict[str, NDArray[np.float32]]:
        started = time.perf_counter()
        fresh: dict[str, NDArray[np.float32]] = {}
        if to_embed:
            vectors = self.encode(list(to_embed.values()))
            fresh = dict(zip(to_embed.keys(), vectors, strict=True))
        batch.stats.embed_ms = (time.perf_counter() - started) * 1000
        batch.stats.embedded = len(to_embed)
        return fresh

    def _operations(
        self, batch: _Batch, fresh: dict[str, NDArray[np.float32]]
    ) -> tuple[list[IndexOperation], list[int]]:
        """One replace per changed source, then the deletes; and the positions that wrote."""
        operations: list[IndexOperation] = []
        writers: list[int] = []
        for position, (document, chunks, digest) in batch.upserts.items():
            known = batch.known[position]
            operations.append(replace_source(document, chunks, digest, known, fresh))
            writers.append(position)
            hits = sum(1 for c in chunks if c.content_hash in known)
            batch.outcome(
                position,
                JobOutcome("indexed", chunks=len(chunks), reused=hits, embedded=len(chunks) - hits),
            )
            batch.stats.reused += hits
            batch.stats.chunks_written += len(chunks)
        for position, operation in batch.deletes.items():
            operations.append(operation)
            writers.append(position)
            batch.outcome(position, JobOutcome("deleted"))
        return operations, writers

    def _write(self, batch: _Batch, operations: list[IndexOperation], writers: list[int]) -> None:
        started = time.perf_counter()
        if operations:
            try:
                self.index.write(operations)
            except Exception as exc:  # the whole write is rolled back: every writer retries
                reason = f"index write failed: {type(exc).__name__}: {exc}"[:500]
                for position in writers:
                    batch.outcome(position, JobOutcome("failed", reason=reason))
                batch.stats.chunks_written = 0
        batch.stats.write_ms = (time.perf_counter() - started) * 1000


def replace_source(
    document: SourceDocument,
    chunks: list[Chunk],
    digest: str,
    known: dict[str, NDArray[np.float32]],
    fresh: dict[str, NDArray[np.float32]],
) -> ReplaceSource:
    """A source's new chunks with their vectors: reused where the content is unchanged."""
    import numpy as np

    matrix = np.stack(
        [
            known[c.content_hash] if c.content_hash in known else fresh[c.content_hash]
            for c in chunks
        ]
    )
    return ReplaceSource(
        source_id=document.source_id,
        organization_id=document.organization_id,
        source_hash=digest,
        chunks=chunks,
        embeddings=matrix.astype(np.float32),
    )
