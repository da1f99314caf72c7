"""Sending jobs to an SQS queue: JSON bodies, batches of ten, failed entries retried. Each job
carries the correlation id of the work that queued it (the `correlation_id` message attribute),
so the consumer logs under the same id."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from gluekb.errors import DependencyUnavailable
from gluekb.observability import CORRELATION_ATTRIBUTE, correlation_id

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

MAX_BODY_BYTES = 256 * 1024


class JobQueue:
    def __init__(self, client: SQSClient, url: str) -> None:
        self.client = client
        self.url = url

    def send(self, job: BaseModel, delay_s: int = 0) -> None:
        self.send_all([job], delay_s=delay_s)

    def send_all(self, jobs: Sequence[BaseModel], attempts: int = 4, delay_s: int = 0) -> None:
        """Send every job or raise; entries SQS rejects transiently are retried with backoff.
        `delay_s` (at most 900) keeps the jobs invisible for that long after sending."""
        correlation = correlation_id()
        for start in range(0, len(jobs), 10):
            pending = [
                _entry(offset, job, delay_s, correlation)
                for offset, job in enumerate(jobs[start : start + 10])
            ]
            for attempt in range(attempts):
                try:
                    response = self.client.send_message_batch(QueueUrl=self.url, Entries=pending)
                except (BotoCoreError, ClientError) as exc:
                    if attempt == attempts - 1:
                        raise DependencyUnavailable(f"cannot queue jobs: {exc}") from exc
                    time.sleep(0.2 * 2**attempt)
                    continue
                failed = {f["Id"] for f in response.get("Failed", [])}
                pending = [entry for entry in pending if entry["Id"] in failed]
                if not pending:
                    break
                time.sleep(0.2 * 2**attempt)
            if pending:
                raise DependencyUnavailable(
                    f"SQS refused {len(pending)} job(s) after {attempts} tries"
                )


def _entry(
    offset: int, job: BaseModel, delay_s: int, correlation: str | None
) -> SendMessageBatchRequestEntryTypeDef:
    body = job.model_dump_json(exclude_none=True)
    if len(body.encode()) > MAX_BODY_BYTES:
        raise ValueError(f"job body is {len(body)} bytes; SQS takes at most 256 KiB")
    entry: SendMessageBatchRequestEntryTypeDef = {"Id": str(offset), "MessageBody": body}
    if delay_s:
        entry["DelaySeconds"] = min(900, delay_s)
    if correlation:
        entry["MessageAttributes"] = {
            CORRELATION_ATTRIBUTE: {"DataType": "String", "StringValue": correlation}
        }
    return entry
