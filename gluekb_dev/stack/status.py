"""What `gluekb status` reports about a running local stack: its parts, the queues and
dead-letter queues, the last sync of every organization, and local equivalents of the alarms
template.yaml declares for AWS (same names, thresholds from the stack's template parameters).

`gather` reads the stack (its control health, the worker's health, SQS, the state table);
`local_alarms` judges what was read, and touches nothing."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, get_args

import httpx

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.state_store import StateStore
from gluekb.adapters.webhook_counters import WebhookCounters
from gluekb.models.webhooks import Provider
from gluekb.services.sync.staleness import sync_ages
from gluekb_dev.stack.schedules import interval_s

RECENT_REFUSAL_S = 300  # the AWS alarm counts refusals in 5 minutes
MIN_REQUESTS = 20  # below this many requests a 5xx rate or a p95 says nothing


@dataclass
class QueueState:
    logical_id: str
    waiting: int
    in_flight: int

    @property
    def dead_letter(self) -> bool:
        return "DeadLetter" in self.logical_id

    @property
    def held(self) -> int:
        return self.waiting + self.in_flight


@dataclass
class OrganizationSync:
    id: str
    name: str
    state: str
    age_s: float
    last_success_at: str | None
    errors: int


@dataclass
class StackFacts:
    started_at: float
    parameters: dict[str, str]
    components: dict[str, dict[str, Any]]
    worker: dict[str, Any]
    queues: list[QueueState] = field(default_factory=list)
    syncs: list[OrganizationSync] = field(default_factory=list)
    refusals: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class LocalAlarm:
    name: str  # as in template.yaml, without the stack name
    ok: bool
    detail: str


def gather(info: dict[str, Any], now: datetime | None = None) -> StackFacts:
    """Everything `gluekb status` shows, read from the running stack `info` describes."""
    clients = AwsClients(info["region"], info["aws_endpoint"])
    resources: dict[str, str] = info["resources"]
    components = _get_json(f"{info['control_url']}/health").get("components", {})
    worker_url = components.get("worker", {}).get("url")
    state = StateStore(clients.dynamodb, resources["StateTable"])
    return StackFacts(
        started_at=float(info.get("started_at", 0)),
        parameters=dict(info.get("parameters", {})),
        components=components,
        worker=_get_json(f"{worker_url}/health") if worker_url else {},
        queues=[_queue(clients, k, url) for k, url in resources.items() if k.endswith("Queue")],
        syncs=_syncs(state, now or datetime.now(UTC)),
        refusals=_refusals(WebhookCounters(clients.dynamodb, resources["StateTable"])),
    )


def _get_json(url: str) -> dict[str, Any]:
    try:
        body: dict[str, Any] = httpx.get(url, timeout=5).json()
    except (httpx.HTTPError, ValueError) as exc:
        return {"error": f"{url}: {exc}"}
    return body


def _queue(clients: AwsClients, logical_id: str, url: str) -> QueueState:
    attributes = clients.sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return QueueState(
        logical_id,
        int(attributes.get("ApproximateNumberOfMessages", 0)),
        int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
    )


def _syncs(state: StateStore, now: datetime) -> list[OrganizationSync]:
    return [
        OrganizationSync(
            id=age.organization_id,
            name=age.organization_name,
            state=age.status.state,
            age_s=round(age.seconds),
            last_success_at=age.status.last_success_at.isoformat()
            if age.status.last_success_at
            else None,
            errors=len(age.status.errors),
        )
        for age in sorted(sync_ages(state, now), key=lambda a: a.organization_name.lower())
    ]


def _refusals(counters: WebhookCounters) -> dict[str, dict[str, Any]]:
    refused = {}
    for provider in get_args(Provider):
        found = counters.counters(provider)
        total = sum(int(v) for k, v in found.items() if k.startswith("rejected_"))
        if total:
            refused[provider] = {"refused": total, "last_at": found.get("last_rejected_at")}
    return refused


# ---------------------------------------------------------------------------- the alarms
def local_alarms(facts: StackFacts, now: float | None = None) -> list[LocalAlarm]:
    """The alarms template.yaml declares, judged on the local stack's figures."""
    now = time.time() if now is None else now
    return [
        *_dead_letters(facts),
        _index_stalled(facts, now),
        _sync_stale(facts),
        *_api(facts),
        _webhook_refusals(facts, now),
        *_worker(facts),
    ]


def _dead_letters(facts: StackFacts) -> list[LocalAlarm]:
    return [
        LocalAlarm(
            f"{q.logical_id.removesuffix('DeadLetterQueue').lower()}-dlq-not-empty",
            q.held == 0,
            f"{q.held} message(s) waiting for an operator" if q.held else "empty",
        )
        for q in facts.queues
        if q.dead_letter
    ]


def _index_stalled(facts: StackFacts, now: float) -> LocalAlarm:
    limit = float(facts.parameters.get("IndexQueueMaxAgeSeconds", 900))
    index = next((q for q in facts.queues if q.logical_id == "IndexQueue"), None)
    loop = facts.worker.get("components", {}).get("loop", {})
    last = loop.get("last_batch_at") or facts.started_at
    idle = now - float(last)
    if index is None or index.held == 0:
        return LocalAlarm("index-queue-stalled", True, "no index job waiting")
    stalled = idle > limit
    detail = f"{index.held} job(s) waiting; the worker's last batch {idle:.0f}s ago"
    return LocalAlarm(
        "index-queue-stalled", not stalled, detail + (f" (> {limit:.0f}s)" if stalled else "")
    )


def _sync_stale(facts: StackFacts) -> LocalAlarm:
    schedule = facts.parameters.get("SyncSchedule", "rate(15 minutes)")
    limit = 2 * interval_s(schedule)
    stale = [s for s in facts.syncs if s.age_s > limit]
    if not facts.syncs:
        return LocalAlarm("sync-stale", True, "no organization registered yet")
    if stale:
        names = ", ".join(f"{s.name} ({ago(s.age_s)})" for s in stale)
        return LocalAlarm("sync-stale", False, f"no complete sync for over {ago(limit)}: {names}")
    return LocalAlarm("sync-stale", True, f"every organization synced within {ago(limit)}")


def _api(facts: StackFacts) -> list[LocalAlarm]:
    gateway = facts.components.get("gateway", {})
    requests = int(gateway.get("recent_requests", 0))
    errors = int(gateway.get("recent_5xx", 0))
    p95 = gateway.get("recent_p95_ms")
    rate_limit = float(facts.parameters.get("ApiErrorRatePercent", 5))
    p95_limit = float(facts.parameters.get("ApiP95LatencyMs", 5000))
    enough = requests >= MIN_REQUESTS
    rate = 100 * errors / requests if requests else 0.0
    return [
        LocalAlarm(
            "api-5xx-rate",
            not (enough and rate > rate_limit),
            f"{errors} of the last {requests} requests answered 5xx ({rate:.1f}%)",
        ),
        LocalAlarm(
            "api-p95-latency",
            not (enough and p95 is not None and p95 > p95_limit),
            f"p95 {p95:.0f} ms over the last {requests} requests" if p95 else "no requests yet",
        ),
    ]


def _webhook_refusals(facts: StackFacts, now: float) -> LocalAlarm:
    recent = [
        provider
        for provider, refused in facts.refusals.items()
        if refused.get("last_at")
        and now - datetime.fromisoformat(refused["last_at"]).timestamp() < RECENT_REFUSAL_S
    ]
    counts = ", ".join(f"{p} {r['refused']}" for p, r in facts.refusals.items()) or "none"
    detail = f"refused so far: {counts}" + (
        f"; refusing now: {', '.join(recent)}" if recent else ""
    )
    return LocalAlarm("webhook-rejections", not recent, detail)


def _worker(facts: StackFacts) -> list[LocalAlarm]:
    worker = facts.components.get("worker", {})
    restarts = int(worker.get("restarts", 0))
    limit = int(facts.parameters.get("WorkerStartsPerHour", 3))
    healthy = bool(worker.get("ok", False)) and facts.worker.get("status") in ("ok", None)
    return [
        LocalAlarm(
            "worker-unhealthy",
            healthy,
            "running and healthy" if healthy else f"not healthy: {facts.worker or worker}",
        ),
        LocalAlarm("worker-restarting", restarts < limit, f"{restarts} restart(s) since start"),
    ]


def ago(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def as_json(facts: StackFacts, alarms: list[LocalAlarm]) -> dict[str, Any]:
    return {
        "components": facts.components,
        "queues": [asdict(q) | {"dead_letter": q.dead_letter} for q in facts.queues],
        "organizations": [asdict(s) for s in facts.syncs],
        "webhook_refusals": facts.refusals,
        "alarms": [asdict(a) for a in alarms],
    }
