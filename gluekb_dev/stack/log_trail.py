"""A correlation id's trail through the local stack's logs (`.gluekb/logs/*.log`): every JSON
log line that carries the id (as its `correlation_id`, or among a batch's `correlation_ids`),
from every function and the embedding worker, in time order. `gluekb trace` prints it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Keys every Powertools line has: the trail shows the others (what the line is about).
STANDARD_KEYS = frozenset(
    {
        "level",
        "location",
        "message",
        "timestamp",
        "service",
        "cold_start",
        "function_name",
        "function_memory_size",
        "function_arn",
        "function_request_id",
        "correlation_id",
        "correlation_ids",
        "xray_trace_id",
        "sampling_rate",
    }
)


@dataclass(frozen=True)
class TrailLine:
    at: datetime
    source: str  # the log's name: the function (webhooks, sync_worker, ...) or worker
    level: str
    message: str
    facts: dict[str, Any] = field(default_factory=dict)
    xray_trace_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "source": self.source,
            "level": self.level,
            "message": self.message,
            "facts": self.facts,
            "xray_trace_id": self.xray_trace_id,
        }


def trail(logs: Path, correlation_id: str) -> list[TrailLine]:
    """Every line of every log under `logs` that carries `correlation_id`, oldest first."""
    found: list[tuple[datetime, int, TrailLine]] = []
    needle = correlation_id.encode()
    for path in sorted(logs.glob("*.log")):
        with path.open("rb") as handle:
            for raw in handle:
                if needle not in raw:  # cheap: most lines are someone else's
                    continue
                line = _line(raw, path.stem, correlation_id)
                if line is not None:
                    found.append((line.at, len(found), line))
    return [line for _, _, line in sorted(found, key=lambda entry: entry[:2])]


def _line(raw: bytes, source: str, correlation_id: str) -> TrailLine | None:
    try:
        record = json.loads(raw)
    except ValueError:
        return None  # not a structured line (a runtime's own output)
    if not isinstance(record, dict) or not _carries(record, correlation_id):
        return None
    return TrailLine(
        at=_timestamp(record.get("timestamp")),
        source=source,
        level=str(record.get("level", "")),
        message=str(record.get("message", "")),
        facts={k: v for k, v in record.items() if k not in STANDARD_KEYS},
        xray_trace_id=record.get("xray_trace_id"),
    )


def _carries(record: dict[str, Any], correlation_id: str) -> bool:
    if record.get("correlation_id") == correlation_id:
        return True
    batch = record.get("correlation_ids")
    return isinstance(batch, list) and correlation_id in batch


def _timestamp(value: Any) -> datetime:
    """Powertools writes `2026-11-21 09:00:00,123+0000`; ISO 8601 is read too."""
    text = str(value or "")
    for parse in (
        lambda t: datetime.strptime(t, "%Y-%m-%d %H:%M:%S,%f%z"),
        datetime.fromisoformat,
    ):
        try:
            parsed = parse(text)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.min.replace(tzinfo=UTC)
