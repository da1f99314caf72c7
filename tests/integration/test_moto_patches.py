"""The emulator's SQS patches change speed, not answers."""

from __future__ import annotations

import boto3
from moto import mock_aws


def test_queue_attributes_and_counts_are_what_sqs_reports() -> None:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
        for n in range(7):
            sqs.send_message(QueueUrl=url, MessageBody=str(n))
        sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3)
        every = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert every["ApproximateNumberOfMessages"] == "4"
        assert every["ApproximateNumberOfMessagesNotVisible"] == "3"
        assert every["ApproximateNumberOfMessagesDelayed"] == "1"
        assert every["VisibilityTimeout"] == "60" and "QueueArn" in every
        some = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "VisibilityTimeout"]
        )["Attributes"]
        assert some == {"ApproximateNumberOfMessages": "4", "VisibilityTimeout": "60"}
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        assert len(received) == 4  # the delayed message stays hidden
