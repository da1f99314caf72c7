"""A failed sync job comes back after a short, growing delay instead of the sync queue's
90-minute visibility timeout (moto SQS, the real Lambda record shape, Powertools' processor)."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel

from gluekb.adapters.sqs_batch import LoggingBatchProcessor, RetryBackoff
from gluekb_dev.stack.event_sources import sqs_record
from tests.support import environment, event, load_handler, receive_now


def _fails(record: SqsRecordModel) -> None:
    raise RuntimeError("IT Glue unreachable")


def _deliver(sqs: Any, url: str, arn: str, processor: LoggingBatchProcessor) -> dict[str, Any]:
    (message,) = receive_now(sqs, url)
    lambda_event = {"Records": [sqs_record(message, arn, "us-east-1")]}  # type: ignore[arg-type]
    result: dict[str, Any] = process_partial_response(  # type: ignore[assignment]
        event=lambda_event, record_handler=_fails, processor=processor, context=None
    )
    assert result == {"batchItemFailures": [{"itemIdentifier": message["MessageId"]}]}
    return message


def test_a_failed_job_is_retried_after_the_backoff_not_the_visibility_timeout(
    sync_like_queue: tuple[Any, str, str],
) -> None:
    sqs, url, arn = sync_like_queue
    sqs.send_message(QueueUrl=url, MessageBody='{"organization_id": "1001"}')
    processor = LoggingBatchProcessor(SqsRecordModel, RetryBackoff(sqs, url, base_s=2, max_s=2))
    first = _deliver(sqs, url, arn, processor)
    assert receive_now(sqs, url) == []  # not at once: the delay holds it
    time.sleep(2.3)  # at most base_s (jitter only shortens it), not 5400 s
    (again,) = receive_now(sqs, url)
    assert again["MessageId"] == first["MessageId"]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"


def test_without_a_backoff_a_failed_job_waits_out_the_visibility_timeout(
    sync_like_queue: tuple[Any, str, str],
) -> None:
    sqs, url, arn = sync_like_queue
    sqs.send_message(QueueUrl=url, MessageBody='{"organization_id": "1001"}')
    _deliver(sqs, url, arn, LoggingBatchProcessor(SqsRecordModel))
    time.sleep(2.3)
    assert receive_now(sqs, url) == []


def test_the_delay_doubles_per_attempt_is_capped_and_jittered_down_only() -> None:
    backoff = RetryBackoff(sqs=None, queue_url="q", base_s=120, max_s=1800)  # type: ignore[arg-type]
    for receives, ceiling in [(1, 120), (2, 240), (3, 480), (4, 960), (5, 1800), (40, 1800)]:
        delays = {backoff.delay_s(receives) for _ in range(200)}
        assert min(delays) >= ceiling // 2 and max(delays) <= ceiling, (receives, delays)
        assert len(delays) > 1  # jobs that failed together do not all retry together


def test_a_receipt_handle_sqs_refuses_still_reports_the_failure(
    sync_like_queue: tuple[Any, str, str],
) -> None:
    sqs, url, _ = sync_like_queue
    processor = LoggingBatchProcessor(SqsRecordModel, RetryBackoff(sqs, url, base_s=2, max_s=2))
    sample = event("sync_worker/sync_job.json")  # its receipt handle is not one SQS issued
    result = process_partial_response(
        event=sample, record_handler=_fails, processor=processor, context=None
    )
    assert result == {"batchItemFailures": [{"itemIdentifier": sample["Records"][0]["messageId"]}]}


def test_the_sync_worker_retries_on_its_own_queue_with_the_configured_backoff(
    moto_stack: dict[str, Any],
) -> None:
    env = moto_stack["env"]["sync_worker"]
    with environment(env | {"GLUEKB_RETRY_BASE_S": "30", "GLUEKB_RETRY_MAX_S": "600"}):
        worker = load_handler("sync_worker")
    retry = worker.processor.retry
    assert isinstance(retry, RetryBackoff)
    assert retry.queue_url == env["GLUEKB_SYNC_QUEUE_URL"]
    assert (retry.base_s, retry.max_s) == (30, 600)
