"""One correlation id follows a piece of work: it rides on the jobs it queues (an SQS message
attribute), and each consumer works and logs under the id of the record in hand."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from moto import mock_aws

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.sqs import JobQueue
from gluekb.adapters.sqs_batch import LoggingBatchProcessor
from gluekb.models.sync import SyncJob
from gluekb.observability import correlation_id, logger, use_correlation_id
from tests.support import LambdaContext, json_log_lines
from tests.support import event as sample_event


@pytest.fixture
def queues() -> Iterator[tuple[AwsClients, str, str]]:
    with mock_aws():
        clients = AwsClients("us-east-1")
        first = clients.sqs.create_queue(QueueName="first")["QueueUrl"]
        second = clients.sqs.create_queue(QueueName="second")["QueueUrl"]
        yield clients, first, second
    use_correlation_id(None)


def _job(org: str) -> SyncJob:
    return SyncJob(organization_id=org, requested_at=datetime(2026, 11, 21, 9, tzinfo=UTC))


def _received(clients: AwsClients, url: str) -> list[Any]:
    messages: list[Any] = clients.sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    ).get("Messages", [])
    return messages


def _as_lambda_event(messages: list[Any]) -> dict[str, Any]:
    """What an SQS event source mapping hands the function for these messages."""
    from gluekb_dev.stack.event_sources import sqs_record

    arn = "arn:aws:sqs:us-east-1:1:first"
    return {"Records": [sqs_record(m, arn, "us-east-1") for m in messages]}


def test_jobs_carry_the_correlation_id_of_the_work_that_queued_them(
    queues: tuple[AwsClients, str, str],
) -> None:
    clients, url, _ = queues
    # Given work under a correlation id
    use_correlation_id("req-123")
    # When it queues jobs (in batches, as the sync does)
    JobQueue(clients.sqs, url).send_all([_job(str(n)) for n in range(12)])
    # Then every job carries the id
    messages = _received(clients, url) + _received(clients, url)
    assert len(messages) == 12
    assert {m["MessageAttributes"]["correlation_id"]["StringValue"] for m in messages} == {
        "req-123"
    }
    # And work outside any correlation queues jobs without one
    use_correlation_id(None)
    JobQueue(clients.sqs, url).send(_job("1"))
    (plain,) = _received(clients, url)
    assert "MessageAttributes" not in plain


def test_each_record_is_processed_and_logged_under_its_own_correlation_id(
    queues: tuple[AwsClients, str, str],
) -> None:
    clients, first, second = queues
    # Given two jobs queued by two different requests, and one without a correlation id
    for request in ("req-a", "req-b"):
        use_correlation_id(request)
        JobQueue(clients.sqs, first).send(_job(request.removeprefix("req-")))
    use_correlation_id(None)
    clients.sqs.send_message(QueueUrl=first, MessageBody=_job("c").model_dump_json())
    messages = _received(clients, first)
    seen: list[str] = []

    def handle(record: SqsRecordModel) -> None:
        seen.append(correlation_id() or "")
        logger.info("handled")
        JobQueue(clients.sqs, second).send(_job("next"))  # work it queues follows the trail

    # When a function processes them in one batch
    with json_log_lines() as lines:
        process_partial_response(
            event=_as_lambda_event(messages),
            record_handler=handle,
            processor=LoggingBatchProcessor(SqsRecordModel),
            context=cast(Any, LambdaContext()),
        )
    # Then each record ran under its own id (the message id when it carried none)
    plain = next(m["MessageId"] for m in messages if "MessageAttributes" not in m)
    assert sorted(seen) == sorted(["req-a", "req-b", plain])
    assert sorted(line["correlation_id"] for line in lines if line["message"] == "handled") == (
        sorted(seen)
    )
    # And the jobs it queued carry the id of the record that queued them
    onward = _received(clients, second)
    assert sorted(m["MessageAttributes"]["correlation_id"]["StringValue"] for m in onward) == (
        sorted(seen)
    )


def test_a_mail_is_filed_under_its_ses_message_id(moto_stack: dict[str, Any]) -> None:
    from tests.support import environment, load_handler

    clients = moto_stack["clients"]
    sample = sample_event("email_intake/s3_put_via_sqs.json")
    s3_event = json.loads(sample["Records"][0]["body"])["Records"][0]["s3"]
    key = s3_event["object"]["key"]
    clients.s3.put_object(Bucket=s3_event["bucket"]["name"], Key=key, Body=b"From: a@b\r\n\r\nhi")
    with environment(moto_stack["env"]["email_intake"]), json_log_lines() as lines:
        load_handler("email_intake").handler(sample, LambdaContext())
    ses_id = key.rsplit("/", 1)[-1]
    (filed,) = [line for line in lines if line["message"] == "inbound mail processed"]
    assert filed["correlation_id"] == ses_id
    index_url = moto_stack["env"]["email_intake"]["GLUEKB_INDEX_QUEUE_URL"]
    (job,) = _received(clients, index_url)
    assert job["MessageAttributes"]["correlation_id"]["StringValue"] == ses_id
    use_correlation_id(None)
