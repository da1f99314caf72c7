"""Receiving from an SQS queue for a long-running consumer (the embedding worker): the
`WorkQueue` port on SQS, batch calls in tens, boto errors raised as `DependencyUnavailable`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from gluekb.errors import DependencyUnavailable
from gluekb.observability import CORRELATION_ATTRIBUTE
from gluekb.ports.work_queue import QueueDepth, QueueMessage

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

NO_REDRIVE_LIMIT = 1_000_000


class SqsWorkQueue:
    def __init__(self, client: SQSClient, url: str) -> None:
        self.client = client
        self.url = url

    def receive(
        self, max_messages: int, wait_s: int, visibility_timeout_s: int
    ) -> list[QueueMessage]:
        try:
            response = self.client.receive_message(
                QueueUrl=self.url,
                MaxNumberOfMessages=min(10, max_messages),
                WaitTimeSeconds=wait_s,
                AttributeNames=["All"],
                MessageAttributeNames=[CORRELATION_ATTRIBUTE],
                VisibilityTimeout=visibility_timeout_s,
            )
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailable(f"cannot receive from {self.url}: {exc}") from exc
        return [_message(m) for m in response.get("Messages", [])]

    def delete(self, messages: Sequence[QueueMessage]) -> None:
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            try:
                self.client.delete_message_batch(
                    QueueUrl=self.url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m.receipt} for i, m in enumerate(chunk)
                    ],
                )
            except (BotoCoreError, ClientError) as exc:
                raise DependencyUnavailable(
                    f"cannot remove finished messages from {self.url}: {exc}"
                ) from exc

    def change_visibility(self, messages: Sequence[QueueMessage], seconds: int) -> None:
        """Every chunk of ten is tried; the first failure is raised after the rest."""
        failure: BotoCoreError | ClientError | None = None
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            try:
                self.client.change_message_visibility_batch(
                    QueueUrl=self.url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m.receipt, "VisibilityTimeout": seconds}
                        for i, m in enumerate(chunk)
                    ],
                )
            except (BotoCoreError, ClientError) as exc:
                failure = failure or exc
        if failure is not None:
            raise DependencyUnavailable(f"cannot change visibility: {failure}") from failure

    def depth(self) -> QueueDepth:
        try:
            attributes = self.client.get_queue_attributes(
                QueueUrl=self.url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailable(f"cannot read the depth of {self.url}: {exc}") from exc
        return QueueDepth(
            visible=int(attributes.get("ApproximateNumberOfMessages", 0)),
            in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
        )

    def max_receive_count(self) -> int:
        try:
            attributes = self.client.get_queue_attributes(
                QueueUrl=self.url, AttributeNames=["RedrivePolicy"]
            )
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailable(f"cannot read the redrive policy: {exc}") from exc
        policy = attributes.get("Attributes", {}).get("RedrivePolicy")
        return int(json.loads(policy)["maxReceiveCount"]) if policy else NO_REDRIVE_LIMIT


def _message(message: MessageTypeDef) -> QueueMessage:
    attributes = message.get("Attributes", {})
    sent = attributes.get("SentTimestamp")
    carried = message.get("MessageAttributes", {}).get(CORRELATION_ATTRIBUTE)
    return QueueMessage(
        message_id=message["MessageId"],
        body=message.get("Body", ""),
        receipt=message["ReceiptHandle"],
        receive_count=int(attributes.get("ApproximateReceiveCount", "1")),
        sent_at_ms=float(sent) if sent is not None else None,
        correlation_id=carried.get("StringValue") if carried else None,
    )
