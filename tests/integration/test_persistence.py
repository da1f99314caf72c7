"""Checkpoint and restore of the emulator's data (what makes `gluekb up` survive a restart)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from moto import mock_aws

from gluekb.adapters.aws import AwsClients
from gluekb_dev.stack.embedded import LOCAL_PARAMETERS
from gluekb_dev.stack.persistence import EmulatorState, RestoreReport
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


RAW = "gluekb-local-raw-123456789012"
STATE_TABLE = "gluekb-local-state"


def _checkpoint_some_data(state_dir: Path) -> EmulatorState:
    """A state table item, two raw objects and a queued index job, checkpointed."""
    clients = _provision()
    clients.dynamodb.put_item(
        TableName=STATE_TABLE, Item={"pk": {"S": "ORG#1"}, "sk": {"S": "ORG"}}
    )
    clients.s3.put_object(Bucket=RAW, Key="records/a.json", Body=b"A")
    clients.s3.put_object(Bucket=RAW, Key="records/b.json", Body=b"B")
    url = clients.sqs.get_queue_url(QueueName="gluekb-local-index")["QueueUrl"]
    clients.sqs.send_message(QueueUrl=url, MessageBody="job")
    state = EmulatorState(state_dir, DEFAULT_ACCOUNT_ID, "us-east-1")
    state.checkpoint()
    return state


def _blob_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _restored(state_dir: Path) -> tuple[RestoreReport, AwsClients]:
    clients = _provision()
    return EmulatorState(state_dir, DEFAULT_ACCOUNT_ID, "us-east-1").restore(), clients


def _has_item(clients: AwsClients) -> bool:
    key = {"pk": {"S": "ORG#1"}, "sk": {"S": "ORG"}}
    return "Item" in clients.dynamodb.get_item(TableName=STATE_TABLE, Key=key)


def test_a_missing_blob_loses_its_object_only_and_is_named(tmp_path: Path) -> None:
    # Given a checkpoint whose blob for records/a.json was deleted
    with mock_aws():
        _checkpoint_some_data(tmp_path)
    (tmp_path / "blobs" / _blob_of(b"A")).unlink()
    # When a fresh emulator restores it
    with mock_aws():
        report, clients = _restored(tmp_path)
        # Then exactly that object is reported lost, and everything else is back
        assert report.lost == [
            f"s3://{RAW}/records/a.json: its content (blob {_blob_of(b'A')[:12]}) is missing"
        ]
        assert clients.s3.get_object(Bucket=RAW, Key="records/b.json")["Body"].read() == b"B"
        listed = clients.s3.list_objects_v2(Bucket=RAW).get("Contents", [])
        assert [o["Key"] for o in listed] == ["records/b.json"]
        assert _has_item(clients)
    assert report.objects == 1 and report.items >= 1 and report.messages >= 1


def test_a_damaged_blob_is_kept_aside_and_named(tmp_path: Path) -> None:
    with mock_aws():
        _checkpoint_some_data(tmp_path)
    blob = tmp_path / "blobs" / _blob_of(b"B")
    blob.write_bytes(b"not B")
    with mock_aws():
        report, clients = _restored(tmp_path)
        assert clients.s3.get_object(Bucket=RAW, Key="records/a.json")["Body"].read() == b"A"
    assert report.lost == [
        f"s3://{RAW}/records/b.json: its content (blob {_blob_of(b'B')[:12]}) is damaged"
    ]
    (kept,) = report.kept_aside
    assert Path(kept).parent == tmp_path / "damaged" and Path(kept).read_bytes() == b"not B"
    assert not blob.exists()


def test_a_truncated_checkpoint_gives_back_every_complete_line_and_names_the_rest(
    tmp_path: Path,
) -> None:
    # Given a checkpoint cut off in the middle of its last line
    with mock_aws():
        _checkpoint_some_data(tmp_path)
    snapshot = tmp_path / "state.json"
    lines = snapshot.read_bytes().splitlines(keepends=True)
    last = json.loads(lines[-1])
    snapshot.write_bytes(b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    # When a fresh emulator restores it
    with mock_aws():
        report, clients = _restored(tmp_path)
        # Then what the cut line held is named, and everything before it is back
        count = len(last["data"])
        kind = {"dynamodb": "table", "s3": "bucket", "sqs": "queue"}[last["kind"]]
        unit = {"dynamodb": "item", "s3": "object", "sqs": "message"}[last["kind"]]
        assert report.lost == [
            f"{kind} {last['name']}: {count} of {count} {unit}(s) unreadable in the checkpoint"
        ]
        assert _has_item(clients)
        assert clients.s3.get_object(Bucket=RAW, Key="records/a.json")["Body"].read() == b"A"
    # And the damaged file is kept as it was, for a person to look at
    (kept,) = report.kept_aside
    assert Path(kept).read_bytes() == snapshot.read_bytes()


def test_an_unreadable_checkpoint_is_moved_aside_and_the_emulator_starts_empty(
    tmp_path: Path,
) -> None:
    with mock_aws():
        _checkpoint_some_data(tmp_path)
    (tmp_path / "state.json").write_bytes(b"\x00\xff garbage \x9c")
    with mock_aws():
        report, clients = _restored(tmp_path)
        assert not _has_item(clients)
    (lost,) = report.lost
    assert lost.startswith("the whole checkpoint: state.json unreadable")
    assert not (tmp_path / "state.json").exists()
    (kept,) = report.kept_aside
    assert Path(kept).read_bytes() == b"\x00\xff garbage \x9c"


def test_a_checkpoint_writes_again_a_blob_that_went_missing_under_it(tmp_path: Path) -> None:
    # Given a running emulator that checkpointed, and its state folder then replaced
    with mock_aws():
        state = _checkpoint_some_data(tmp_path)
        shutil.rmtree(tmp_path)
        # When it checkpoints again (nothing changed)
        state.checkpoint()
    # Then every blob the new snapshot names is on disk
    with mock_aws():
        report, _ = _restored(tmp_path)
    assert report.lost == [] and report.objects == 2


def test_a_checkpoint_written_by_the_first_format_is_still_read(tmp_path: Path) -> None:
    (tmp_path / "blobs").mkdir()
    (tmp_path / "blobs" / _blob_of(b"A")).write_bytes(b"A")
    item = {"pk": {"S": "ORG#1"}, "sk": {"S": "ORG"}}
    objects = {"records/a.json": {"sha": _blob_of(b"A"), "metadata": {}}}
    first_format = {"version": 1, "taken_at": 0, "dynamodb": {STATE_TABLE: [item]}}
    (tmp_path / "state.json").write_text(
        json.dumps({**first_format, "s3": {RAW: objects}, "sqs": {}})
    )
    with mock_aws():
        report, clients = _restored(tmp_path)
        assert _has_item(clients)
    assert report.lost == [] and report.objects == 1
