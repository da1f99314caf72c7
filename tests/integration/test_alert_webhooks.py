"""Monitoring alerts at the webhooks function, against template.yaml on moto: Grafana and
Alertmanager deliveries with the receiver's token (bearer, basic auth or in the URL) and signed
generic alerts are queued once for the alerts function; wrong tokens, unknown receivers, forged
or replayed signatures are refused and queue nothing."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest

from gluekb.adapters.alert_receivers import AlertReceiverStore
from gluekb.models.alerts import AlertJob, AlertReceiver, AlertSource
from tests.integration.test_webhooks import STATE, deliver, queued_jobs, refused, secret
from tests.support import environment, load_handler
from tests.webhook_support import encode, psa_headers, sample


@pytest.fixture
def hooks(moto_stack: dict[str, Any]) -> Iterator[ModuleType]:
    with environment(moto_stack["env"]["webhooks"]):
        yield load_handler("webhooks")


def receiver(moto_stack: dict[str, Any], receiver_id: str, source: AlertSource) -> str:
    """Register a receiver for Acme; its secret."""
    AlertReceiverStore(moto_stack["clients"].dynamodb, STATE).put(
        AlertReceiver(
            receiver_id=receiver_id,
            organization_id="1001",
            source=source,
            created_at=datetime.now(UTC),
        )
    )
    return secret(f"alert:{receiver_id}").get_secret_value()


def alert_jobs(moto_stack: dict[str, Any]) -> list[AlertJob]:
    return [AlertJob.model_validate(job) for job in queued_jobs(moto_stack, "alerts")]


@pytest.fixture
def grafana(moto_stack: dict[str, Any]) -> str:
    return receiver(moto_stack, "acme-grafana", "grafana")


def test_a_grafana_alert_with_the_receivers_token_is_queued_once(
    moto_stack: dict[str, Any], hooks: ModuleType, grafana: str
) -> None:
    headers, body = sample("grafana_alert_firing")
    raw = encode(body)
    bearer = {**headers, "Authorization": f"Bearer {grafana}"}
    # When Grafana delivers the alert, then retries it (a timeout on its side)
    first = deliver(hooks, "/webhooks/alerts/grafana/acme-grafana", bearer, raw)
    again = deliver(hooks, "/webhooks/alerts/grafana/acme-grafana", bearer, raw)
    # Then it is accepted twice but queued once, for Acme's receiver
    assert first[0] == again[0] == 202, (first, again)
    assert first[1]["status"] == "queued" and first[1]["provider"] == "alerts"
    assert again[1]["duplicate"] is True
    (job,) = alert_jobs(moto_stack)
    assert (job.receiver_id, job.organization_id, job.source) == ("acme-grafana", "1001", "grafana")
    assert [a.fingerprint for a in job.alerts] == ["a3f1c2d4e5b60718"]


@pytest.mark.parametrize("how", ["basic", "url"])
def test_basic_auth_or_the_url_carry_the_token_too(
    moto_stack: dict[str, Any], hooks: ModuleType, grafana: str, how: str
) -> None:
    headers, body = sample("grafana_alert_grouped")
    path = "/webhooks/alerts/grafana/acme-grafana"
    if how == "basic":
        credentials = base64.b64encode(f"grafana:{grafana}".encode()).decode()
        headers["Authorization"] = f"Basic {credentials}"
    else:
        path += f"/{grafana}"
    status, receipt = deliver(hooks, path, headers, encode(body))
    assert status == 202, receipt
    (job,) = alert_jobs(moto_stack)
    assert len(job.alerts) == 3


@pytest.mark.parametrize(
    ("path", "authorization"),
    [
        ("/webhooks/alerts/grafana/acme-grafana", "Bearer not-the-secret"),
        ("/webhooks/alerts/grafana/acme-grafana/not-the-secret", None),
        ("/webhooks/alerts/grafana/acme-grafana", None),
        ("/webhooks/alerts/grafana/nobody-here", "Bearer {secret}"),  # unknown receiver
        ("/webhooks/alerts/alertmanager/acme-grafana", "Bearer {secret}"),  # not its source
    ],
)
def test_a_wrong_token_or_receiver_is_refused_counted_and_nothing_is_queued(
    moto_stack: dict[str, Any],
    hooks: ModuleType,
    grafana: str,
    path: str,
    authorization: str | None,
) -> None:
    headers, body = sample("grafana_alert_firing")
    if authorization:
        headers["Authorization"] = authorization.format(secret=grafana)
    status, answer = deliver(hooks, path, headers, encode(body))
    assert status == 401, answer
    assert answer["error"]["code"] == "unauthorized"
    assert alert_jobs(moto_stack) == []
    assert refused(moto_stack, "alerts")["rejected_secret"] >= 1


def test_every_refusal_reads_the_same_so_receiver_ids_cannot_be_probed(
    moto_stack: dict[str, Any], hooks: ModuleType, grafana: str
) -> None:
    headers, body = sample("grafana_alert_firing")
    unknown = deliver(hooks, "/webhooks/alerts/grafana/nobody-here", headers, encode(body))
    wrong = deliver(hooks, "/webhooks/alerts/grafana/acme-grafana", headers, encode(body))
    assert unknown == wrong
    receiver(moto_stack, "fabrikam-uptime", "generic")
    headers, body = sample("generic_alert_firing")
    signed = psa_headers(headers, secret("alert:somebody"), encode(body))
    unknown = deliver(hooks, "/webhooks/alerts/generic/nobody-here", signed, encode(body))
    wrong = deliver(hooks, "/webhooks/alerts/generic/fabrikam-uptime", signed, encode(body))
    assert unknown == wrong


def test_an_alertmanager_group_is_one_delivery_with_every_alert(
    moto_stack: dict[str, Any], hooks: ModuleType
) -> None:
    token = receiver(moto_stack, "contoso-am", "alertmanager")
    headers, body = sample("alertmanager_alert_grouped")
    headers["Authorization"] = f"Bearer {token}"
    status, receipt = deliver(
        hooks, "/webhooks/alerts/alertmanager/contoso-am", headers, encode(body)
    )
    assert status == 202 and receipt["detail"] == "3 alert(s) for receiver contoso-am"
    (job,) = alert_jobs(moto_stack)
    assert job.group_key == '{}/{organization="Contoso"}:{alertname="WindowsDiskSpaceLow"}'
    # A payload that is not Alertmanager's version 4 does not fit
    body["version"] = "3"
    status, answer = deliver(
        hooks, "/webhooks/alerts/alertmanager/contoso-am", headers, encode(body)
    )
    assert status == 422 and "version" in answer["error"]["message"]


def test_a_generic_alert_is_signed_fresh_and_queued_once_per_delivery(
    moto_stack: dict[str, Any], hooks: ModuleType
) -> None:
    token = receiver(moto_stack, "fabrikam-uptime", "generic")
    headers, body = sample("generic_alert_firing")
    raw = encode(body)
    path = "/webhooks/alerts/generic/fabrikam-uptime"
    key = secret("alert:fabrikam-uptime")
    assert key.get_secret_value() == token
    signed = psa_headers(headers, key, raw)
    assert deliver(hooks, path, signed, raw)[0] == 202
    status, repeat = deliver(hooks, path, signed, raw)
    assert status == 202 and repeat["duplicate"] is True
    assert len(alert_jobs(moto_stack)) == 1
    # Forged, tampered or stale deliveries are refused
    forged = {**signed, "X-Gluekb-Signature": "sha256=" + "0" * 64}
    assert deliver(hooks, path, forged, raw)[0] == 401
    assert deliver(hooks, path, signed, raw.replace(b"high", b"low"))[0] == 401
    stale = psa_headers(headers, key, raw, at=time.time() - 3600)
    assert deliver(hooks, path, stale, raw)[0] == 401
    assert alert_jobs(moto_stack) == []


def test_a_body_too_large_is_refused_before_it_is_read(hooks: ModuleType, grafana: str) -> None:
    headers, body = sample("grafana_alert_firing")
    body["message"] = "x" * 1_100_000
    headers["Authorization"] = f"Bearer {grafana}"
    status, _ = deliver(hooks, "/webhooks/alerts/grafana/acme-grafana", headers, encode(body))
    assert status == 413


def test_unknown_alert_sources_are_404(hooks: ModuleType) -> None:
    status, answer = deliver(hooks, "/webhooks/alerts/zabbix/acme", {}, json.dumps({}).encode())
    assert status == 404 and answer["error"]["code"] == "not_found"
