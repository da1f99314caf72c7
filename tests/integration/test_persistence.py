"""Checkpoint and restore of the emulator's data (what makes `gluekb up` survive a restart)."""

from __future__ import annotations

from pathlib import Path

from moto import mock_aws

from gluekb.adapters.aws import AwsClients
from gluekb_dev.stack.embedded import LOCAL_PARAMETERS
from gluekb_dev.stack.persistence import EmulatorState
from gluekb_dev.stack.provision import Provisioner
from gluekb_dev.stack.template import DEFAULT_ACCOUNT_ID, Template
from tests.support import ROOT

SECRETS = {
    "WebhookSecret": '{"signing_secret":"s3cr3t"}',
    "ConsoleSessionSecret": '{"session_secret":"console-session-secret-for-tests-0123456789"}',
}


def _provision() -> AwsClients:
    clients = AwsClients("us-east-1")
    Provisioner(
        Template(ROOT / "template.yaml", LOCAL_PARAMETERS), clients, SECRETS, tls=False
    ).provision()
    return clients


def test_tables_objects_and_queued_messages_survive_a_restart(tmp_path: Path) -> None:
    raw, queue = "gluekb-local-raw-123456789012", "gluekb-local-index"
    # Given data in a table, a bucket and a queue (one message in flight)
    with mock_aws():
        clients = _provision()
        clients.dynamodb.put_item(
            TableName="gluekb-local-state",
            Item={
                "pk": {"S": "ORG#1"},
                "sk": {"S": "ORG"},
                "n": {"N": "7"},
                "b": {"B": b"\x00\x01"},
            },
        )
        clients.s3.put_object(
            Bucket=raw,
            Key="records/1/configuration/9.json",
            Body=b'{"id":9}',
            ContentType="application/json",
            Metadata={"content-hash": "abc"},
        )
        url = clients.sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        clients.sqs.send_message(
            QueueUrl=url,
            MessageBody="first",
            MessageAttributes={"kind": {"DataType": "String", "StringValue": "upsert"}},
        )
        clients.sqs.send_message(QueueUrl=url, MessageBody="second")
        clients.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=300)
        # When the emulator checkpoints
        saved = EmulatorState(tmp_path, DEFAULT_ACCOUNT_ID, "us-east-1").checkpoint()
    # (the mail queue also holds the s3:TestEvent S3 sent when its notification was saved)
    assert saved["items"] >= 1 and saved["objects"] == 1 and saved["messages"] == 3

    # And a fresh emulator provisions the same template and restores
    with mock_aws():
        clients = _provision()
        report = EmulatorState(tmp_path, DEFAULT_ACCOUNT_ID, "us-east-1").restore()
        # Then everything is back, and the in-flight message is visible again with its count
        item = clients.dynamodb.get_item(
            TableName="gluekb-local-state", Key={"pk": {"S": "ORG#1"}, "sk": {"S": "ORG"}}
        )["Item"]
        assert item["n"] == {"N": "7"} and item["b"] == {"B": b"\x00\x01"}
        obj = clients.s3.get_object(Bucket=raw, Key="records/1/configuration/9.json")
        assert obj["Body"].read() == b'{"id":9}'
        assert obj["ContentType"] == "application/json"
        assert obj["Metadata"] == {"content-hash": "abc"}
        url = clients.sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        got = clients.sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )["Messages"]
        bodies = {m["Body"]: m for m in got}
        assert set(bodies) == {"first", "second"}
        assert bodies["first"]["MessageAttributes"]["kind"]["StringValue"] == "upsert"
        counts = sorted(int(m["Attributes"]["ApproximateReceiveCount"]) for m in got)
        assert counts == [1, 2]  # the in-flight one had been received once before
    assert report.dropped == 0 and report.messages == 3


def test_unchanged_objects_are_not_rewritten_and_deleted_ones_are_collected(tmp_path: Path) -> None:
    raw = "gluekb-local-raw-123456789012"
    with mock_aws():
        clients = _provision()
        state = EmulatorState(tmp_path, DEFAULT_ACCOUNT_ID, "us-east-1")
        clients.s3.put_object(Bucket=raw, Key="a", Body=b"A")
        clients.s3.put_object(Bucket=raw, Key="b", Body=b"B")
        state.checkpoint()
        blobs = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "blobs").iterdir()}
        clients.s3.delete_object(Bucket=raw, Key="b")
        state.checkpoint()
        after = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "blobs").iterdir()}
    assert len(blobs) == 2 and len(after) == 1
    (kept,) = after
    assert after[kept] == blobs[kept]  # the blob of the unchanged object was not written again


def test_a_snapshot_is_never_half_written(tmp_path: Path) -> None:
    with mock_aws():
        _provision()
        EmulatorState(tmp_path, DEFAULT_ACCOUNT_ID, "us-east-1").checkpoint()
    assert (tmp_path / "state.json").exists()
    assert not (tmp_path / "state.tmp").exists()
