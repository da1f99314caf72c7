from __future__ import annotations

import json

from gluekb_dev.stack.event_sources import failed_message_ids, sqs_record
from gluekb_dev.stack.lambda_runtime import InvocationResult
from tests.support import event

BATCH = {"a", "b", "c"}


def result(output: object, ok: bool = True) -> InvocationResult:
    return InvocationResult(ok, json.dumps(output).encode())


def test_reported_failures_stay_and_the_rest_are_deleted() -> None:
    out = {"batchItemFailures": [{"itemIdentifier": "b"}]}
    assert failed_message_ids(result(out), BATCH, report=True) == {"b"}
    assert failed_message_ids(result({"batchItemFailures": []}), BATCH, report=True) == set()
    assert failed_message_ids(result(None), BATCH, report=True) == set()


def test_a_function_error_keeps_the_whole_batch() -> None:
    assert failed_message_ids(result({"errorMessage": "x"}, ok=False), BATCH, report=True) == BATCH


def test_malformed_reports_fail_the_whole_batch_as_lambda_does() -> None:
    for bad in ([{"itemIdentifier": "zzz"}], [{"itemIdentifier": ""}], [{"nope": 1}]):
        assert failed_message_ids(result({"batchItemFailures": bad}), BATCH, report=True) == BATCH


def test_without_reporting_a_successful_invocation_deletes_everything() -> None:
    out = {"batchItemFailures": [{"itemIdentifier": "b"}]}
    assert failed_message_ids(result(out), BATCH, report=False) == set()


def test_records_have_the_shape_lambda_delivers() -> None:
    message = {
        "MessageId": "m1",
        "ReceiptHandle": "rh",
        "Body": '{"x":1}',
        "MD5OfBody": "md5",
        "Attributes": {
            "ApproximateReceiveCount": "2",
            "SentTimestamp": "1",
            "SenderId": "s",
            "ApproximateFirstReceiveTimestamp": "2",
        },
        "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "sync"}},
    }
    record = sqs_record(message, "arn:aws:sqs:us-east-1:1:q", "us-east-1")  # type: ignore[arg-type]
    sample = event("sync_worker/sync_job.json")["Records"][0]
    assert set(sample) <= set(record)
    assert set(sample["attributes"]) <= set(record["attributes"])
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "sync",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
