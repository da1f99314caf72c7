"""Stopping an SQS event source mapping (Ctrl-C on `gluekb up`) against moto SQS: a batch that
finishes within the grace period is deleted; one still running is handed back at once, not after
the queue's visibility timeout, and nothing is lost or deleted unprocessed."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from gluekb_dev.stack.event_sources import SqsEventSource
from gluekb_dev.stack.lambda_runtime import InvocationResult
from gluekb_dev.stack.template import SqsMapping
from tests.support import receive_now

MAPPING = SqsMapping(
    queue_logical_id="SyncQueue",
    batch_size=1,
    batching_window_s=0,
    report_batch_item_failures=True,
    max_concurrency=1,
    enabled=True,
)


async def _run_until_invoked(source: SqsEventSource, invoked: asyncio.Event) -> None:
    source.start()
    await asyncio.wait_for(invoked.wait(), 10)


def test_a_batch_still_running_at_stop_is_handed_back_at_once(
    sync_like_queue: tuple[Any, str, str],
) -> None:
    sqs, url, arn = sync_like_queue
    sqs.send_message(QueueUrl=url, MessageBody='{"organization_id": "1"}')

    async def scenario() -> float:
        invoked = asyncio.Event()

        async def hangs(function: str, event: dict[str, Any]) -> InvocationResult:
            invoked.set()
            await asyncio.sleep(3600)  # a long sync, still running at Ctrl-C
            raise AssertionError("unreachable")

        source = SqsEventSource("SyncWorker", MAPPING, url, arn, sqs, hangs, "us-east-1")
        await _run_until_invoked(source, invoked)
        started = time.monotonic()
        await source.stop(grace_s=0.5)
        return time.monotonic() - started

    stop_s = asyncio.run(scenario())
    assert stop_s < 3
    back = receive_now(sqs, url)
    assert [m["Body"] for m in back] == ['{"organization_id": "1"}']
    assert back[0]["Attributes"]["ApproximateReceiveCount"] == "2"


def test_a_batch_that_finishes_within_the_grace_period_is_deleted(
    sync_like_queue: tuple[Any, str, str],
) -> None:
    sqs, url, arn = sync_like_queue
    sqs.send_message(QueueUrl=url, MessageBody='{"organization_id": "2"}')

    async def scenario() -> SqsEventSource:
        invoked = asyncio.Event()

        async def quick(function: str, event: dict[str, Any]) -> InvocationResult:
            invoked.set()
            await asyncio.sleep(0.3)
            return InvocationResult(True, b'{"batchItemFailures": []}')

        source = SqsEventSource("SyncWorker", MAPPING, url, arn, sqs, quick, "us-east-1")
        await _run_until_invoked(source, invoked)
        await source.stop(grace_s=2)
        return source

    source = asyncio.run(scenario())
    assert source.records == 1 and source.failed_records == 0
    assert receive_now(sqs, url) == []
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
