"""The emulator's checkpoint file (`.gluekb/aws/state.json`), laid out so that damage costs only
what it touches.

Format 2 is JSON lines. The first line is a header: the format, when the snapshot was taken,
and what it holds (every table, bucket and queue with its count). Each further line holds one
chunk of one table, bucket or queue. A reader keeps every line that parses and compares what it
got with the header, so a truncated or partly unreadable file still gives back everything else
and says exactly what is missing. Format 1 (one JSON object, written before) is still read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT_VERSION = 2
CHUNK = 500  # entries per line: a damaged line loses at most this many
UNITS = {"dynamodb": "item", "s3": "object", "sqs": "message"}
WHERE = {"dynamodb": "table", "s3": "bucket", "sqs": "queue"}


class UnreadableSnapshot(Exception):
    """Nothing in the file can be used (not even its first line)."""


@dataclass
class Snapshot:
    dynamodb: dict[str, list[Any]] = field(default_factory=dict)  # table -> items
    s3: dict[str, dict[str, Any]] = field(default_factory=dict)  # bucket -> key -> object
    sqs: dict[str, list[Any]] = field(default_factory=dict)  # queue -> messages
    taken_at: float | None = None
    problems: list[str] = field(default_factory=list)  # what could not be read, by name

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            "dynamodb": {name: len(items) for name, items in self.dynamodb.items()},
            "s3": {name: len(objects) for name, objects in self.s3.items()},
            "sqs": {name: len(messages) for name, messages in self.sqs.items()},
        }

    def add(self, kind: str, name: str, data: Any) -> None:
        if kind == "s3":
            self.s3.setdefault(name, {}).update(data)
        elif kind in ("dynamodb", "sqs"):
            getattr(self, kind).setdefault(name, []).extend(data)
        else:
            raise ValueError(f"unknown kind {kind!r}")


def write_snapshot(path: Path, snapshot: Snapshot) -> None:
    """Replace `path` at once with `snapshot` (synced to disk first): a crash leaves the old one."""
    tmp = path.with_suffix(".tmp")
    header = {"version": FORMAT_VERSION, "taken_at": snapshot.taken_at, "counts": snapshot.counts()}
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(header, separators=(",", ":")) + "\n")
        for kind, name, chunk in _chunks(snapshot):
            line = {"kind": kind, "name": name, "data": chunk}
            handle.write(json.dumps(line, separators=(",", ":")) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


def _chunks(snapshot: Snapshot) -> Iterator[tuple[str, str, Any]]:
    for name, items in snapshot.dynamodb.items():
        for start in range(0, len(items), CHUNK):
            yield "dynamodb", name, items[start : start + CHUNK]
    for name, objects in snapshot.s3.items():
        keys = list(objects)
        for start in range(0, len(keys), CHUNK):
            yield "s3", name, {key: objects[key] for key in keys[start : start + CHUNK]}
    for name, messages in snapshot.sqs.items():
        for start in range(0, len(messages), CHUNK):
            yield "sqs", name, messages[start : start + CHUNK]


def read_snapshot(path: Path) -> Snapshot:
    """Everything readable in the file; `problems` names what was not. Raises
    `UnreadableSnapshot` when nothing is, and `OSError` when the file cannot be opened."""
    lines = path.read_bytes().split(b"\n")
    header = _parse(lines[0])
    if isinstance(header, dict) and header.get("version") == 1:
        return _version_1(header)
    if header is not None and (not isinstance(header, dict) or "version" not in header):
        raise UnreadableSnapshot("not a gluekb checkpoint")
    if header is not None and header["version"] != FORMAT_VERSION:
        found = header["version"]
        raise UnreadableSnapshot(f"format {found!r}; this gluekb reads {FORMAT_VERSION}")
    snapshot = Snapshot(taken_at=header.get("taken_at") if header else None)
    damaged = _read_lines(snapshot, lines[1:] if header else lines)
    if header is None and not any(snapshot.counts().values()):
        raise UnreadableSnapshot("no line of it can be read")
    snapshot.problems = _missing(header.get("counts") if header else None, snapshot.counts())
    if damaged and not snapshot.problems:
        snapshot.problems.append(f"{damaged} damaged line(s) of the checkpoint")
    return snapshot


def _read_lines(snapshot: Snapshot, lines: list[bytes]) -> int:
    """Add every chunk that parses; return how many lines did not."""
    damaged = 0
    for raw in lines:
        if not raw.strip():
            continue
        line = _parse(raw)
        try:
            assert isinstance(line, dict)
            snapshot.add(line["kind"], str(line["name"]), line["data"])
        except (AssertionError, KeyError, TypeError, ValueError, AttributeError):
            damaged += 1
    return damaged


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:  # also UnicodeDecodeError
        return None


def _missing(expected: Any, got: dict[str, dict[str, int]]) -> list[str]:
    """What the header says the snapshot held and the readable lines do not give back."""
    problems: list[str] = []
    if not isinstance(expected, dict):
        return ["the checkpoint's table of contents is damaged: what it held is unknown"]
    for kind, names in expected.items():
        for name, count in (names or {}).items():
            have = got.get(kind, {}).get(name, 0)
            if have < int(count):
                unit = UNITS.get(kind, "entry")
                problems.append(
                    f"{WHERE.get(kind, kind)} {name}: {int(count) - have} of {count} {unit}(s) "
                    "unreadable in the checkpoint"
                )
    return problems


def _version_1(document: dict[str, Any]) -> Snapshot:
    return Snapshot(
        dynamodb=document.get("dynamodb", {}),
        s3=document.get("s3", {}),
        sqs=document.get("sqs", {}),
        taken_at=document.get("taken_at"),
    )
