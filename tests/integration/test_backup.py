"""`gluekb backup` and `gluekb restore` against the real AWS emulator process and the embedded
index: a backup taken while the stack runs is one consistent moment, and a restore into an
empty home brings exactly that moment back; damaged archives and occupied homes are refused."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import pytest

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.embedded_index import EmbeddedIndex
from gluekb.errors import ConfigurationError, InvalidInput
from gluekb.models.index import Chunk, ReplaceSource
from gluekb_dev.stack.backup import restore_backup, take_backup
from gluekb_dev.stack.embedded import LOCAL_PARAMETERS
from gluekb_dev.stack.provision import Provisioner
from gluekb_dev.stack.template import Template
from tests.support import ROOT

STATE, RAW, DLQ = "gluekb-local-state", "gluekb-local-raw-123456789012", "gluekb-local-index-dlq"


@contextmanager
def emulator(state: Path) -> Iterator[tuple[AwsClients, str]]:
    """The emulator process on `state`, provisioned from template.yaml, its checkpoint restored
    (what `gluekb up` does first)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gluekb_dev.stack.aws_emulator", "--state-dir", str(state)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = json.loads(process.stdout.readline())["url"]
        clients = AwsClients("us-east-1", url)
        template = Template(ROOT / "template.yaml", LOCAL_PARAMETERS)
        Provisioner(
            template, clients, {"WebhookSecret": "{}", "ConsoleSessionSecret": "{}"}, tls=False
        ).provision()
        httpx.post(f"{url}/_gluekb/restore", timeout=60).raise_for_status()
        yield clients, url
    finally:
        process.terminate()
        process.wait(10)


def _mark(clients: AwsClients, marker: str) -> None:
    clients.dynamodb.put_item(
        TableName=STATE, Item={"pk": {"S": f"MARK#{marker}"}, "sk": {"S": "x"}}
    )


def _item(clients: AwsClients, marker: str) -> bool:
    key = {"pk": {"S": f"MARK#{marker}"}, "sk": {"S": "x"}}
    return "Item" in clients.dynamodb.get_item(TableName=STATE, Key=key)


def _index_one_chunk(home: Path) -> None:
    index = EmbeddedIndex(home / "index", dimension=4, writer=True)
    chunk = Chunk(
        chunk_id="itglue:configurations:1#0",
        source_id="itglue:configurations:1",
        organization_id="1001",
        source_type="configuration",
        title="ACME-FW01",
        text="Primary IP 10.10.0.1",
        content_hash=Chunk.hash_content("ACME-FW01", "Primary IP 10.10.0.1"),
    )
    vector = np.array([[1.0, 0.0, 0.0, 0.0]], dtype=np.float32)
    source = ReplaceSource(
        source_id=chunk.source_id,
        organization_id="1001",
        source_hash="h",
        chunks=[chunk],
        embeddings=vector,
    )
    index.write([source])
    index.close()


def _running_home(home: Path) -> None:
    for name, text in (("secrets.json", "{}"), ("admin-key", "gkb_admin\n")):
        (home / name).write_text(text)
    (home / "demo").mkdir()
    (home / "demo" / "tenant.json").write_text('{"seed": 42}')
    (home / "logs").mkdir()
    (home / "logs" / "api.log").write_text("not backed up\n")


def test_a_backup_taken_while_running_restores_that_moment_into_an_empty_home(
    tmp_path: Path,
) -> None:
    home, archive = tmp_path / "home", tmp_path / "stack.tar.gz"
    # Given a running emulator with data in a table, a bucket and a dead-letter queue, an index
    with emulator(home / "aws") as (clients, url):
        _running_home(home)
        _index_one_chunk(home)
        _mark(clients, "before")
        clients.s3.put_object(Bucket=RAW, Key="records/1.json", Body=b'{"id": 1}')
        dlq = clients.sqs.get_queue_url(QueueName=DLQ)["QueueUrl"]
        clients.sqs.send_message(QueueUrl=dlq, MessageBody="poison")
        # When it is backed up while it runs, and changes afterwards
        report = take_backup(home, archive, url)
        _mark(clients, "after")
    assert report.aws["objects"] == 1 and report.aws["messages"] >= 1 and report.index_bytes > 0
    with tarfile.open(archive) as packed:
        names = packed.getnames()
    assert "manifest.json" in names and "index/chunks.sqlite3" in names
    assert not [n for n in names if n.startswith("logs")]
    # And restored into an empty home (the old one wiped)
    restored = tmp_path / "restored"
    restore_backup(archive, restored)
    # Then that moment comes back: the data, the queued message, the index, the secrets
    with emulator(restored / "aws") as (clients, _):
        assert _item(clients, "before") and not _item(clients, "after")
        body = clients.s3.get_object(Bucket=RAW, Key="records/1.json")["Body"].read()
        assert body == b'{"id": 1}'
        dlq = clients.sqs.get_queue_url(QueueName=DLQ)["QueueUrl"]
        got = clients.sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
        assert [m["Body"] for m in got] == ["poison"]
    index = EmbeddedIndex(restored / "index", dimension=4)
    assert [h.chunk.title for h in index.bm25("10.10.0.1", ["1001"])] == ["ACME-FW01"]
    index.close()
    assert (restored / "admin-key").read_text() == "gkb_admin\n"
    assert json.loads((restored / "demo" / "tenant.json").read_text()) == {"seed": 42}


def test_a_restore_refuses_a_running_or_occupied_home_and_a_damaged_backup(
    tmp_path: Path,
) -> None:
    home, archive = tmp_path / "home", tmp_path / "stack.tar.gz"
    (home / "aws").mkdir(parents=True)
    _running_home(home)
    take_backup(home, archive, None)  # a stopped stack's state
    # An occupied home is refused, or kept aside with force
    with pytest.raises(ConfigurationError, match="holds state"):
        restore_backup(archive, home)
    restored = restore_backup(archive, home, force=True)
    assert Path(restored["kept_aside"]).joinpath("admin-key").exists()
    # A running stack's home is refused
    (home / "stack.json").write_text(json.dumps({"pid": os.getpid()}))
    with pytest.raises(ConfigurationError, match="is running"):
        restore_backup(archive, home, force=True)
    # A home without state is nothing to back up
    with pytest.raises(ConfigurationError, match="nothing to back up"):
        take_backup(tmp_path / "empty", tmp_path / "empty.tar.gz", None)
    # A damaged backup is refused: every file is checked against the manifest
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member)
            content = data.read() if data else b""
            if member.name == "admin-key":
                content, member.size = b"gkb_forged\n", len(b"gkb_forged\n")
            target.addfile(member, io.BytesIO(content))
    with pytest.raises(InvalidInput, match="damaged"):
        restore_backup(tampered, tmp_path / "elsewhere")
