"""The index-queue loop: long-poll, batch, index, and only then delete.

- Messages are deleted only after `SearchIndex.write` committed their documents.
- A job that cannot be parsed or whose document cannot be fetched is a poison message: it is
  made visible again at once, so it reaches the DLQ after the redrive limit within seconds; the
  reason is logged and kept in the state table under its message id.
- A transient failure backs off (visibility grows with the receive count).
- Long batches keep their messages invisible (visibility is extended while they run).
- On stop: the batch in hand is finished; messages received but not started are released.
- Every line about one job is logged under its correlation id (the message's, else its id):
  its index write (`index write`, with the outcome) and its failures. The batch's own line
  lists the correlation ids it served.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from gluekb.adapters.state_store import StateStore
from gluekb.errors import DependencyUnavailable
from gluekb.models.documents import IndexJob
from gluekb.observability import build_logger, use_correlation_id
from gluekb.ports.work_queue import QueueMessage, WorkQueue
from gluekb.ports.worker_metrics import FailureKind, WorkerMetrics
from gluekb.services.indexing.pipeline import BatchStats, IndexingService

logger = build_logger(service="worker", child=True)


@dataclass
class LoopConfig:
    poll_wait_s: int = 20
    batch_max_messages: int = 10
    gather_window_s: float = 0.2
    visibility_timeout_s: int = 300
    failure_backoff_s: int = 10
    max_receive_count: int = 5


class NoWorkerMetrics:
    """Measures nothing: the loop outside the worker container (tests, benches)."""

    def message_received(self, lag_s: float) -> None:
        return

    def job_finished(self, status: str) -> None:
        return

    def job_failed(self, kind: FailureKind) -> None:
        return

    def batch_done(
        self, seconds: float, jobs: int, chunks: int, embedded: int, reused: int
    ) -> None:
        return

    def queue_depth(self, visible: int, in_flight: int) -> None:
        return


class IndexWorker:
    def __init__(
        self,
        queue: WorkQueue,
        indexing: IndexingService,
        config: LoopConfig,
        state: StateStore | None = None,
        metrics: WorkerMetrics | None = None,
    ) -> None:
        self.queue = queue
        self.indexing = indexing
        self.config = config
        self.state = state
        self.metrics: WorkerMetrics = metrics or NoWorkerMetrics()
        self.stop = threading.Event()
        self.last_batch_at: float | None = None
        self.batches = 0
        self.alive = False

    # ------------------------------------------------------------ loop
    def run(self) -> None:
        self.alive = True
        try:
            while not self.stop.is_set():
                try:
                    messages = self.receive()
                except DependencyUnavailable as exc:
                    logger.warning("cannot receive from the index queue", extra={"error": str(exc)})
                    self.stop.wait(2)
                    continue
                if not messages:
                    continue
                if self.stop.is_set():
                    self._release(messages)
                    break
                self.process(messages)
        finally:
            self.alive = False

    def receive(self) -> list[QueueMessage]:
        """One batch: a long poll for the first messages, then what else arrives within the
        gather window, up to `batch_max_messages`."""
        messages: list[QueueMessage] = []
        deadline: float | None = None
        while len(messages) < self.config.batch_max_messages and not self.stop.is_set():
            received = self.queue.receive(
                self.config.batch_max_messages - len(messages),
                self.config.poll_wait_s if not messages else 0,
                self.config.visibility_timeout_s,
            )
            messages += received
            if not received:
                break
            deadline = deadline or time.monotonic() + self.config.gather_window_s
            if time.monotonic() >= deadline:
                break
        return messages

    def _release(self, messages: Sequence[QueueMessage]) -> None:
        self._change_visibility(messages, 0)

    # ------------------------------------------------------------ one batch
    def process(self, messages: Sequence[QueueMessage]) -> None:
        started = time.perf_counter()
        # What the pipeline logs belongs to the batch: to its one trail, when it has only one.
        trails = {_correlation(m) for m in messages}
        use_correlation_id(trails.pop() if len(trails) == 1 else None)
        jobs, job_messages = self._parse(messages)
        stats = self._index(jobs, job_messages)
        if stats is None:
            return
        self._settle(job_messages, jobs, stats)
        self._batch_done(messages, stats, time.perf_counter() - started)

    def _parse(self, messages: Sequence[QueueMessage]) -> tuple[list[IndexJob], list[QueueMessage]]:
        """The batch's jobs and their messages; a message that holds no job is poison."""
        now_ms = time.time() * 1000
        jobs: list[IndexJob] = []
        job_messages: list[QueueMessage] = []
        for message in messages:
            sent = now_ms if message.sent_at_ms is None else message.sent_at_ms
            self.metrics.message_received(max(0.0, (now_ms - sent) / 1000))
            try:
                jobs.append(IndexJob.model_validate_json(message.body))
                job_messages.append(message)
            except ValidationError as exc:
                reason = f"unparseable index job: {exc.errors()[0]['msg'] if exc.errors() else exc}"
                self._poison(message, reason, None)
        return jobs, job_messages

    def _index(self, jobs: list[IndexJob], job_messages: list[QueueMessage]) -> BatchStats | None:
        """Index the jobs while their messages stay hidden; None when the batch failed as a
        whole (then every job retries later)."""
        heartbeat = _VisibilityHeartbeat(self, job_messages)
        heartbeat.start()
        try:
            stats = self.indexing.process(jobs)
        except Exception as exc:  # an unexpected bug: every job retries later, none is lost
            logger.exception("batch failed")
            heartbeat.stop()
            for message in job_messages:
                self._retry_later(message, f"batch failed: {type(exc).__name__}: {exc}", None)
            return None
        heartbeat.stop()
        return stats

    def _settle(
        self, job_messages: list[QueueMessage], jobs: list[IndexJob], stats: BatchStats
    ) -> None:
        """Delete what is done; a failed job goes back, at once when a retry cannot fix it."""
        done: list[QueueMessage] = []
        for message, job, outcome in zip(job_messages, jobs, stats.outcomes, strict=True):
            self.metrics.job_finished(outcome.status)
            if outcome.status != "failed":
                use_correlation_id(_correlation(message))
                logger.info(
                    "index write",
                    extra={
                        "status": outcome.status,
                        "source_id": job.source_id,
                        "organization_id": job.organization_id,
                        "message_id": message.message_id,
                    },
                )
                done.append(message)
            elif outcome.permanent:
                self._poison(message, outcome.reason or "failed", job.source_id)
            else:
                self._retry_later(message, outcome.reason or "failed", job.source_id)
        self.queue.delete(done)

    def _batch_done(
        self, served: Sequence[QueueMessage], stats: BatchStats, elapsed: float
    ) -> None:
        self.metrics.batch_done(
            elapsed, stats.jobs, stats.chunks_written, stats.embedded, stats.reused
        )
        self.batches += 1
        self.last_batch_at = time.time()
        use_correlation_id(None)
        logger.info(
            "batch indexed",
            extra={
                "correlation_ids": sorted({c for m in served if (c := _correlation(m))}),
                "messages": len(served),
                "indexed": sum(1 for o in stats.outcomes if o.status == "indexed"),
                "unchanged": stats.unchanged_sources,
                "deleted": sum(1 for o in stats.outcomes if o.status == "deleted"),
                "failed": stats.failed,
                "chunks": stats.chunks_written,
                "embedded": stats.embedded,
                "reused": stats.reused,
                "embed_ms": round(stats.embed_ms, 1),
                "write_ms": round(stats.write_ms, 1),
                "batch_ms": round(elapsed * 1000, 1),
            },
        )

    # ------------------------------------------------------------ outcomes
    def _poison(self, message: QueueMessage, reason: str, source_id: str | None) -> None:
        use_correlation_id(_correlation(message))
        final = message.receive_count >= self.config.max_receive_count
        self.metrics.job_failed("poison")
        logger.error(
            "index job cannot succeed" + ("; it goes to the DLQ" if final else "; retrying"),
            extra=_failure_facts(message, reason, source_id),
        )
        self._remember(message, reason, source_id, final)
        self._change_visibility([message], 0)  # reach the redrive limit quickly

    def _retry_later(self, message: QueueMessage, reason: str, source_id: str | None) -> None:
        use_correlation_id(_correlation(message))
        count = message.receive_count
        self.metrics.job_failed("transient")
        logger.warning(
            "index job failed; retrying later", extra=_failure_facts(message, reason, source_id)
        )
        self._remember(message, reason, source_id, count >= self.config.max_receive_count)
        backoff = min(self.config.visibility_timeout_s, self.config.failure_backoff_s * count)
        self._change_visibility([message], backoff)

    def _remember(
        self, message: QueueMessage, reason: str, source_id: str | None, final: bool
    ) -> None:
        if self.state is None:
            return
        try:
            self.state.record_index_failure(
                message.message_id,
                reason,
                source_id=source_id,
                receive_count=message.receive_count,
                final=final,
            )
        except Exception:  # the reason is a courtesy: the message's fate never depends on it
            logger.warning(
                "cannot record the failure reason", extra={"message_id": message.message_id}
            )

    def _change_visibility(self, messages: Sequence[QueueMessage], seconds: int) -> None:
        try:
            self.queue.change_visibility(messages, seconds)
        except DependencyUnavailable as exc:  # the timeout will release them anyway
            logger.warning("cannot change visibility", extra={"error": str(exc)})

    def health(self) -> dict[str, Any]:
        return {
            "ok": self.alive,
            "batches": self.batches,
            "last_batch_at": self.last_batch_at,
        }


def _correlation(message: QueueMessage) -> str:
    return message.correlation_id or message.message_id


def _failure_facts(message: QueueMessage, reason: str, source_id: str | None) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "source_id": source_id,
        "reason": reason,
        "receive_count": message.receive_count,
    }


class _VisibilityHeartbeat:
    """Keeps a long batch's messages invisible until it is done."""

    def __init__(self, worker: IndexWorker, messages: Sequence[QueueMessage]) -> None:
        self.worker = worker
        self.messages = messages
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="visibility", daemon=True)

    def start(self) -> None:
        if self.messages:
            self._thread.start()

    def _run(self) -> None:
        timeout = self.worker.config.visibility_timeout_s
        while not self._done.wait(max(1.0, timeout / 3)):
            self.worker._change_visibility(self.messages, timeout)

    def stop(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join(5)
