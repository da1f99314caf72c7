"""Queued alerts → incident tickets (the `alerts` function, one AlertJob per message).

- Each alert is matched to a configuration of the receiver's client; alerts on the same asset
  (or, undocumented, the same identifier) are one group.
- Firing: the asset's open incident takes it (a repeat or another alert on the asset adds a
  note); with none open, a ticket is opened whose first message is the alert and the asset's
  context, and the incident is claimed for it (a conditional write: one ticket per asset).
- Resolved: a note on the incident's ticket; when nothing fires on it any more and the receiver
  auto-resolves, the ticket is resolved and the incident closed, so the next firing opens a new
  ticket. A ticket a person resolved or closed while its alert fired ends its incident too.

Every write is keyed by the job's delivery key, so a redelivered message adds nothing twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from gluekb.errors import DependencyUnavailable
from gluekb.models.alerts import ANY_ORGANIZATION, AlertEvent, AlertJob, AlertReceiver
from gluekb.models.auth import Principal
from gluekb.models.incidents import AssetContext
from gluekb.models.tickets import (
    MAX_SUBJECT_CHARS,
    MAX_TEXT_CHARS,
    UNASSIGNED,
    URGENCIES,
    Ticket,
    TicketChanges,
    TicketMessage,
)
from gluekb.observability import build_logger
from gluekb.ports.alerts import AlertReceiverRegistry, Incident, IncidentStore
from gluekb.ports.state import OrganizationSource
from gluekb.ports.tickets import MessageAlreadyRecorded
from gluekb.services.alerts.context import AssetContextBuilder, severity_urgency
from gluekb.services.alerts.matching import AssetMatch, AssetMatcher, organization_label
from gluekb.services.alerts.rendering import first_message, note
from gluekb.services.tickets.desk import TicketDesk

logger = build_logger(child=True)

SENDERS = {"grafana": "Grafana", "alertmanager": "Alertmanager", "generic": "monitoring"}
Action = Literal["ticket_created", "note_added", "resolved", "ignored"]


@dataclass(frozen=True)
class AlertOutcome:
    fingerprint: str
    action: Action
    ticket_id: str | None


@dataclass
class _Group:
    organization_id: str
    match: AssetMatch
    key: str
    alerts: list[AlertEvent] = field(default_factory=list)

    def of(self, status: str) -> list[AlertEvent]:
        return [a for a in self.alerts if a.status == status]


def sender_name(receiver: AlertReceiver) -> str:
    return f"{receiver.name or receiver.receiver_id} ({SENDERS[receiver.source]})"


def receiver_principal(receiver: AlertReceiver, organization_id: str) -> Principal:
    """Who enrichment acts as: the receiver, for its one client (tenancy as for any key)."""
    return Principal(
        key_id=f"alert-receiver:{receiver.receiver_id}",
        name=f"alert receiver {receiver.receiver_id}",
        organizations=frozenset({organization_id}),
        scopes=frozenset({"search", "tickets"}),
    )


@dataclass
class AlertDesk:
    desk: TicketDesk
    incidents: IncidentStore
    receivers: AlertReceiverRegistry
    matcher: AssetMatcher
    context: AssetContextBuilder
    state: OrganizationSource
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def apply(self, job: AlertJob) -> list[AlertOutcome]:
        receiver = self.receivers.get(job.receiver_id)
        if receiver is None:
            logger.warning(
                "alerts for a removed receiver dropped", extra={"receiver": job.receiver_id}
            )
            return [AlertOutcome(a.fingerprint, "ignored", None) for a in job.alerts]
        outcomes: list[AlertOutcome] = []
        for group in self._groups(receiver, job.alerts):
            firing, resolved = group.of("firing"), group.of("resolved")
            if firing:
                outcomes += self._fire(job, receiver, group, firing)
            if resolved:
                outcomes += self._resolve(job, receiver, group, resolved)
        return outcomes

    # ------------------------------------------------------------ grouping
    def _organization(self, receiver: AlertReceiver, alert: AlertEvent) -> str:
        if receiver.organization_id != ANY_ORGANIZATION:
            return receiver.organization_id
        named = (organization_label(alert.labels) or "").lower()
        for organization in self.state.organizations() if named else []:
            if organization.id == named or organization.is_named(named):
                return organization.id
        return UNASSIGNED

    def _groups(self, receiver: AlertReceiver, alerts: list[AlertEvent]) -> list[_Group]:
        groups: dict[tuple[str, str], _Group] = {}
        for alert in alerts:
            organization = self._organization(receiver, alert)
            match = (
                self.matcher.match(organization, alert.labels)
                if organization != UNASSIGNED
                else AssetMatch(None, None, None)
            )
            key = match.asset_key(fallback=f"alert:{alert.fingerprint}")
            group = groups.setdefault((organization, key), _Group(organization, match, key))
            group.alerts.append(alert)
        return list(groups.values())

    # ------------------------------------------------------------ firing
    def _fire(
        self, job: AlertJob, receiver: AlertReceiver, group: _Group, firing: list[AlertEvent]
    ) -> list[AlertOutcome]:
        store = self.desk.store
        incident = self.incidents.open_incident(receiver.receiver_id, group.key)
        if incident is not None and self._ended_by_a_person(incident):
            self.incidents.discard(receiver.receiver_id, group.key, incident.ticket_id)
            incident = None
        if incident is None:
            claim = Incident(
                receiver_id=receiver.receiver_id,
                asset_key=group.key,
                ticket_id=store.allocate_id(),
                opened_at=self.clock(),
                firing=[a.fingerprint for a in firing],
                opened_by=job.delivery_key,
            )
            incident = self.incidents.claim(claim)
            if incident is None:
                return self._open(job, receiver, group, firing, claim.ticket_id)
        if incident.opened_by == job.delivery_key:  # this message again: finish, add nothing
            return self._open(job, receiver, group, firing, incident.ticket_id)
        if store.get(incident.ticket_id) is None:
            raise DependencyUnavailable("the incident's ticket is being opened; retried shortly")
        return [self._join(job, receiver, incident, alert) for alert in firing]

    def _ended_by_a_person(self, incident: Incident) -> bool:
        ticket = self.desk.store.get(incident.ticket_id)
        return ticket is not None and ticket.status in ("resolved", "closed")

    def _join(
        self, job: AlertJob, receiver: AlertReceiver, incident: Incident, alert: AlertEvent
    ) -> AlertOutcome:
        what = (
            "Still firing (notified again)."
            if alert.fingerprint in incident.firing
            else "Also firing on this asset."
        )
        self.incidents.add_firing(receiver.receiver_id, incident.asset_key, alert.fingerprint)
        self._note(job, receiver, incident.ticket_id, alert, what)
        self.desk.index(incident.ticket_id)
        return AlertOutcome(alert.fingerprint, "note_added", incident.ticket_id)

    def _open(
        self,
        job: AlertJob,
        receiver: AlertReceiver,
        group: _Group,
        firing: list[AlertEvent],
        ticket_id: str,
    ) -> list[AlertOutcome]:
        context = self._context(receiver, group, firing, ticket_id)
        now = self.clock()
        sender = sender_name(receiver)
        asset = (
            context.asset.title
            if context.asset
            else (context.identifier or "an undocumented asset")
        )
        more = f" (+{len(firing) - 1} more)" if len(firing) > 1 else ""
        ticket = Ticket(
            id=ticket_id,
            organization_id=group.organization_id,
            requester_name=sender,
            subject=f"{firing[0].name} on {asset}{more}"[:MAX_SUBJECT_CHARS],
            priority=context.urgency,
            intent="outage" if context.urgency in ("high", "critical") else "other",
            source="alert",
            labels=["alert"] if context.documented else ["alert", "asset-not-documented"],
            asset_id=context.asset.id if context.asset else None,
            created_at=now,
            updated_at=now,
            last_message_at=now,
            message_count=1,
        )
        message = TicketMessage(
            message_id=f"alert:{receiver.receiver_id}:{ticket_id}:opened",
            direction="inbound",
            author_name=sender,
            subject=ticket.subject,
            text=first_message(firing, sender, context)[:MAX_TEXT_CHARS],
            sent_at=firing[0].starts_at or now,
            received_at=now,
            automated=True,
        )
        with contextlib.suppress(MessageAlreadyRecorded):  # a redelivery created it already
            self.desk.store.create(ticket, message, intake_key=None)
        self.desk.index(ticket_id)
        return [AlertOutcome(a.fingerprint, "ticket_created", ticket_id) for a in firing]

    def _context(
        self, receiver: AlertReceiver, group: _Group, firing: list[AlertEvent], ticket_id: str
    ) -> AssetContext:
        principal = receiver_principal(receiver, group.organization_id)
        about = " ".join(f"{a.name} {a.summary or ''}" for a in firing)
        severity = max(
            (a.severity for a in firing if a.severity),
            key=lambda s: URGENCIES.index(severity_urgency(s)),
            default=None,
        )
        record = group.match.record
        if record is not None:
            return self.context.for_record(
                principal,
                record,
                about=about,
                severity=severity,
                identifier=group.match.identifier,
                matched_by=group.match.matched_by,
                exclude_ticket=ticket_id,
            )
        return self.context.undocumented(
            principal,
            group.organization_id,
            about=about,
            severity=severity,
            identifier=group.match.identifier,
            exclude_ticket=ticket_id,
        )

    # ------------------------------------------------------------ resolved
    def _resolve(
        self, job: AlertJob, receiver: AlertReceiver, group: _Group, resolved: list[AlertEvent]
    ) -> list[AlertOutcome]:
        incident = self.incidents.open_incident(receiver.receiver_id, group.key)
        if incident is None:
            return [AlertOutcome(a.fingerprint, "ignored", None) for a in resolved]
        remaining = incident.firing
        for alert in resolved:
            remaining = self.incidents.remove_firing(
                receiver.receiver_id, group.key, alert.fingerprint
            )
            self._note(job, receiver, incident.ticket_id, alert, "Resolved.")
        action: Action = "note_added"
        if not remaining and receiver.auto_resolve:
            self.desk.store.update(
                incident.ticket_id, TicketChanges(status="resolved"), self.clock()
            )
            self.incidents.close(receiver.receiver_id, group.key, incident.ticket_id)
            action = "resolved"
        self.desk.index(incident.ticket_id)
        return [AlertOutcome(a.fingerprint, action, incident.ticket_id) for a in resolved]

    def _note(
        self, job: AlertJob, receiver: AlertReceiver, ticket_id: str, alert: AlertEvent, what: str
    ) -> None:
        now = self.clock()
        sender = sender_name(receiver)
        message = TicketMessage(
            message_id=(
                f"alert:{receiver.receiver_id}:{alert.fingerprint}:{alert.status}:"
                f"{job.delivery_key}"
            ),
            direction="inbound",
            author_name=sender,
            text=note(alert, sender, what)[:MAX_TEXT_CHARS],
            sent_at=(alert.ends_at if alert.status == "resolved" else None) or now,
            received_at=now,
            automated=True,
        )
        with contextlib.suppress(MessageAlreadyRecorded):  # a redelivered message
            self.desk.store.append(ticket_id, message, intake_key=None, outcome="alert_note")
