"""`gluekb status` judges the local stack by the alarms template.yaml declares for AWS: the
same names, the thresholds from the stack's template parameters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gluekb_dev.stack.status import (
    LocalAlarm,
    OrganizationSync,
    QueueState,
    StackFacts,
    local_alarms,
)

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC).timestamp()


def facts(**changes: Any) -> StackFacts:
    """A healthy stack, up an hour, the 15-minute schedule; `changes` replace parts of it."""
    healthy = StackFacts(
        started_at=NOW - 3600,
        parameters={
            "SyncSchedule": "rate(15 minutes)",
            "IndexQueueMaxAgeSeconds": "900",
            "ApiErrorRatePercent": "5",
            "ApiP95LatencyMs": "5000",
            "WorkerStartsPerHour": "3",
        },
        components={
            "gateway": {"ok": True, "recent_requests": 100, "recent_5xx": 1, "recent_p95_ms": 80},
            "worker": {"ok": True, "restarts": 0},
        },
        worker={"status": "ok", "components": {"loop": {"ok": True, "last_batch_at": NOW - 30}}},
        queues=[
            QueueState("IndexQueue", 0, 0),
            QueueState("SyncDeadLetterQueue", 0, 0),
            QueueState("IndexDeadLetterQueue", 0, 0),
        ],
        syncs=[OrganizationSync("1001", "Acme Corp", "ok", 600, None, 0)],
    )
    for name, value in changes.items():
        setattr(healthy, name, value)
    return healthy


def judged(stack: StackFacts) -> dict[str, LocalAlarm]:
    return {alarm.name: alarm for alarm in local_alarms(stack, NOW)}


def test_a_healthy_stack_has_every_alarm_ok() -> None:
    alarms = judged(facts())
    assert set(alarms) == {
        "sync-dlq-not-empty",
        "index-dlq-not-empty",
        "index-queue-stalled",
        "sync-stale",
        "api-5xx-rate",
        "api-p95-latency",
        "webhook-rejections",
        "worker-unhealthy",
        "worker-restarting",
    }
    assert all(alarm.ok for alarm in alarms.values()), alarms


def test_each_failure_raises_its_alarm() -> None:
    assert not judged(facts(queues=[QueueState("IndexDeadLetterQueue", 2, 0)]))[
        "index-dlq-not-empty"
    ].ok
    stalled = facts(
        queues=[QueueState("IndexQueue", 40, 10)],
        worker={"status": "ok", "components": {"loop": {"last_batch_at": NOW - 1000}}},
    )
    assert "50 job(s) waiting" in judged(stalled)["index-queue-stalled"].detail
    assert not judged(stalled)["index-queue-stalled"].ok
    stale = facts(syncs=[OrganizationSync("1002", "Contoso", "failed", 1900, None, 3)])
    assert not judged(stale)["sync-stale"].ok and "Contoso" in judged(stale)["sync-stale"].detail
    erring = {"ok": True, "recent_requests": 40, "recent_5xx": 4, "recent_p95_ms": 6200}
    api = judged(facts(components={"gateway": erring, "worker": {"ok": True}}))
    assert not api["api-5xx-rate"].ok and not api["api-p95-latency"].ok
    refusing = {
        "github": {"refused": 7, "last_at": datetime.fromtimestamp(NOW - 60, UTC).isoformat()}
    }
    assert not judged(facts(refusals=refusing))["webhook-rejections"].ok
    crashing = {"gateway": {"ok": True}, "worker": {"ok": False, "restarts": 4}}
    worker = judged(facts(components=crashing))
    assert not worker["worker-unhealthy"].ok and not worker["worker-restarting"].ok


def test_too_few_requests_and_old_refusals_raise_nothing() -> None:
    few = {"ok": True, "recent_requests": 3, "recent_5xx": 3, "recent_p95_ms": 9000}
    alarms = judged(facts(components={"gateway": few, "worker": {"ok": True}}))
    assert alarms["api-5xx-rate"].ok and alarms["api-p95-latency"].ok
    old = {"psa": {"refused": 2, "last_at": datetime.fromtimestamp(NOW - 3600, UTC).isoformat()}}
    assert judged(facts(refusals=old))["webhook-rejections"].ok
