"""SQS batch processing for the queue-fed functions: per-record failures, each one logged with
its reason (the record id, never its body), so a message in the DLQ can be explained."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel

from gluekb.observability import MetricUnit, logger, metrics


class LoggingBatchProcessor(BatchProcessor):
    def __init__(self, model: type[SqsRecordModel]) -> None:
        # A batch where every record failed is reported record by record, not raised: poison
        # messages are not function errors and must not throttle the event source mapping.
        super().__init__(event_type=EventType.SQS, model=model, raise_on_entire_batch_failure=False)

    def failure_handler(self, record: Any, exception: Any) -> Any:
        exc_type, exc_value, _ = exception
        message_id = getattr(record, "message_id", None) or getattr(record, "messageId", None)
        if message_id is None and isinstance(record, dict):
            message_id = record.get("messageId")
        logger.warning(
            "record failed; it stays on the queue (DLQ after the redrive limit)",
            extra={
                "message_id": message_id,
                "error_type": getattr(exc_type, "__name__", str(exc_type)),
                "reason": str(exc_value)[:500],
            },
        )
        metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=1)
        return super().failure_handler(record, exception)


__all__ = ["LoggingBatchProcessor", "PartialItemFailureResponse"]
