"""Alert deliveries from monitoring: Grafana alerting, Prometheus Alertmanager and gluekb's
generic signed JSON, each to a receiver registered for one client.

    POST /webhooks/alerts/<grafana|alertmanager|generic>/<receiver id>[/<secret>]

Authentication, per receiver (its secret derives from the master as `alert:<receiver id>`):
Grafana and Alertmanager send the secret as a bearer token (`Authorization: Bearer <secret>`,
Alertmanager's `http_config.authorization`, Grafana's authorization header), as the password of
HTTP basic auth (any user name), or as the last segment of the URL; the generic alert is signed
like a PSA delivery (`X-Gluekb-Signature` over `X-Gluekb-Timestamp` and the body). An unknown
receiver is refused exactly like a wrong secret, so receiver ids cannot be probed.

What is queued: the delivery's alerts normalised to `AlertEvent`s, in chunks that fit an SQS
message; the alert worker matches them to assets and files the tickets.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from datetime import datetime

from pydantic import SecretStr

from gluekb.models.alerts import (
    AlertEvent,
    AlertJob,
    AlertmanagerAlert,
    AlertmanagerWebhook,
    AlertReceiver,
    GenericAlert,
    GrafanaAlert,
    GrafanaWebhook,
    label_fingerprint,
)
from gluekb.services.webhooks.signatures import token_valid

ALERTS_PER_JOB = 25
JOB_BYTES = 200_000  # an SQS message holds 256 KiB; one alert's labels and annotations are bounded
SEVERITY_LABELS = ("severity", "priority", "level")
NAME_LABELS = ("alertname", "alert", "rulename", "__alert_rule_title__")


def presented_secret(authorization: str | None, path_secret: str | None) -> str | None:
    """The secret a Grafana or Alertmanager delivery presents: a bearer token, the password of
    basic auth, or the URL's last segment (in that order)."""
    if authorization:
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        if scheme.lower() == "basic" and value.strip():
            try:
                decoded = base64.b64decode(value.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError, ValueError):
                return None
            return decoded.partition(":")[2] or None
    return path_secret or None


def secret_valid(secret: SecretStr, presented: str | None) -> bool:
    return token_valid(secret, presented)


def _first(values: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = values.get(key)
        if value and value.strip():
            return value.strip()
    return None


def _from_wire(alert: GrafanaAlert | AlertmanagerAlert, value: str | None) -> AlertEvent:
    labels, annotations = alert.labels, alert.annotations
    return AlertEvent(
        fingerprint=alert.fingerprint or label_fingerprint(labels),
        status=alert.status,
        name=(_first(labels, NAME_LABELS) or annotations.get("summary") or "alert")[:500],
        severity=_first(labels, SEVERITY_LABELS),
        summary=annotations.get("summary"),
        description=annotations.get("description") or annotations.get("message"),
        labels=labels,
        annotations=annotations,
        starts_at=alert.starts_at,
        ends_at=alert.ends_at,
        source_url=alert.generator_url,
        value=value,
    )


def grafana_events(payload: GrafanaWebhook) -> list[AlertEvent]:
    events = []
    for alert in payload.alerts:
        value = alert.value_string
        if value is None and alert.values:
            value = ", ".join(
                f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                for k, v in sorted(alert.values.items())
            )
        events.append(_from_wire(alert, value))
    return events


def alertmanager_events(payload: AlertmanagerWebhook) -> list[AlertEvent]:
    return [_from_wire(alert, None) for alert in payload.alerts]


def generic_event(payload: GenericAlert) -> AlertEvent:
    labels = payload.labels
    return AlertEvent(
        fingerprint=payload.fingerprint or label_fingerprint({**labels, "title": payload.title}),
        status=payload.status,
        name=payload.title,
        severity=payload.severity or _first(labels, SEVERITY_LABELS),
        summary=payload.annotations.get("summary") or payload.title,
        description=payload.description or payload.annotations.get("description"),
        labels=labels,
        annotations=payload.annotations,
        starts_at=payload.started_at,
        ends_at=payload.ended_at,
        source_url=payload.url,
    )


def _chunks(events: list[AlertEvent]) -> Iterator[list[AlertEvent]]:
    """ALERTS_PER_JOB alerts at a time, fewer when they would not fit an SQS message."""
    chunk: list[AlertEvent] = []
    size = 0
    for alert in events:
        cost = len(alert.model_dump_json(exclude_none=True).encode())
        if chunk and (len(chunk) == ALERTS_PER_JOB or size + cost > JOB_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(alert)
        size += cost
    if chunk:
        yield chunk


def alert_jobs(
    receiver: AlertReceiver,
    events: list[AlertEvent],
    *,
    delivery_key: str,
    received_at: datetime,
    group_key: str | None = None,
    external_url: str | None = None,
) -> Iterator[AlertJob]:
    """The delivery's alerts as queue messages (see _chunks)."""
    for chunk in _chunks(events):
        yield AlertJob(
            receiver_id=receiver.receiver_id,
            organization_id=receiver.organization_id,
            source=receiver.source,
            delivery_key=delivery_key,
            received_at=received_at,
            group_key=group_key,
            external_url=external_url,
            alerts=chunk,
        )
