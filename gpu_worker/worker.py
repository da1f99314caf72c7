"""The index-queue loop: long-poll, batch, index, and only then delete.

- Messages are deleted only after `SearchIndex.write` committed their documents.
- A job that cannot be parsed or whose document cannot be fetched is a poison message: it is
  made visible again at once, so it reaches the DLQ after the redrive limit within seconds; the
  reason is logged and kept in the state table under its message id.
- A transient failure backs off (visibility grows with the receive count).
- Long batches keep their messages invisible (visibility is extended while they run).
- On stop: the batch in hand is finished; messages received but not started are released.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from gluekb.adapters.state_store import StateStore
from gluekb.models.documents import IndexJob
from gluekb.observability import build_logger
from gluekb.services.indexing.pipeline import IndexingService
from gpu_worker import metrics

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

logger = build_logger(service="worker", child=True)


@dataclass
class LoopConfig:
    queue_url: str
    poll_wait_s: int = 20
    batch_max_messages: int = 10
    gather_window_s: float = 0.2
    visibility_timeout_s: int = 300
    failure_backoff_s: int = 10
    max_receive_count: int = 5


class IndexWorker:
    def __init__(
        self,
        sqs: SQSClient,
        indexing: IndexingService,
        config: LoopConfig,
        state: StateStore | None = None,
    ) -> None:
        self.sqs = sqs
        self.indexing = indexing
        self.config = config
        self.state = state
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
                    messages = self._receive()
                except (BotoCoreError, ClientError) as exc:
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

    def _receive(self) -> list[MessageTypeDef]:
        messages: list[MessageTypeDef] = []
        deadline: float | None = None
        while len(messages) < self.config.batch_max_messages and not self.stop.is_set():
            wait = self.config.poll_wait_s if not messages else 0
            response = self.sqs.receive_message(
                QueueUrl=self.config.queue_url,
                MaxNumberOfMessages=min(10, self.config.batch_max_messages - len(messages)),
                WaitTimeSeconds=wait,
                AttributeNames=["All"],
                VisibilityTimeout=self.config.visibility_timeout_s,
            )
            received = response.get("Messages", [])
            messages += received
            if not received:
                break
            deadline = deadline or time.monotonic() + self.config.gather_window_s
            if time.monotonic() >= deadline:
                break
        return messages

    def _release(self, messages: Sequence[MessageTypeDef]) -> None:
        self._change_visibility(messages, 0)

    # ------------------------------------------------------------ one batch
    def process(self, messages: Sequence[MessageTypeDef]) -> None:
        started = time.perf_counter()
        now_ms = time.time() * 1000
        jobs: list[IndexJob] = []
        job_messages: list[MessageTypeDef] = []
        for message in messages:
            sent = float(message.get("Attributes", {}).get("SentTimestamp", now_ms))
            metrics.queue_lag.observe(max(0.0, (now_ms - sent) / 1000))
            try:
                jobs.append(IndexJob.model_validate_json(message.get("Body", "")))
                job_messages.append(message)
            except ValidationError as exc:
                reason = f"unparseable index job: {exc.errors()[0]['msg'] if exc.errors() else exc}"
                self._poison(message, reason, None)

        heartbeat = _VisibilityHeartbeat(self, job_messages)
        heartbeat.start()
        try:
            stats = self.indexing.process(jobs)
        except Exception as exc:  # an unexpected bug: every job retries later, none is lost
            logger.exception("batch failed")
            heartbeat.stop()
            for message in job_messages:
                self._retry_later(message, f"batch failed: {type(exc).__name__}: {exc}", None)
            return
        heartbeat.stop()

        done: list[MessageTypeDef] = []
        for message, job, outcome in zip(job_messages, jobs, stats.outcomes, strict=True):
            metrics.documents.labels(outcome.status).inc()
            if outcome.status != "failed":
                done.append(message)
            elif outcome.permanent:
                self._poison(message, outcome.reason or "failed", job.source_id)
            else:
                self._retry_later(message, outcome.reason or "failed", job.source_id)
        self._delete(done)

        elapsed = time.perf_counter() - started
        metrics.batch_seconds.observe(elapsed)
        metrics.chunks_written.inc(stats.chunks_written)
        metrics.embeddings.labels("index").inc(stats.embedded)
        metrics.embeddings.labels("reused").inc(stats.reused)
        metrics.docs_per_second.set(len(jobs) / elapsed if elapsed > 0 else 0)
        self.batches += 1
        self.last_batch_at = time.time()
        logger.info(
            "batch indexed",
            extra={
                "messages": len(messages),
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
    def _receive_count(self, message: MessageTypeDef) -> int:
        return int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))

    def _poison(self, message: MessageTypeDef, reason: str, source_id: str | None) -> None:
        count = self._receive_count(message)
        final = count >= self.config.max_receive_count
        metrics.failures.labels("poison").inc()
        logger.error(
            "index job cannot succeed" + ("; it goes to the DLQ" if final else "; retrying"),
            extra={
                "message_id": message["MessageId"],
                "source_id": source_id,
                "reason": reason,
                "receive_count": count,
            },
        )
        self._remember(message, reason, source_id, count, final)
        self._change_visibility([message], 0)  # reach the redrive limit quickly

    def _retry_later(self, message: MessageTypeDef, reason: str, source_id: str | None) -> None:
        count = self._receive_count(message)
        final = count >= self.config.max_receive_count
        metrics.failures.labels("transient").inc()
        logger.warning(
            "index job failed; retrying later",
            extra={
                "message_id": message["MessageId"],
                "source_id": source_id,
                "reason": reason,
                "receive_count": count,
            },
        )
        self._remember(message, reason, source_id, count, final)
        backoff = min(self.config.visibility_timeout_s, self.config.failure_backoff_s * count)
        self._change_visibility([message], backoff)

    def _remember(
        self, message: MessageTypeDef, reason: str, source_id: str | None, count: int, final: bool
    ) -> None:
        if self.state is None:
            return
        try:
            self.state.record_index_failure(
                message["MessageId"], reason, source_id=source_id, receive_count=count, final=final
            )
        except (BotoCoreError, ClientError):
            logger.warning(
                "cannot record the failure reason", extra={"message_id": message["MessageId"]}
            )

    def _delete(self, messages: Sequence[MessageTypeDef]) -> None:
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            self.sqs.delete_message_batch(
                QueueUrl=self.config.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)
                ],
            )

    def _change_visibility(self, messages: Sequence[MessageTypeDef], seconds: int) -> None:
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            try:
                self.sqs.change_message_visibility_batch(
                    QueueUrl=self.config.queue_url,
                    Entries=[
                        {
                            "Id": str(i),
                            "ReceiptHandle": m["ReceiptHandle"],
                            "VisibilityTimeout": seconds,
                        }
                        for i, m in enumerate(chunk)
                    ],
                )
            except (BotoCoreError, ClientError) as exc:  # the timeout will release them anyway
                logger.warning("cannot change visibility", extra={"error": str(exc)})

    def health(self) -> dict[str, Any]:
        return {
            "ok": self.alive,
            "batches": self.batches,
            "last_batch_at": self.last_batch_at,
        }


class _VisibilityHeartbeat:
    """Keeps a long batch's messages invisible until it is done."""

    def __init__(self, worker: IndexWorker, messages: Sequence[MessageTypeDef]) -> None:
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
