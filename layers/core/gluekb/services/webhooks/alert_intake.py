"""What the webhooks function needs for monitoring alerts: the receivers, the alert queue, a
ledger that folds repeated deliveries, and the reading of each sender's payload into jobs."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from gluekb.errors import InvalidInput
from gluekb.models.alerts import (
    AlertEvent,
    AlertJob,
    AlertmanagerWebhook,
    AlertReceiver,
    GenericAlert,
    GrafanaWebhook,
)
from gluekb.ports.alerts import AlertReceiverRegistry
from gluekb.ports.queues import JobSender
from gluekb.ports.webhooks import IdempotencyLedger
from gluekb.services.webhooks.alerts import (
    alert_jobs,
    alertmanager_events,
    generic_event,
    grafana_events,
)
from gluekb.services.webhooks.payloads import parse_payload

if TYPE_CHECKING:
    from gluekb.services.webhooks.receiver import WebhookRequest

DELIVERY_HEADER = "X-Gluekb-Delivery"
_DELIVERY_ID = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")


@dataclass(frozen=True)
class _Read:
    events: list[AlertEvent]
    group_key: str | None = None
    external_url: str | None = None
    delivery_id: str | None = None  # the sender's own id for the delivery, when it gives one


def _read(receiver: AlertReceiver, request: WebhookRequest, body: bytes) -> _Read:
    if receiver.source == "grafana":
        grafana = parse_payload(GrafanaWebhook, body)
        return _Read(grafana_events(grafana), grafana.group_key, grafana.external_url)
    if receiver.source == "alertmanager":
        manager = parse_payload(AlertmanagerWebhook, body)
        return _Read(alertmanager_events(manager), manager.group_key, manager.external_url)
    generic = parse_payload(GenericAlert, body)
    named = request.header(DELIVERY_HEADER) or generic.event_id
    if named is not None and not _DELIVERY_ID.match(named.strip()):
        raise InvalidInput(f"{DELIVERY_HEADER} (or event_id) is not a delivery id")
    return _Read([generic_event(generic)], delivery_id=named.strip() if named else None)


@dataclass
class AlertIntake:
    receivers: AlertReceiverRegistry
    queue: JobSender
    # Grafana and Alertmanager send no delivery id: an identical body within the ledger's
    # window (a retry) is one delivery; a later repeat of the alert adds a note.
    ledger: IdempotencyLedger

    def parse(
        self, receiver: AlertReceiver, request: WebhookRequest, body: bytes, now: datetime
    ) -> tuple[list[AlertJob], str]:
        """The jobs to queue and the delivery's id (the sender's, else the body's digest)."""
        read = _read(receiver, request, body)
        if not read.events:
            raise InvalidInput("the payload has no alerts")
        delivery_id = read.delivery_id or hashlib.sha256(body).hexdigest()[:32]
        # The job's key tells a redelivered message (same key: nothing is added twice) from the
        # same alert notified again later (a new delivery, a new note).
        jobs = alert_jobs(
            receiver,
            read.events,
            delivery_key=f"{delivery_id}@{now.timestamp():.3f}",
            received_at=now,
            group_key=read.group_key,
            external_url=read.external_url,
        )
        return list(jobs), delivery_id
