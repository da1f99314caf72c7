"""SQS event source mappings, locally: poll the queue, invoke the function with a real SQS event,
delete what succeeded.

Semantics follow Lambda's: up to BatchSize messages per invocation (gathered for at most
MaximumBatchingWindowInSeconds); with ReportBatchItemFailures only the reported records stay on
the queue, and a malformed report (unknown or empty itemIdentifier) fails the whole batch; a
function error deletes nothing. Failed messages become visible again after the queue's visibility
timeout, and the queue's redrive policy moves them to the dead-letter queue (moto does that part).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from gluekb.observability import build_logger
from gluekb_dev.stack.lambda_runtime import InvocationResult
from gluekb_dev.stack.template import SqsMapping

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

logger = build_logger(service="gluekb-stack", child=True)


def sqs_record(message: MessageTypeDef, queue_arn: str, region: str) -> dict[str, Any]:
    """One SQS message as Lambda presents it in `event["Records"]`."""
    attributes = message.get("Attributes", {})
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": {
            key: attributes[key]
            for key in (
                "ApproximateReceiveCount",
                "SentTimestamp",
                "SenderId",
                "ApproximateFirstReceiveTimestamp",
                "SequenceNumber",
                "MessageGroupId",
                "MessageDeduplicationId",
                "AWSTraceHeader",
            )
            if key in attributes
        },
        "messageAttributes": {},
        "md5OfBody": message.get("MD5OfBody")
        or hashlib.md5(  # noqa: S324 - SQS's checksum
            message.get("Body", "").encode()
        ).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    for name, value in message.get("MessageAttributes", {}).items():
        converted: dict[str, Any] = {
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value["DataType"],
        }
        if "StringValue" in value:
            converted["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            import base64

            converted["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
        record["messageAttributes"][name] = converted
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def failed_message_ids(result: InvocationResult, batch_ids: set[str], report: bool) -> set[str]:
    """Which messages stay on the queue after an invocation."""
    if not result.ok:
        return set(batch_ids)
    if not report:
        return set()
    output = result.json()
    if not isinstance(output, dict) or not output.get("batchItemFailures"):
        return set()
    failures = output["batchItemFailures"]
    ids = {f.get("itemIdentifier") for f in failures if isinstance(f, dict)}
    if not isinstance(failures, list) or None in ids or "" in ids or not ids <= batch_ids:
        return set(batch_ids)  # Lambda treats a malformed report as a failed batch
    return {str(i) for i in ids}


class SqsEventSource:
    def __init__(
        self,
        function: str,
        mapping: SqsMapping,
        queue_url: str,
        queue_arn: str,
        sqs: SQSClient,
        invoke: Callable[[str, dict[str, Any]], Awaitable[InvocationResult]],
        region: str,
        poll_wait_s: int = 1,
    ) -> None:
        self.function = function
        self.mapping = mapping
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.sqs = sqs
        self.invoke = invoke
        self.region = region
        self.poll_wait_s = poll_wait_s
        self.batches = 0
        self.records = 0
        self.failed_records = 0
        self.last_error: str | None = None
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def name(self) -> str:
        return f"{self.mapping.queue_logical_id}->{self.function}"

    def start(self) -> None:
        if not self.mapping.enabled:
            return
        for index in range(max(1, self.mapping.max_concurrency)):
            self._tasks.append(asyncio.create_task(self._poll(), name=f"{self.name}#{index}"))

    async def stop(self, grace_s: float | None = None) -> None:
        """Stop polling. A batch that finishes within the grace period is deleted as usual; one
        still running after it is released (visibility 0), so the next start redelivers it at
        once instead of after the queue's visibility timeout (15 minutes for sync jobs)."""
        self._stopping.set()
        if not self._tasks:
            return
        grace = self.poll_wait_s + 0.5 if grace_s is None else grace_s
        _, running = await asyncio.wait(self._tasks, timeout=grace)
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running, timeout=2)

    async def _receive(self, limit: int) -> list[MessageTypeDef]:
        response = await asyncio.to_thread(
            self.sqs.receive_message,
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(10, limit)),
            WaitTimeSeconds=self.poll_wait_s,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(response.get("Messages", []))

    async def _gather_batch(self) -> list[MessageTypeDef]:
        batch = await self._receive(self.mapping.batch_size)
        deadline = time.monotonic() + self.mapping.batching_window_s
        while batch and len(batch) < self.mapping.batch_size and time.monotonic() < deadline:
            more = await self._receive(self.mapping.batch_size - len(batch))
            if not more:
                break
            batch += more
        return batch

    async def _poll(self) -> None:
        while not self._stopping.is_set():
            try:
                batch = await self._gather_batch()
                if batch and self._stopping.is_set():
                    await self._release(batch)
                elif batch:
                    await self._process(batch)
            except (BotoCoreError, ClientError) as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                await asyncio.sleep(1)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a poller never dies; it reports
                self.last_error = f"{type(exc).__name__}: {exc}"
                logger.exception("event source mapping error", extra={"mapping": self.name})
                await asyncio.sleep(1)

    async def _release(self, batch: list[MessageTypeDef]) -> None:
        """Make the batch visible again now: stopping, not failing, must not delay it."""
        for start in range(0, len(batch), 10):
            chunk = batch[start : start + 10]
            try:
                await asyncio.to_thread(
                    self.sqs.change_message_visibility_batch,
                    QueueUrl=self.queue_url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                        for i, m in enumerate(chunk)
                    ],
                )
            except (BotoCoreError, ClientError) as exc:  # they come back after the timeout
                self.last_error = f"{type(exc).__name__}: {exc}"

    async def _process(self, batch: list[MessageTypeDef]) -> None:
        event = {"Records": [sqs_record(m, self.queue_arn, self.region) for m in batch]}
        try:
            result = await self.invoke(self.function, event)
        except asyncio.CancelledError:  # stopped mid-invocation: hand the batch back
            await self._release(batch)
            raise
        ids = {m["MessageId"] for m in batch}
        failed = failed_message_ids(result, ids, self.mapping.report_batch_item_failures)
        self.batches += 1
        self.records += len(batch)
        self.failed_records += len(failed)
        if not result.ok:
            self.last_error = result.payload.decode(errors="replace")[:300]
        done = [m for m in batch if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            await asyncio.to_thread(
                self.sqs.delete_message_batch,
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)
                ],
            )

    def health(self) -> dict[str, Any]:
        return {
            "ok": all(not t.done() for t in self._tasks) or not self.mapping.enabled,
            "batches": self.batches,
            "records": self.records,
            "failed_records": self.failed_records,
            "last_error": self.last_error,
        }
