"""Monitoring alerts without a network: the senders' real-shaped payloads read into alerts, the
secret a delivery presents, labels matched to the configuration they name, urgency, the text a
ticket opens with."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from gluekb.errors import InvalidInput
from gluekb.models.alerts import AlertmanagerWebhook, AlertReceiver, GenericAlert, GrafanaWebhook
from gluekb.models.catalog import CatalogRecord
from gluekb.models.documents import RecordField
from gluekb.models.incidents import AssetContext, ContextFact, Dependent, SourceRef
from gluekb.services.alerts.context import passage, urgency_of
from gluekb.services.alerts.matching import AssetMatcher, candidates, normalise_host
from gluekb.services.alerts.rendering import first_message
from gluekb.services.webhooks.alerts import (
    alert_jobs,
    alertmanager_events,
    generic_event,
    grafana_events,
    presented_secret,
    secret_valid,
)
from gluekb.services.webhooks.payloads import parse_payload
from tests.support import event


def body(name: str) -> bytes:
    return json.dumps(event(f"webhooks/{name}.json")["body"]).encode()


# ---------------------------------------------------------------- payloads
def test_a_grafana_firing_alert_reads_as_one_alert_with_its_value() -> None:
    # Given Grafana's webhook payload for one firing alert
    payload = parse_payload(GrafanaWebhook, body("grafana_alert_firing"))
    # When it is read
    (alert,) = grafana_events(payload)
    # Then the alert keeps Grafana's fingerprint, name, severity, value and rule link
    assert alert.fingerprint == "a3f1c2d4e5b60718" and alert.status == "firing"
    assert alert.name == "High CPU usage" and alert.severity == "critical"
    assert alert.summary == "CPU above 95% for 10 minutes"
    assert alert.value == "A=97.31, C=1"
    assert alert.starts_at == datetime(2026, 12, 4, 9, 41, tzinfo=UTC)
    assert alert.ends_at is None  # Grafana's 0001-01-01 means "not ended"
    assert alert.source_url is not None and "alerting/grafana" in alert.source_url
    assert alert.labels["instance"] == "10.10.10.13:9182"


def test_a_resolved_alert_has_its_end_and_a_group_all_its_alerts() -> None:
    (resolved,) = grafana_events(parse_payload(GrafanaWebhook, body("grafana_alert_resolved")))
    assert resolved.status == "resolved"
    assert resolved.ends_at == datetime(2026, 12, 4, 10, 16, tzinfo=UTC)
    grouped = grafana_events(parse_payload(GrafanaWebhook, body("grafana_alert_grouped")))
    assert [a.name for a in grouped] == ["Disk almost full", "High CPU usage", "HTTPS probe failed"]


def test_alertmanager_version_4_is_read_and_any_other_version_refused() -> None:
    payload = parse_payload(AlertmanagerWebhook, body("alertmanager_alert_grouped"))
    alerts = alertmanager_events(payload)
    assert len(alerts) == 3 and {a.severity for a in alerts} == {"warning"}
    assert payload.group_key == '{}/{organization="Contoso"}:{alertname="WindowsDiskSpaceLow"}'
    older = json.loads(body("alertmanager_alert_firing"))
    older["version"] = "3"
    with pytest.raises(InvalidInput, match="version"):
        parse_payload(AlertmanagerWebhook, json.dumps(older).encode())


def test_the_generic_alert_is_one_alert_named_by_its_title() -> None:
    alert = generic_event(parse_payload(GenericAlert, body("generic_alert_firing")))
    assert alert.name == "SSL VPN portal unreachable" and alert.severity == "high"
    assert alert.fingerprint == "fabr-vpn-https" and alert.labels["host"] == "FABR-FW01"


def test_a_sender_without_fingerprints_gets_a_stable_one_from_the_labels() -> None:
    raw = json.loads(body("alertmanager_alert_firing"))
    del raw["alerts"][0]["fingerprint"]
    twice = [
        alertmanager_events(parse_payload(AlertmanagerWebhook, json.dumps(raw).encode()))[0]
        for _ in range(2)
    ]
    assert twice[0].fingerprint == twice[1].fingerprint and len(twice[0].fingerprint) == 16


# ---------------------------------------------------------------- the secret presented
SECRET = SecretStr("receiver-secret")


@pytest.mark.parametrize(
    ("authorization", "path_secret", "valid"),
    [
        ("Bearer receiver-secret", None, True),
        ("bearer receiver-secret", None, True),
        ("Basic " + base64.b64encode(b"grafana:receiver-secret").decode(), None, True),
        (None, "receiver-secret", True),
        ("Bearer wrong", "receiver-secret", False),  # a header that is there is the one read
        ("Basic " + base64.b64encode(b"receiver-secret:").decode(), None, False),
        ("Basic !!!not-base64", None, False),
        (None, None, False),
        ("Token receiver-secret", None, False),
    ],
)
def test_grafana_and_alertmanager_present_the_secret_three_ways(
    authorization: str | None, path_secret: str | None, valid: bool
) -> None:
    assert secret_valid(SECRET, presented_secret(authorization, path_secret)) is valid


# ---------------------------------------------------------------- matching labels to assets
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.10.10.13:9182", "10.10.10.13"),
        ("http://acme-web01:8080/metrics", "acme-web01"),
        ("ACME-DC01.acme.local:9182", "acme-dc01.acme.local"),
        ("[2001:db8::1]:9100", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("admin@nas01:5001", "nas01"),
    ],
)
def test_label_values_normalise_to_an_ip_or_a_host_name(value: str, expected: str) -> None:
    assert normalise_host(value) == expected


def test_addresses_come_before_host_names_and_weak_labels_last() -> None:
    labels = {"job": "windows", "instance": "acme-dc01:9182", "ip": "10.10.10.11"}
    assert [c.label for c in candidates(labels)] == ["ip", "instance", "job"]


def config(record_id: str, name: str, ip: str, hostname: str | None = None) -> CatalogRecord:
    fields = [RecordField(name="Primary IP", value=ip)]
    if hostname:
        fields.append(RecordField(name="Hostname", value=hostname))
    return CatalogRecord(
        source_id=f"itglue:configurations:{record_id}",
        organization_id="1001",
        resource_type="configurations",
        record_id=record_id,
        name=name,
        content_hash="x",
        raw_key="k",
        synced_at=datetime(2026, 7, 1, tzinfo=UTC),
        identifiers={"ip": [ip], "hostname": [name.lower()]},
        fields=fields,
    )


class Catalog:
    def __init__(self, records: list[CatalogRecord]) -> None:
        self.records = records
        self.reads = 0

    def get(self, source_id: str) -> CatalogRecord | None:
        return next((r for r in self.records if r.source_id == source_id), None)

    def records_of(self, organization_id: str, resource_type: str) -> Iterator[CatalogRecord]:
        self.reads += 1
        return iter(self.records)


@pytest.fixture
def matcher() -> AssetMatcher:
    return AssetMatcher(
        Catalog(
            [
                config("1", "ACME-DC01", "10.10.10.11"),
                config("2", "ACME-SQL01", "10.10.10.13"),
                config("3", "ACME-SQL02", "10.10.10.14"),
                config("4", "CLONE-A", "10.10.99.9"),
                config("5", "CLONE-B", "10.10.99.9"),
            ]
        )
    )


@pytest.mark.parametrize(
    ("labels", "name", "how"),
    [
        (
            {"instance": "10.10.10.13:9182"},
            "ACME-SQL01",
            "instance=10.10.10.13:9182 (IP 10.10.10.13)",
        ),
        ({"instance": "acme-dc01.acme.local:9182"}, "ACME-DC01", "hostname ACME-DC01"),
        ({"hostname": "ACME-SQL02"}, "ACME-SQL02", "hostname ACME-SQL02"),
        ({"host": "sql01"}, "ACME-SQL01", "name ending -SQL01"),
        # an exact identifier wins over a partial one, whatever the label order
        ({"host": "sql02", "ip": "10.10.10.13"}, "ACME-SQL01", "ip=10.10.10.13 (IP 10.10.10.13)"),
    ],
)
def test_labels_match_the_configuration_they_name(
    matcher: AssetMatcher, labels: dict[str, str], name: str, how: str
) -> None:
    match = matcher.match("1001", labels)
    assert match.record is not None and match.record.name == name
    assert match.matched_by is not None and how in match.matched_by


@pytest.mark.parametrize(
    "labels",
    [{"instance": "10.10.99.50:443"}, {"instance": "10.10.99.9:9100"}, {"alertname": "x"}, {}],
)
def test_unknown_or_ambiguous_targets_are_undocumented(
    matcher: AssetMatcher, labels: dict[str, str]
) -> None:
    match = matcher.match("1001", labels)
    assert match.record is None and not match.documented
    assert match.asset_key("alert:f1").startswith("undocumented:")


def test_the_inventory_is_read_once_per_client_while_fresh() -> None:
    catalog = Catalog([config("2", "ACME-SQL01", "10.10.10.13")])
    matcher = AssetMatcher(catalog, ttl_s=60, clock=lambda: 0.0)
    for _ in range(3):
        matcher.match("1001", {"instance": "10.10.10.13:9182"})
    assert catalog.reads == 1


# ---------------------------------------------------------------- urgency and text
@pytest.mark.parametrize(
    ("severity", "dependents", "urgency"),
    [
        ("critical", 0, "critical"),
        ("warning", 0, "normal"),
        ("warning", 2, "high"),  # two or more records depend on it: one step up
        ("info", 5, "normal"),
        (None, 0, "normal"),
        ("P1", 0, "critical"),
        ("error", 3, "critical"),
    ],
)
def test_urgency_is_the_severity_raised_by_impact(
    severity: str | None, dependents: int, urgency: str
) -> None:
    assert urgency_of(severity, dependents)[0] == urgency


def test_a_passage_is_the_text_around_the_first_mention() -> None:
    text = "Intro. " * 100 + "Restart the SQL Server service on ACME-SQL01 first. " + "Tail. " * 100
    found = passage(text, ["acme-sql01"])
    assert found is not None and "ACME-SQL01" in found and found.startswith("…")
    assert passage("nothing here", ["ACME-SQL01"]) is None


def test_the_first_message_lists_every_item_with_its_source() -> None:
    payload = parse_payload(GrafanaWebhook, body("grafana_alert_firing"))
    asset = SourceRef(id="itglue:configurations:2", title="ACME-SQL01", type="configuration")
    context = AssetContext(
        organization_id="1001",
        asset=asset,
        documented=True,
        matched_by="instance=10.10.10.13:9182 (IP 10.10.10.13)",
        facts=[ContextFact(label="Primary IP", value="10.10.10.13", source=asset)],
        dependents=[
            Dependent(
                id="itglue:flexible_assets:7",
                name="Epicor Kinetic ERP",
                relation="Database server in Line-of-Business App ACME-SQL01",
                source=SourceRef(
                    id="itglue:flexible_assets:7", title="Epicor", type="flexible_asset"
                ),
            )
        ],
        urgency="critical",
        urgency_reason="severity critical",
    )
    text = first_message(grafana_events(payload), "acme-grafana (Grafana)", context)
    assert text.startswith("FIRING: High CPU usage (severity critical)")
    assert "Asset: ACME-SQL01 [source: itglue:configurations:2]" in text
    assert "Key facts (from ACME-SQL01 unless marked):\n  - Primary IP: 10.10.10.13\n" in text
    assert "Epicor Kinetic ERP: Database server" in text
    assert "Runbook passages that mention it:\n  (none found)" in text


def test_a_big_group_is_queued_in_messages_sqs_takes() -> None:
    # Given Alertmanager's group of 60 alerts with long annotations
    raw = json.loads(body("alertmanager_alert_grouped"))
    template = raw["alerts"][0]
    raw["alerts"] = [
        {**template, "fingerprint": f"{n:016x}", "annotations": {"description": "x" * 9000}}
        for n in range(60)
    ]
    receiver = AlertReceiver(
        receiver_id="contoso-am", organization_id="1002", source="alertmanager",
        created_at=datetime.now(UTC),
    )  # fmt: skip
    events = alertmanager_events(parse_payload(AlertmanagerWebhook, json.dumps(raw).encode()))
    # When it is cut into queue messages
    jobs = list(alert_jobs(receiver, events, delivery_key="d", received_at=datetime.now(UTC)))
    # Then every alert is in exactly one message, and every message fits SQS's 256 KiB
    assert sum(len(j.alerts) for j in jobs) == 60 and len(jobs) > 60 // 25
    assert all(len(j.model_dump_json(exclude_none=True)) < 256 * 1024 for j in jobs)
