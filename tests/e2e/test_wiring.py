"""Each event path of template.yaml, end to end through moto and real Lambda runtimes."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from gluekb.adapters.dynamodb import from_item
from tests.e2e.conftest import RunningStack
from tests.support import wait_until

pytestmark = pytest.mark.e2e


def test_http_request_reaches_the_api_function_as_a_v2_event(running_stack: RunningStack) -> None:
    # When a client calls GET /health on the local HTTP API
    response = httpx.get(f"{running_stack.stack.api_url}/health", timeout=30)
    # Then the api function answered, all green, listing every component
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    components = body["components"]
    for name in ("api", "webhooks", "email_intake", "scheduled_sync", "sync_worker"):
        assert components[f"function:{name}"]["ok"], name
    assert {"table:state", "queue:index", "bucket:mail", "emulator", "gateway", "schedules"} <= set(
        components
    )
    assert all(c["ok"] for c in components.values()), components
    # And the request id API Gateway assigned is the function's correlation id (the v2 event path)
    request_id = response.headers["apigw-requestid"]
    log = running_stack.stack.logs / "api.log"
    wait_until(lambda: f'"correlation_id":"{request_id}"' in log.read_text())


def test_an_object_put_to_the_inbound_prefix_reaches_email_intake(
    running_stack: RunningStack,
) -> None:
    # Given the mail bucket from the template
    bucket = running_stack.resource("MailBucket")
    key = f"inbound/{uuid.uuid4().hex}"
    # When SES (here: the test) writes a message under inbound/
    running_stack.clients.s3.put_object(
        Bucket=bucket, Key=key, Body=b"From: a@example.com\r\n\r\nhello"
    )
    # Then S3 -> SQS -> event source mapping -> email_intake registered it
    table = running_stack.resource("TicketsTable")

    def registered() -> dict[str, object] | None:
        item = running_stack.clients.dynamodb.get_item(
            TableName=table, Key={"pk": {"S": f"INTAKE#{bucket}/{key}"}, "sk": {"S": "INTAKE"}}
        ).get("Item")
        return from_item(item) if item else None

    assert wait_until(registered)["size"] == len(b"From: a@example.com\r\n\r\nhello")


def test_a_failing_record_is_retried_then_lands_in_the_dead_letter_queue(
    running_stack: RunningStack,
) -> None:
    sqs = running_stack.clients.sqs
    queue, dlq = running_stack.resource("SyncQueue"), running_stack.resource("SyncDeadLetterQueue")
    source = next(
        s for s in running_stack.stack.event_sources if s.function == "SyncWorkerFunction"
    )
    failed_before = source.failed_records
    # When a job the sync worker cannot parse is queued
    poison = json.dumps({"organisation": "acme", "marker": uuid.uuid4().hex})
    sqs.send_message(QueueUrl=queue, MessageBody=poison)

    # Then, after maxReceiveCount (2) failed receives, it is in the DLQ, untouched
    def in_dlq() -> list[dict[str, object]]:
        got = sqs.receive_message(
            QueueUrl=dlq, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=1
        )
        return [m for m in got.get("Messages", []) if m["Body"] == poison]  # type: ignore[misc]

    (dead,) = wait_until(in_dlq, timeout_s=30)
    assert int(str(dead["Attributes"]["ApproximateReceiveCount"])) >= 2  # type: ignore[index]
    assert source.failed_records - failed_before >= 2


def test_one_bad_record_does_not_fail_its_batch(running_stack: RunningStack) -> None:
    sqs = running_stack.clients.sqs
    queue, dlq = running_stack.resource("MailQueue"), running_stack.resource("MailDeadLetterQueue")
    bucket, table = running_stack.resource("MailBucket"), running_stack.resource("TicketsTable")
    key = f"inbound/{uuid.uuid4().hex}"
    good = {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-11-21T09:14:58.311Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:x"},
                "requestParameters": {"sourceIPAddress": "10.0.0.1"},
                "responseElements": {"x-amz-request-id": "r", "x-amz-id-2": "i"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "c",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "p"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {"key": key, "size": 5, "eTag": "e", "sequencer": "s"},
                },
            }
        ]
    }
    bad = f"not json {uuid.uuid4().hex}"
    sqs.send_message_batch(
        QueueUrl=queue,
        Entries=[
            {"Id": "good", "MessageBody": json.dumps(good)},
            {"Id": "bad", "MessageBody": bad},
        ],
    )
    wait_until(
        lambda: running_stack.clients.dynamodb.get_item(
            TableName=table, Key={"pk": {"S": f"INTAKE#{bucket}/{key}"}, "sk": {"S": "INTAKE"}}
        ).get("Item")
    )

    def bad_in_dlq() -> bool:
        got = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        return any(m["Body"] == bad for m in got.get("Messages", []))

    wait_until(bad_in_dlq, timeout_s=30)


def test_the_schedule_fires_the_scheduled_function(running_stack: RunningStack) -> None:
    runner = running_stack.stack.schedules
    assert runner is not None
    rule = "ScheduledSyncFunctionSchedule"
    fired_before = runner.fired[rule]
    due = runner.next_fire[rule]
    # When the clock passes the rule's next time (rate(15 minutes) from start)
    running_stack.clock.now = due
    # Then scheduled_sync ran with the scheduled event and recorded the run
    wait_until(lambda: runner.last_result.get(rule) == "ok" and runner.fired[rule] > fired_before)
    item = running_stack.clients.dynamodb.get_item(
        TableName=running_stack.resource("StateTable"),
        Key={"pk": {"S": "SCHEDULE#sync"}, "sk": {"S": "LAST"}},
    )["Item"]
    assert from_item(item)["fired_at"].startswith(due.strftime("%Y-%m-%dT%H:%M"))
    assert runner.next_fire[rule] > due
