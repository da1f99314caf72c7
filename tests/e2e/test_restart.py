"""Nothing is lost on restart: raw records, tables, queued work (and a hard kill loses at most
the last checkpoint interval)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import RunningStack, start_stack, stop_stack
from tests.support import FakeClock, wait_until

pytestmark = pytest.mark.e2e


def _write_state(running: RunningStack, marker: str) -> None:
    clients = running.clients
    clients.s3.put_object(
        Bucket=running.resource("RawBucket"), Key=f"records/{marker}.json", Body=marker.encode()
    )
    clients.dynamodb.put_item(
        TableName=running.resource("StateTable"),
        Item={
            "pk": {"S": f"CHECKPOINT#{marker}"},
            "sk": {"S": "configurations"},
            "page": {"N": "7"},
        },
    )
    # A dead-letter queue has no consumer: its messages wait for an operator and must survive.
    clients.sqs.send_message(
        QueueUrl=running.resource("IndexDeadLetterQueue"), MessageBody=f"job-{marker}"
    )


def _assert_state(running: RunningStack, marker: str, *, dead_letters: bool = True) -> None:
    clients = running.clients
    body = clients.s3.get_object(
        Bucket=running.resource("RawBucket"), Key=f"records/{marker}.json"
    )["Body"]
    assert body.read() == marker.encode()
    item = clients.dynamodb.get_item(
        TableName=running.resource("StateTable"),
        Key={"pk": {"S": f"CHECKPOINT#{marker}"}, "sk": {"S": "configurations"}},
    )["Item"]
    assert item["page"] == {"N": "7"}
    if not dead_letters:
        return
    messages = clients.sqs.receive_message(
        QueueUrl=running.resource("IndexDeadLetterQueue"), MaxNumberOfMessages=10, WaitTimeSeconds=1
    ).get("Messages", [])
    assert f"job-{marker}" in {m["Body"] for m in messages}


def test_state_written_before_a_restart_is_readable_after_it(tmp_path: Path) -> None:
    # Given a stack that received data
    first = start_stack(tmp_path, FakeClock())
    try:
        _write_state(first, "clean")
    finally:
        # When it is stopped (Ctrl-C runs the same stop)
        stop_stack(first)
    # Then a new start on the same .gluekb finds all of it
    second = start_stack(tmp_path, FakeClock())
    try:
        assert second.stack.restored["objects"] >= 1
        _assert_state(second, "clean")
    finally:
        stop_stack(second)


def test_a_hard_kill_keeps_everything_older_than_the_checkpoint_interval(tmp_path: Path) -> None:
    first = start_stack(tmp_path, FakeClock())
    try:
        _write_state(first, "crash")
        written = time.time()
        endpoint = first.stack.aws_endpoint

        def checkpointed() -> bool:
            info = httpx.get(f"{endpoint}/_gluekb/health", timeout=5).json()
            return float(info.get("last_checkpoint", {}).get("started_at", 0)) > written

        wait_until(checkpointed, timeout_s=10)
        assert first.stack.emulator is not None
        os.kill(first.stack.emulator.pid, signal.SIGKILL)  # no final checkpoint
    finally:
        stop_stack(first)
    second = start_stack(tmp_path, FakeClock())
    try:
        _assert_state(second, "crash")
    finally:
        stop_stack(second)


def test_a_damaged_checkpoint_never_stops_the_start_and_says_what_was_lost(
    tmp_path: Path,
) -> None:
    # Given a stopped stack whose checkpoint then lost a blob and was cut off mid-line
    first = start_stack(tmp_path, FakeClock())
    try:
        _write_state(first, "kept")
        first.clients.s3.put_object(
            Bucket=first.resource("RawBucket"), Key="records/gone.json", Body=b"gone for good"
        )
    finally:
        stop_stack(first)
    state = tmp_path / "aws"
    (state / "blobs" / hashlib.sha256(b"gone for good").hexdigest()).unlink()
    lines = (state / "state.json").read_bytes().splitlines(keepends=True)
    cut = json.loads(lines[-1])
    (state / "state.json").write_bytes(b"".join(lines[:-1]) + lines[-1][:20])

    # When the stack starts on it
    second = start_stack(tmp_path, FakeClock())
    try:
        # Then it started, and names exactly the object and the cut line's messages
        restored = second.stack.restored
        raw = second.resource("RawBucket")
        count = len(cut["data"])
        assert sorted(restored["lost"]) == sorted(
            [
                f"s3://{raw}/records/gone.json: its content (blob "
                f"{hashlib.sha256(b'gone for good').hexdigest()[:12]}) is missing",
                f"queue {cut['name']}: {count} of {count} message(s) unreadable in the checkpoint",
            ]
        )
        assert [Path(p).parent for p in restored["kept_aside"]] == [state / "damaged"]
        # And everything else is there
        dlq = second.resource("IndexDeadLetterQueue").rsplit("/", 1)[-1]
        _assert_state(second, "kept", dead_letters=cut["name"] != dlq)
        assert second.api("GET", "/v1/organizations").status_code == 200
    finally:
        stop_stack(second)
