"""SQS batch processing for the queue-fed functions: per-record failures, each one logged with
its reason (the record id, never its body), so a message in the DLQ can be explained. Each
record is processed under its correlation id (its `correlation_id` message attribute, else its
message id): every log line and every job it queues carries it.

A failed record normally comes back after the queue's visibility timeout, which for the sync
queue is long (it must outlast a whole sync). With a `RetryBackoff`, a failed record comes back
sooner instead, after an exponentially growing, jittered delay, until the redrive limit sends it
to the DLQ."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from botocore.exceptions import BotoCoreError, ClientError

from gluekb.observability import (
    CORRELATION_ATTRIBUTE,
    MetricUnit,
    logger,
    metrics,
    use_correlation_id,
)

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

MAX_VISIBILITY_S = 43_200  # SQS refuses a longer visibility timeout


@dataclass(frozen=True)
class RetryBackoff:
    """Makes a failed message visible again after `base_s * 2**(receives - 1)` seconds (at most
    `max_s`), jittered down by up to half so that jobs failing together do not retry together."""

    sqs: SQSClient
    queue_url: str
    base_s: int
    max_s: int

    def delay_s(self, receive_count: int) -> int:
        exponent = min(max(receive_count, 1) - 1, 20)
        ceiling = min(self.max_s, self.base_s * 2**exponent, MAX_VISIBILITY_S)
        jittered: float = ceiling * random.uniform(0.5, 1.0)  # noqa: S311 - jitter
        return max(1, round(jittered))

    def schedule(self, receipt_handle: str, receive_count: int) -> int | None:
        """The delay set, or None when SQS refused (the message then waits out the queue's
        visibility timeout, as it would without a backoff: nothing is lost either way)."""
        delay = self.delay_s(receive_count)
        try:
            self.sqs.change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=delay
            )
        except (BotoCoreError, ClientError) as exc:
            logger.warning(
                "could not set the retry delay; the record returns after the queue's visibility "
                "timeout",
                extra={"error": f"{type(exc).__name__}: {exc}"[:300]},
            )
            return None
        return delay


class LoggingBatchProcessor(BatchProcessor):
    def __init__(self, model: type[SqsRecordModel], retry: RetryBackoff | None = None) -> None:
        # A batch where every record failed is reported record by record, not raised: poison
        # messages are not function errors and must not throttle the event source mapping.
        super().__init__(event_type=EventType.SQS, model=model, raise_on_entire_batch_failure=False)
        self.retry = retry

    def _process_record(self, record: dict[str, Any]) -> Any:
        use_correlation_id(record_correlation_id(record))
        return super()._process_record(record)

    def failure_handler(self, record: Any, exception: Any) -> Any:
        exc_type, exc_value, _ = exception
        message_id = getattr(record, "message_id", None) or getattr(record, "messageId", None)
        if message_id is None and isinstance(record, dict):
            message_id = record.get("messageId")
        retry_in_s = self._schedule_retry(record)
        logger.warning(
            "record failed; it stays on the queue (DLQ after the redrive limit)",
            extra={
                "message_id": message_id,
                "error_type": getattr(exc_type, "__name__", str(exc_type)),
                "reason": str(exc_value)[:500],
                "retry_in_s": retry_in_s,
            },
        )
        metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=1)
        return super().failure_handler(record, exception)

    def _schedule_retry(self, record: Any) -> int | None:
        receipt_handle = getattr(record, "receiptHandle", None)
        if self.retry is None or not receipt_handle:
            return None
        attributes = getattr(record, "attributes", None)
        try:
            receives = int(getattr(attributes, "ApproximateReceiveCount", 1))
        except (TypeError, ValueError):
            receives = 1
        return self.retry.schedule(receipt_handle, receives)


def record_correlation_id(record: dict[str, Any]) -> str | None:
    """The correlation id an SQS record carries, else its message id."""
    attributes = record.get("messageAttributes") or {}
    carried = (attributes.get(CORRELATION_ATTRIBUTE) or {}).get("stringValue")
    value = carried or record.get("messageId")
    return str(value) if value else None


__all__ = [
    "LoggingBatchProcessor",
    "PartialItemFailureResponse",
    "RetryBackoff",
    "record_correlation_id",
]
