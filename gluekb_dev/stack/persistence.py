"""Durable state for moto, which keeps everything in memory.

Design (see README, "Nothing is lost on restart"): the emulator process checkpoints the *data*
of DynamoDB tables, S3 buckets and SQS queues (dead-letter queues included) to `.gluekb/aws/`
shortly after anything changes and again on shutdown; the next start provisions the resources
from template.yaml first, then restores the data into them. Resources come from the template,
never from a snapshot, so the two cannot drift. Objects are stored once by content hash; the
snapshot file is replaced atomically, so a crash leaves the previous complete checkpoint.
In-flight SQS messages are restored visible, with their receive counts, so queued work is kept.

Damage never stops a start: a restore puts back everything it can read, names what it could not
(a blob missing or not matching its hash, lines of the snapshot that are cut off or garbled, an
entry the emulator refuses), and keeps the damaged files under `aws/damaged/`. A checkpoint
only names blobs it has seen in the blob folder, writing again any that went missing.

This module reads moto's in-process backends (moto is pinned in pyproject.toml) and is the only
code that does.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import shutil
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moto.backends import get_backend

from gluekb_dev.stack.snapshot_file import (
    Snapshot,
    UnreadableSnapshot,
    read_snapshot,
    write_snapshot,
)

DAMAGED = "damaged"  # under the state folder: damaged files, kept for a person to look at


@dataclass
class RestoreReport:
    items: int = 0
    objects: int = 0
    messages: int = 0
    dropped: int = 0  # data whose table, bucket or queue is no longer in the template
    lost: list[str] = field(default_factory=list)  # what could not be restored, by name
    kept_aside: list[str] = field(default_factory=list)  # damaged files, moved or copied

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _encode_binary(value: Any) -> Any:
    """DynamoDB typed values with bytes (B, BS) -> JSON-safe base64 strings, recursively."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "B" and isinstance(item, bytes | bytearray):
                out["B64"] = base64.b64encode(item).decode()
            elif key == "BS" and isinstance(item, list):
                out["BS64"] = [base64.b64encode(b).decode() for b in item]
            else:
                out[key] = _encode_binary(item)
        return out
    if isinstance(value, list):
        return [_encode_binary(item) for item in value]
    return value


def _decode_binary(value: Any) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "B64":
                out["B"] = base64.b64decode(item)
            elif key == "BS64":
                out["BS"] = [base64.b64decode(b) for b in item]
            else:
                out[key] = _decode_binary(item)
        return out
    if isinstance(value, list):
        return [_decode_binary(item) for item in value]
    return value


class EmulatorState:
    """Checkpoints and restores the data held by moto's backends in this process."""

    def __init__(self, state_dir: Path, account_id: str, region: str) -> None:
        self.state_dir = state_dir
        self.blob_dir = state_dir / "blobs"
        self.snapshot_path = state_dir / "state.json"
        self.account_id = account_id
        self.region = region
        self._blob_of: dict[tuple[str, str], tuple[str, str, str]] = {}  # -> (etag, modified, sha)
        self._live: set[str] = set()  # the blobs the last checkpoint names
        self._lock = threading.Lock()
        self.blob_dir.mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------ backends
    def _dynamodb(self) -> Any:
        return get_backend("dynamodb")[self.account_id][self.region]

    def _s3(self) -> Any:
        return get_backend("s3")[self.account_id]["aws"]

    def _sqs(self) -> Any:
        return get_backend("sqs")[self.account_id][self.region]

    # ------------------------------------------------------------ capture
    def checkpoint(self) -> dict[str, int]:
        with self._lock:
            return self._checkpoint()

    def backup(self, dest: Path) -> dict[str, int]:
        """A checkpoint, and a copy of it and of every blob it names in `dest` (hard links where
        the file system allows: a blob never changes), all under the lock, so no checkpoint or
        collection comes between: the copy is one consistent moment of the emulator."""
        with self._lock:
            counts = self._checkpoint()
            (dest / "blobs").mkdir(parents=True, exist_ok=True)
            shutil.copy2(self.snapshot_path, dest / self.snapshot_path.name)
            for sha in sorted(self._live):
                _link_or_copy(self.blob_dir / sha, dest / "blobs" / sha)
        return counts

    def _checkpoint(self) -> dict[str, int]:
        """Capture every table, bucket and queue and replace the snapshot (the lock held)."""
        started = time.perf_counter()
        # The folder may have been replaced under a running emulator: make it again.
        self.blob_dir.mkdir(parents=True, exist_ok=True)
        snapshot = Snapshot(
            dynamodb=self._capture_tables(),
            s3=self._capture_buckets(set(os.listdir(self.blob_dir))),
            sqs=self._capture_queues(),
            taken_at=time.time(),
        )
        write_snapshot(self.snapshot_path, snapshot)
        self._collect_garbage(snapshot.s3)
        return {
            "items": sum(len(v) for v in snapshot.dynamodb.values()),
            "objects": sum(len(v) for v in snapshot.s3.values()),
            "messages": sum(len(v) for v in snapshot.sqs.values()),
            "ms": round((time.perf_counter() - started) * 1000),
        }

    def _capture_tables(self) -> dict[str, list[Any]]:
        tables = {}
        for name, table in list(self._dynamodb().tables.items()):
            items = _retry_on_concurrent_change(table.all_items)
            tables[name] = [_encode_binary(item.to_json()["Attributes"]) for item in items]
        return tables

    def _capture_buckets(self, on_disk: set[str]) -> dict[str, dict[str, Any]]:
        """Every object, by the hash of its blob; `on_disk` lists the blob folder, so a blob
        that went missing since it was written is written again, never just named."""
        buckets: dict[str, dict[str, Any]] = {}
        for name, bucket in list(self._s3().buckets.items()):
            objects: dict[str, Any] = {}
            for key_name in list(bucket.keys.keys()):
                key = bucket.keys.get(key_name)
                if key is None:
                    continue
                modified = str(key.last_modified)
                cached = self._blob_of.get((name, key_name))
                if cached and cached[:2] == (key.etag, modified) and cached[2] in on_disk:
                    sha = cached[2]
                else:
                    sha = self._write_blob(key.value, on_disk)
                    self._blob_of[(name, key_name)] = (key.etag, modified, sha)
                metadata = {
                    k: v for k, v in dict(key.metadata).items() if k != "x-amz-content-sha256"
                }
                objects[key_name] = {"sha": sha, "metadata": metadata}
            buckets[name] = objects
        return buckets

    def _write_blob(self, value: bytes, on_disk: set[str]) -> str:
        sha = hashlib.sha256(value).hexdigest()
        if sha not in on_disk:
            path = self.blob_dir / sha
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(value)
            tmp.replace(path)
            on_disk.add(sha)
        return sha

    def _capture_queues(self) -> dict[str, list[dict[str, Any]]]:
        queues = {}
        for name, queue in list(self._sqs().queues.items()):
            with queue._messages_lock:
                messages = list(queue._messages)
            queues[name] = [
                {
                    "id": m.id,
                    "body": m.body,
                    "message_attributes": _encode_binary(m.message_attributes),
                    "system_attributes": m.system_attributes,
                    "sent_timestamp": m.sent_timestamp,
                    "first_receive_timestamp": m.approximate_first_receive_timestamp,
                    "receive_count": m.approximate_receive_count,
                    "group_id": m.group_id,
                    "deduplication_id": m.deduplication_id,
                }
                for m in messages
            ]
        return queues

    def _collect_garbage(self, buckets: dict[str, dict[str, Any]]) -> None:
        live = {obj["sha"] for objects in buckets.values() for obj in objects.values()}
        self._live = live
        for path in self.blob_dir.iterdir():
            if path.name not in live and not path.name.endswith(".tmp"):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        self._blob_of = {k: v for k, v in self._blob_of.items() if v[2] in live}

    # ------------------------------------------------------------ restore
    def restore(self) -> RestoreReport:
        """Put the last checkpoint back, as much of it as can be read (see the module)."""
        report = RestoreReport()
        with self._lock:
            snapshot = self._read(report)
            if snapshot is None:
                return report
            self._restore_tables(snapshot.dynamodb, report)
            self._restore_buckets(snapshot.s3, report)
            self._restore_queues(snapshot.sqs, report)
        return report

    def _read(self, report: RestoreReport) -> Snapshot | None:
        if not self.snapshot_path.exists():
            return None
        try:
            snapshot = read_snapshot(self.snapshot_path)
        except (OSError, UnreadableSnapshot) as exc:
            where = self.keep_aside(self.snapshot_path, move=True)
            report.kept_aside.append(where)
            name = self.snapshot_path.name
            report.lost.append(f"the whole checkpoint: {name} unreadable ({exc})")
            return None
        if snapshot.problems:
            report.kept_aside.append(self.keep_aside(self.snapshot_path, move=False))
            report.lost += snapshot.problems
        return snapshot

    def keep_aside(self, path: Path, *, move: bool) -> str:
        """Keep a damaged file under `damaged/` (moved, or copied while it is still in use);
        where it went, or why it could not be kept."""
        aside = self.state_dir / DAMAGED
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        target = aside / f"{path.name}.{stamp}"
        try:
            aside.mkdir(exist_ok=True)
            if move:
                path.replace(target)
            else:
                shutil.copy2(path, target)
        except OSError as exc:
            return f"{path} (could not be kept aside: {exc})"
        return str(target)

    def _restore_tables(self, tables: dict[str, list[Any]], report: RestoreReport) -> None:
        backend = self._dynamodb()
        for name, items in tables.items():
            table = backend.tables.get(name)
            if table is None:
                report.dropped += len(items)
                continue
            for item in items:
                try:
                    table.put_item(_decode_binary(item))
                except Exception as exc:  # one refused item never stops the rest
                    report.lost.append(f"table {name}: item {_item_key(item)} ({exc})"[:300])
                    continue
                report.items += 1

    def _restore_buckets(self, buckets: dict[str, dict[str, Any]], report: RestoreReport) -> None:
        backend = self._s3()
        for name, objects in buckets.items():
            if name not in backend.buckets:
                report.dropped += len(objects)
                continue
            for key_name, obj in objects.items():
                if not isinstance(obj, dict) or not isinstance(obj.get("sha"), str):
                    report.lost.append(f"s3://{name}/{key_name}: its entry is damaged")
                    continue
                value = self._blob(name, key_name, obj["sha"], report)
                if value is None:
                    continue
                key = backend.put_object(name, key_name, value, disable_notification=True)
                key.set_metadata(obj.get("metadata", {}), replace=True)
                self._blob_of[(name, key_name)] = (key.etag, str(key.last_modified), obj["sha"])
                report.objects += 1

    def _blob(self, bucket: str, key: str, sha: str, report: RestoreReport) -> bytes | None:
        """An object's content, checked against its hash; None (and named) when missing or
        damaged."""
        path = self.blob_dir / sha
        try:
            value = path.read_bytes()
        except OSError:
            report.lost.append(f"s3://{bucket}/{key}: its content (blob {sha[:12]}) is missing")
            return None
        if hashlib.sha256(value).hexdigest() != sha:
            where = self.keep_aside(path, move=True)
            report.kept_aside.append(where)
            report.lost.append(f"s3://{bucket}/{key}: its content (blob {sha[:12]}) is damaged")
            return None
        return value

    def _restore_queues(self, queues: dict[str, list[Any]], report: RestoreReport) -> None:
        from moto.sqs.models import Message

        backend = self._sqs()
        for name, messages in queues.items():
            queue = backend.queues.get(name)
            if queue is None:
                report.dropped += len(messages)
                continue
            for saved in messages:
                try:
                    message = Message(saved["id"], saved["body"], saved["system_attributes"])
                    message.message_attributes = _decode_binary(saved["message_attributes"])
                    message.sent_timestamp = saved["sent_timestamp"]
                    message.approximate_first_receive_timestamp = saved["first_receive_timestamp"]
                    message.approximate_receive_count = saved["receive_count"]
                    message.group_id = saved["group_id"]
                    message.deduplication_id = saved["deduplication_id"]
                except (KeyError, TypeError, ValueError) as exc:
                    report.lost.append(f"queue {name}: a message ({type(exc).__name__}: {exc})")
                    continue
                with queue._messages_lock:
                    queue._messages.append(message)
                    queue._messages_lock.notify_all()
                report.messages += 1


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed
        shutil.copy2(source, target)


def _item_key(item: Any) -> str:
    """An item's key attributes for a report (pk/sk or id), never the whole item."""
    if not isinstance(item, dict):
        return "(not an item)"
    parts = [
        f"{name}={next(iter(item[name].values()), '')}"
        for name in ("pk", "sk", "id")
        if isinstance(item.get(name), dict)
    ]
    return " ".join(parts) or "(no key)"


def _retry_on_concurrent_change(read: Any, attempts: int = 5) -> Any:
    """moto's dicts may change size while a request thread writes; a re-read gets a clean copy."""
    for attempt in range(attempts):
        try:
            return read()
        except RuntimeError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.01)
    return None
