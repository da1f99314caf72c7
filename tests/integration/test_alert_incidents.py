"""Alerts to incident tickets (the `alerts` function's logic) over what a real sync stored: the
demo tenant in the catalog, template.yaml's tables on moto, the embedded index (empty here: the
e2e test finds runbooks and past tickets through the worker) and the embedder down.

One ticket per asset while its alerts fire, its first message the asset's context; repeats and
other alerts on the asset add notes; resolutions add notes and resolve it; alerts on no
documented asset still make a ticket, flagged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from gluekb.adapters.alert_receivers import AlertReceiverStore
from gluekb.adapters.ticket_store import TicketStore
from gluekb.models.alerts import (
    AlertJob,
    AlertmanagerWebhook,
    AlertReceiver,
    AlertSource,
    GrafanaWebhook,
)
from gluekb.models.tickets import TicketChanges
from gluekb.services.alerts.incidents import AlertDesk
from gluekb.services.webhooks.alerts import alert_jobs, alertmanager_events, grafana_events
from gluekb.settings import AlertsSettings, settings_from
from gluekb.wiring.alerts import alert_desk
from tests.integration.test_sync import Rig
from tests.support import event

SQL01 = "itglue:configurations:200039"


def payload(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = event(f"webhooks/{name}.json")["body"]
    return loaded


class Desk:
    """The alert desk with a receiver per test, and the jobs its webhooks would queue."""

    def __init__(self, rig: Rig, receiver_id: str, org: str, source: AlertSource, **kw: Any):
        settings = settings_from(AlertsSettings, rig.environments["alerts"])
        self.desk: AlertDesk = alert_desk(settings, rig.clients)
        self.tickets = TicketStore(rig.clients.dynamodb, settings.tickets_table)
        self.receiver = AlertReceiver(
            receiver_id=receiver_id,
            organization_id=org,
            source=source,
            name=receiver_id,
            created_at=datetime.now(UTC),
            **kw,
        )
        AlertReceiverStore(rig.clients.dynamodb, settings.state_table).put(self.receiver)
        self.deliveries = 0

    def job(self, body: dict[str, Any]) -> AlertJob:
        self.deliveries += 1
        if self.receiver.source == "grafana":
            events = grafana_events(GrafanaWebhook.model_validate(body))
        else:
            events = alertmanager_events(AlertmanagerWebhook.model_validate(body))
        (job,) = alert_jobs(
            self.receiver,
            events,
            delivery_key=f"delivery-{self.deliveries}",
            received_at=datetime.now(UTC),
        )
        return job

    def deliver(self, body: dict[str, Any]) -> list[tuple[str, str | None]]:
        return [(o.action, o.ticket_id) for o in self.desk.apply(self.job(body))]

    def messages(self, ticket_id: str) -> list[str]:
        return [m.text for m in self.tickets.messages(ticket_id)]


@pytest.fixture
def acme(synced_rig: Rig, request: pytest.FixtureRequest) -> Desk:
    name = request.node.name.removeprefix("test_")[:30].replace("_", "-").strip("-")
    return Desk(synced_rig, f"g-{name}", "1001", "grafana")


def test_a_firing_alert_opens_one_ticket_whose_first_message_is_the_assets_context(
    acme: Desk, synced_rig: Rig
) -> None:
    # When Grafana reports high CPU on 10.10.10.13:9182 (ACME-SQL01)
    ((action, ticket_id),) = acme.deliver(payload("grafana_alert_firing"))
    # Then one ticket is opened for ACME-SQL01, critical (critical severity, things depend on it)
    assert action == "ticket_created" and ticket_id
    ticket = acme.tickets.get(ticket_id)
    assert ticket is not None and ticket.source == "alert" and ticket.asset_id == SQL01
    assert ticket.subject == "High CPU usage on ACME-SQL01" and ticket.priority == "critical"
    assert ticket.labels == ["alert"] and ticket.organization_id == "1001"
    # And its first message is the alert, then the context, every item with its source
    (text,) = acme.messages(ticket_id)
    assert text.startswith("FIRING: High CPU usage (severity critical)")
    assert "Matched by: instance=10.10.10.13:9182 (IP 10.10.10.13)" in text
    assert f"Asset: ACME-SQL01 [source: {SQL01} " in text
    facts = text.split("Key facts (from ACME-SQL01 unless marked):")[1].split("\n\n")[0]
    assert "  - Primary IP: 10.10.10.13\n" in facts
    assert "Role (notes): Microsoft SQL Server host for line-of-business databases (#1)" in text
    assert "Epicor Kinetic ERP (Line-of-Business App): Database server" in text
    assert "SQL sa - ACME-SQL01 (Database), user sa [source: itglue:passwords:" in text
    assert "Warranty expires:" in text and "Location: Chicago HQ" in text
    # And no password value is anywhere in it
    assert not any(value in text for value in synced_rig.tenant.load().secrets.values())


def test_a_repeat_adds_a_note_and_a_redelivered_message_adds_nothing(acme: Desk) -> None:
    first = acme.job(payload("grafana_alert_firing"))
    ((_, ticket_id),) = [(o.action, o.ticket_id) for o in acme.desk.apply(first)]
    assert ticket_id is not None
    # When SQS hands the same message over again, nothing is added
    assert [o.ticket_id for o in acme.desk.apply(first)] == [ticket_id]
    assert len(acme.messages(ticket_id)) == 1
    # When Grafana notifies the same alert again later, it is a note on the same ticket
    again = acme.job(payload("grafana_alert_firing"))
    assert [(o.action, o.ticket_id) for o in acme.desk.apply(again)] == [("note_added", ticket_id)]
    # ... once, however often that message is handed over
    acme.desk.apply(again)
    notes = acme.messages(ticket_id)
    assert len(notes) == 2 and notes[-1].startswith("Still firing (notified again).")


def test_a_group_on_one_asset_joins_its_ticket_and_an_undocumented_one_is_flagged(
    acme: Desk,
) -> None:
    ((_, cpu_ticket),) = acme.deliver(payload("grafana_alert_firing"))
    # When Grafana sends a group: disk and CPU on ACME-SQL01, an HTTPS probe of 10.10.99.50
    outcomes = acme.deliver(payload("grafana_alert_grouped"))
    # Then both ACME-SQL01 alerts join its ticket
    assert outcomes[:2] == [("note_added", cpu_ticket), ("note_added", cpu_ticket)]
    assert acme.messages(str(cpu_ticket))[1].startswith("Also firing on this asset.")
    # And the probe opens its own ticket, flagged as an undocumented asset
    ((action, other),) = outcomes[2:]
    assert action == "ticket_created" and other != cpu_ticket
    flagged = acme.tickets.get(str(other))
    assert flagged is not None and flagged.labels == ["alert", "asset-not-documented"]
    assert flagged.subject == "HTTPS probe failed on 10.10.99.50"
    (text,) = acme.messages(str(other))
    assert "Asset not documented: no configuration matches 10.10.99.50" in text


def test_resolving_the_last_alert_resolves_the_ticket_and_the_next_firing_opens_another(
    acme: Desk,
) -> None:
    grouped = payload("grafana_alert_grouped")
    outcomes = acme.deliver(grouped)
    ticket_id = outcomes[0][1]
    assert ticket_id is not None
    # When the CPU alert resolves, the disk alert still fires: a note, the ticket stays open
    resolved = payload("grafana_alert_resolved")
    assert acme.deliver(resolved) == [("note_added", ticket_id)]
    ticket = acme.tickets.get(ticket_id)
    assert ticket is not None and ticket.status == "open"
    assert acme.messages(ticket_id)[-1].startswith("Resolved.")
    # When the disk alert resolves too, the ticket is resolved
    disk = json.loads(json.dumps(grouped))
    disk["status"] = "resolved"
    disk["alerts"] = [{**disk["alerts"][0], "status": "resolved", "endsAt": "2026-12-04T11:00:00Z"}]
    assert acme.deliver(disk) == [("resolved", ticket_id)]
    ticket = acme.tickets.get(ticket_id)
    assert ticket is not None and ticket.status == "resolved"
    # When the CPU fires again, it is a new incident: a new ticket
    ((action, again),) = acme.deliver(payload("grafana_alert_firing"))
    assert action == "ticket_created" and again != ticket_id


def test_a_ticket_a_technician_resolved_while_the_alert_fired_is_not_reopened(
    acme: Desk,
) -> None:
    ((_, ticket_id),) = acme.deliver(payload("grafana_alert_firing"))
    assert ticket_id is not None
    acme.tickets.update(ticket_id, TicketChanges(status="closed"), datetime.now(UTC))
    ((action, again),) = acme.deliver(payload("grafana_alert_firing"))
    assert action == "ticket_created" and again != ticket_id


def test_a_receiver_that_does_not_auto_resolve_only_notes_the_resolution(
    synced_rig: Rig,
) -> None:
    desk = Desk(synced_rig, "am-contoso-manual", "1002", "alertmanager", auto_resolve=False)
    ((action, ticket_id),) = desk.deliver(payload("alertmanager_alert_firing"))
    assert action == "ticket_created"
    ticket = desk.tickets.get(str(ticket_id))
    # Alertmanager's instance=ctso-dc01.contoso.local:9182 is CTSO-DC01
    assert ticket is not None and ticket.subject == "WindowsHostDown on CTSO-DC01"
    assert desk.deliver(payload("alertmanager_alert_resolved")) == [("note_added", ticket_id)]
    ticket = desk.tickets.get(str(ticket_id))
    assert ticket is not None and ticket.status == "open"


def test_alertmanager_groups_make_one_ticket_per_asset(synced_rig: Rig) -> None:
    desk = Desk(synced_rig, "am-contoso-groups", "1002", "alertmanager")
    outcomes = desk.deliver(payload("alertmanager_alert_grouped"))
    # FS01 (10.20.10.12) one ticket; SQL01 (10.20.10.13) one ticket for its two volumes
    assert [a for a, _ in outcomes] == ["ticket_created", "ticket_created", "ticket_created"]
    assert outcomes[1][1] == outcomes[2][1] != outcomes[0][1]
    subjects = {desk.tickets.get(str(t)).subject for _, t in outcomes}  # type: ignore[union-attr]
    assert subjects == {
        "WindowsDiskSpaceLow on CTSO-FS01",
        "WindowsDiskSpaceLow on CTSO-SQL01 (+1 more)",
    }


def test_a_receiver_for_every_client_reads_the_client_from_the_labels(synced_rig: Rig) -> None:
    desk = Desk(synced_rig, "am-everyone", "*", "alertmanager")
    ((_, ticket_id),) = desk.deliver(payload("alertmanager_alert_firing"))  # organization=Contoso
    ticket = desk.tickets.get(str(ticket_id))
    assert ticket is not None and ticket.organization_id == "1002"
    unknown = payload("alertmanager_alert_firing")
    for alert in unknown["alerts"]:
        alert["labels"]["organization"] = "Nobody Inc"
        alert["fingerprint"] = "0000000000000001"
    ((_, orphan),) = desk.deliver(unknown)
    ticket = desk.tickets.get(str(orphan))
    assert ticket is not None and ticket.organization_id == "unassigned"
    assert "asset-not-documented" in ticket.labels


def test_alerts_for_a_removed_receiver_are_dropped(synced_rig: Rig) -> None:
    desk = Desk(synced_rig, "g-removed", "1001", "grafana")
    job = desk.job(payload("grafana_alert_firing"))
    AlertReceiverStore(synced_rig.clients.dynamodb, "gluekb-local-state").remove("g-removed")
    assert [o.action for o in desk.desk.apply(job)] == ["ignored"]
