"""Monitoring alerts: what Grafana, Alertmanager and gluekb's generic signed JSON send (only the
fields gluekb reads; the rest is ignored), the alert as gluekb keeps it, and the receivers that
accept them.

- Grafana alerting's webhook contact point (payload `version` "1"): `receiver`, `status`,
  `orgId`, `alerts[]` (`status`, `labels`, `annotations`, `startsAt`, `endsAt`,
  `generatorURL`, `fingerprint`, `silenceURL`, `values`/`valueString`, ...), `groupLabels`,
  `commonLabels`, `commonAnnotations`, `externalURL`, `groupKey`, `truncatedAlerts`.
- Prometheus Alertmanager's webhook (`version` "4"): the same group envelope without `orgId`,
  alerts without Grafana's extras.
- gluekb's generic alert: one alert, signed like a PSA delivery.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

AlertSource = Literal["grafana", "alertmanager", "generic"]
ALERT_SOURCES: tuple[AlertSource, ...] = ("grafana", "alertmanager", "generic")
AlertStatus = Literal["firing", "resolved"]
RECEIVER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,39}$")
ANY_ORGANIZATION = "*"
# What one alert may carry into gluekb: the rest of a label or annotation is cut.
MAX_LABELS = 64
MAX_LABEL_CHARS = 1000
MAX_ALERTS_PER_DELIVERY = 500
# Alertmanager and Grafana send this for an alert that has not ended.
_ZERO_TIME = re.compile(r"^0001-01-01")


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Wire(BaseModel):
    """The senders' camelCase (`startsAt`, `generatorURL`) read into snake_case."""

    model_config = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True)


def _bounded(values: dict[str, str]) -> dict[str, str]:
    """At most MAX_LABELS entries, each value cut to MAX_LABEL_CHARS."""
    kept = sorted(values.items())[:MAX_LABELS]
    return {str(k)[:200]: str(v)[:MAX_LABEL_CHARS] for k, v in kept}


def _time_or_none(value: object) -> object:
    if value is None or (isinstance(value, str) and (not value or _ZERO_TIME.match(value))):
        return None
    return value


class _WireAlert(_Wire):
    """An alert as Alertmanager (and Grafana, which embeds it) sends it."""

    status: AlertStatus
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    generator_url: str | None = Field(default=None, max_length=4000, alias="generatorURL")
    fingerprint: str | None = Field(default=None, max_length=200)

    @field_validator("starts_at", "ends_at", mode="before")
    @classmethod
    def _zero_is_none(cls, value: object) -> object:
        return _time_or_none(value)

    @field_validator("labels", "annotations", mode="before")
    @classmethod
    def _stringly(cls, value: object) -> object:
        if isinstance(value, dict):
            return {str(k): "" if v is None else str(v) for k, v in value.items()}
        return value


class AlertmanagerAlert(_WireAlert):
    pass


class GrafanaAlert(_WireAlert):
    silence_url: str | None = Field(default=None, max_length=4000, alias="silenceURL")
    dashboard_url: str | None = Field(default=None, max_length=4000, alias="dashboardURL")
    panel_url: str | None = Field(default=None, max_length=4000, alias="panelURL")
    image_url: str | None = Field(default=None, max_length=4000, alias="imageURL")
    values: dict[str, float | None] | None = None
    value_string: str | None = Field(default=None, max_length=4000)


class _WireGroup(_Wire):
    receiver: str = Field(default="", max_length=500)
    status: AlertStatus
    group_labels: dict[str, str] = Field(default_factory=dict)
    common_labels: dict[str, str] = Field(default_factory=dict)
    common_annotations: dict[str, str] = Field(default_factory=dict)
    external_url: str | None = Field(default=None, max_length=4000, alias="externalURL")
    version: str | None = Field(default=None, max_length=20)
    group_key: str | None = Field(default=None, max_length=4000)
    truncated_alerts: int = 0


class AlertmanagerWebhook(_WireGroup):
    """Prometheus Alertmanager's webhook_config payload, version 4."""

    version: Literal["4"]
    alerts: list[AlertmanagerAlert] = Field(max_length=MAX_ALERTS_PER_DELIVERY)


class GrafanaWebhook(_WireGroup):
    """Grafana alerting's webhook contact point payload."""

    org_id: int | None = None
    alerts: list[GrafanaAlert] = Field(max_length=MAX_ALERTS_PER_DELIVERY)
    title: str | None = Field(default=None, max_length=4000)


class GenericAlert(_Lenient):
    """gluekb's generic alert: one alert per delivery, signed (X-Gluekb-Signature over
    X-Gluekb-Timestamp and the body, as PSA deliveries)."""

    event_id: str | None = Field(default=None, max_length=200)
    status: AlertStatus
    title: str = Field(min_length=1, max_length=500)
    severity: str | None = Field(default=None, max_length=50)
    fingerprint: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    started_at: datetime | None = None
    ended_at: datetime | None = None
    source: str | None = Field(default=None, max_length=200, description="the monitoring tool")
    url: str | None = Field(default=None, max_length=4000)


# ---------------------------------------------------------------- what gluekb keeps
class AlertEvent(BaseModel):
    """One alert, whatever sent it: the shape the alert worker reads."""

    fingerprint: str = Field(max_length=200)
    status: AlertStatus
    name: str = Field(max_length=500)
    severity: str | None = None
    summary: str | None = None
    description: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    source_url: str | None = Field(default=None, description="the rule or graph that fired")
    value: str | None = Field(default=None, description="what triggered it, as sent")

    @field_validator("labels", "annotations")
    @classmethod
    def _bounded(cls, value: dict[str, str]) -> dict[str, str]:
        return _bounded(value)


def label_fingerprint(labels: dict[str, str]) -> str:
    """A stable fingerprint of a label set (for senders that give none)."""
    canonical = "\x1f".join(f"{k}\x1e{v}" for k, v in sorted(labels.items()))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class AlertJob(BaseModel):
    """A verified delivery's alerts, queued for the alert worker (one message per chunk)."""

    kind: Literal["alerts"] = "alerts"
    receiver_id: str
    organization_id: str = Field(description="the receiver's client, or * (from the labels)")
    source: AlertSource
    delivery_key: str = Field(description="the delivery's fingerprint: notes are added once")
    received_at: datetime
    group_key: str | None = None
    external_url: str | None = None
    alerts: list[AlertEvent]


class AlertReceiver(BaseModel):
    """A monitoring system's webhook into gluekb, for one client (or `*`: the client is read
    from each alert's `organization` label)."""

    receiver_id: str
    organization_id: str
    source: AlertSource
    name: str = ""
    created_at: datetime
    auto_resolve: bool = Field(
        default=True, description="a resolved alert resolves its ticket (else it adds a note)"
    )

    @property
    def secret_name(self) -> str:
        """The name its secret is derived under (gluekb.services.webhooks.signatures)."""
        return f"alert:{self.receiver_id}"
