"""Durable state for moto, which keeps everything in memory.

Design (see README, "Nothing is lost on restart"): the emulator process checkpoints the *data*
of DynamoDB tables, S3 buckets and SQS queues (dead-letter queues included) to `.gluekb/aws/`
shortly after anything changes and again on shutdown; the next start provisions the resources
from template.yaml first, then restores the data into them. Resources come from the template,
never from a snapshot, so the two cannot drift. Objects are stored once by content hash; the
snapshot file is replaced atomically, so a crash leaves the previous complete checkpoint.
In-flight SQS messages are restored visible, with their receive counts, so queued work is kept.

This module reads moto's in-process backends (moto is pinned in pyproject.toml) and is the only
code that does.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moto.backends import get_backend

FORMAT_VERSION = 1


@dataclass
class RestoreReport:
    items: int = 0
    objects: int = 0
    messages: int = 0
    dropped: int = 0  # data whose table, bucket or queue is no longer in the template

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


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
            started = time.perf_counter()
            tables = self._capture_tables()
            buckets = self._capture_buckets()
            queues = self._capture_queues()
            snapshot = {
                "version": FORMAT_VERSION,
                "taken_at": time.time(),
                "dynamodb": tables,
                "s3": buckets,
                "sqs": queues,
            }
            tmp = self.snapshot_path.with_suffix(".tmp")
            with tmp.open("w", encoding="utf-8") as handle:
                json.dump(snapshot, handle, separators=(",", ":"))
                handle.flush()
                os.fsync(handle.fileno())
            tmp.replace(self.snapshot_path)
            self._collect_garbage(buckets)
            return {
                "items": sum(len(v) for v in tables.values()),
                "objects": sum(len(v) for v in buckets.values()),
                "messages": sum(len(v) for v in queues.values()),
                "ms": round((time.perf_counter() - started) * 1000),
            }

    def _capture_tables(self) -> dict[str, list[Any]]:
        tables = {}
        for name, table in list(self._dynamodb().tables.items()):
            items = _retry_on_concurrent_change(table.all_items)
            tables[name] = [_encode_binary(item.to_json()["Attributes"]) for item in items]
        return tables

    def _capture_buckets(self) -> dict[str, dict[str, Any]]:
        buckets: dict[str, dict[str, Any]] = {}
        for name, bucket in list(self._s3().buckets.items()):
            objects: dict[str, Any] = {}
            for key_name in list(bucket.keys.keys()):
                key = bucket.keys.get(key_name)
                if key is None:
                    continue
                modified = str(key.last_modified)
                cached = self._blob_of.get((name, key_name))
                if cached and cached[0] == key.etag and cached[1] == modified:
                    sha = cached[2]
                else:
                    sha = self._write_blob(key.value)
                    self._blob_of[(name, key_name)] = (key.etag, modified, sha)
                metadata = {
                    k: v for k, v in dict(key.metadata).items() if k != "x-amz-content-sha256"
                }
                objects[key_name] = {"sha": sha, "metadata": metadata}
            buckets[name] = objects
        return buckets

    def _write_blob(self, value: bytes) -> str:
        sha = hashlib.sha256(value).hexdigest()
        path = self.blob_dir / sha
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(value)
            tmp.replace(path)
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
        for path in self.blob_dir.iterdir():
            if path.name not in live and not path.name.endswith(".tmp"):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        self._blob_of = {k: v for k, v in self._blob_of.items() if v[2] in live}

    # ------------------------------------------------------------ restore
    def restore(self) -> RestoreReport:
        report = RestoreReport()
        if not self.snapshot_path.exists():
            return report
        with self._lock:
            snapshot = json.loads(self.snapshot_path.read_text(encoding="utf-8"))
            if snapshot.get("version") != FORMAT_VERSION:
                raise RuntimeError(f"{self.snapshot_path}: unknown snapshot format")
            self._restore_tables(snapshot["dynamodb"], report)
            self._restore_buckets(snapshot["s3"], report)
            self._restore_queues(snapshot["sqs"], report)
        return report

    def _restore_tables(self, tables: dict[str, list[Any]], report: RestoreReport) -> None:
        backend = self._dynamodb()
        for name, items in tables.items():
            table = backend.tables.get(name)
            if table is None:
                report.dropped += len(items)
                continue
            for item in items:
                table.put_item(_decode_binary(item))
                report.items += 1

    def _restore_buckets(self, buckets: dict[str, dict[str, Any]], report: RestoreReport) -> None:
        backend = self._s3()
        for name, objects in buckets.items():
            if name not in backend.buckets:
                report.dropped += len(objects)
                continue
            for key_name, obj in objects.items():
                value = (self.blob_dir / obj["sha"]).read_bytes()
                key = backend.put_object(name, key_name, value, disable_notification=True)
                key.set_metadata(obj["metadata"], replace=True)
                self._blob_of[(name, key_name)] = (key.etag, str(key.last_modified), obj["sha"])
                report.objects += 1

    def _restore_queues(self, queues: dict[str, list[Any]], report: RestoreReport) -> None:
        from moto.sqs.models import Message

        backend = self._sqs()
        for name, messages in queues.items():
            queue = backend.queues.get(name)
            if queue is None:
                report.dropped += len(messages)
                continue
            for saved in messages:
                message = Message(saved["id"], saved["body"], saved["system_attributes"])
                message.message_attributes = _decode_binary(saved["message_attributes"])
                message.sent_timestamp = saved["sent_timestamp"]
                message.approximate_first_receive_timestamp = saved["first_receive_timestamp"]
                message.approximate_receive_count = saved["receive_count"]
                message.group_id = saved["group_id"]
                message.deduplication_id = saved["deduplication_id"]
                with queue._messages_lock:
                    queue._messages.append(message)
                    queue._messages_lock.notify_all()
                report.messages += 1


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
