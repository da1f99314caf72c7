"""PSA tickets (ConnectWise, Autotask, HaloPSA, ...) into the ticket store.

A PSA ticket is known by a Message-ID claim `psa:<provider>:ticket:<id>` in the tickets table
(the same map that threads mail), so creating it is one transaction that cannot happen twice
however often, or however concurrently, the PSA sends it. Later events update its subject,
status, priority and organization; a note becomes a message (`psa:<provider>:note:<ticket>:<id>`,
once). Every change re-indexes the ticket as a conversation, as mail and the API do.

PSA wording varies ("New", "In Progress", "Waiting Customer", "Priority 1 - Critical", ...):
statuses and priorities are mapped by keyword onto gluekb's. The organization is the IT Glue
organization the PSA names (`company.itglue_organization_id`), else the one whose name is the
company's, else `unassigned`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from gluekb.models.organizations import RegisteredOrganization
from gluekb.models.tickets import (
    MAX_TEXT_CHARS,
    UNASSIGNED,
    Ticket,
    TicketChanges,
    TicketMessage,
    TicketStatus,
    Urgency,
    valid_email,
)
from gluekb.models.webhooks import PsaCompany, PsaNote, PsaPerson, PsaTicket, PsaTicketEvent
from gluekb.ports.tickets import MessageAlreadyRecorded
from gluekb.services.tickets.desk import TicketDesk

_STATUS: tuple[tuple[re.Pattern[str], TicketStatus], ...] = (
    (re.compile(r"clos|cancel", re.I), "closed"),
    (re.compile(r"resolv|complet|done|fixed", re.I), "resolved"),
    (re.compile(r"wait|pend|hold|schedul|customer|vendor", re.I), "pending"),
)
_PRIORITY: tuple[tuple[re.Pattern[str], Urgency], ...] = (
    (re.compile(r"critical|urgent|emergency|\bp\s*1\b|priority\s*1\b|^1\b", re.I), "critical"),
    (re.compile(r"high|\bp\s*2\b|priority\s*2\b|^2\b", re.I), "high"),
    (re.compile(r"low|\bp\s*[45]\b|priority\s*[45]\b|^[45]\b", re.I), "low"),
)


def psa_status(value: str | None) -> TicketStatus:
    for pattern, status in _STATUS:
        if value and pattern.search(value):
            return status
    return "open"


def psa_priority(value: str | None) -> Urgency:
    for pattern, urgency in _PRIORITY:
        if value and pattern.search(value.strip()):
            return urgency
    return "normal"


def anchor_message_id(provider: str, ticket_id: str) -> str:
    return f"psa:{provider}:ticket:{ticket_id}"


def _email(person: PsaPerson | None) -> str | None:
    if person is None or not person.email:
        return None
    try:
        return valid_email(person.email)
    except ValueError:
        return None


PsaOutcome = Literal["ticket_created", "ticket_updated"]


@dataclass
class PsaTickets:
    desk: TicketDesk
    organizations: Callable[[], list[RegisteredOrganization]]
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def organization_for(self, company: PsaCompany | None) -> str:
        if company is None:
            return UNASSIGNED
        known = self.organizations()
        if company.itglue_organization_id:
            for organization in known:
                if organization.id == company.itglue_organization_id.strip():
                    return organization.id
        wanted = (company.name or "").strip().lower()
        if wanted:
            for organization in known:
                if organization.is_named(wanted):
                    return organization.id
        return UNASSIGNED

    def apply(self, provider: str, event: PsaTicketEvent) -> tuple[PsaOutcome, str]:
        """Create or update the ticket the event names; returns what happened and its id."""
        external = event.ticket
        now = self.clock()
        organization = self.organization_for(external.company)
        claim = self.desk.store.message_claim(anchor_message_id(provider, external.id))
        created = False
        if claim is not None:
            ticket_id = claim.ticket_id
        else:
            ticket_id, created = self._create(provider, event, organization, now)
        if not created:
            self._update(ticket_id, external, organization, now)
        if event.note is not None:
            self._add_note(provider, external.id, ticket_id, event.note, now)
        self.desk.index(ticket_id)
        return ("ticket_created" if created else "ticket_updated"), ticket_id

    def _create(
        self, provider: str, event: PsaTicketEvent, organization: str, now: datetime
    ) -> tuple[str, bool]:
        """The ticket's id, and whether this call created it (not another delivery)."""
        store = self.desk.store
        external = event.ticket
        requester = _email(external.contact)
        ticket = Ticket(
            id=store.allocate_id(),
            organization_id=organization,
            requester_email=requester,
            requester_name=external.contact.name if external.contact else None,
            subject=external.summary.strip(),
            status=psa_status(external.status),
            priority=psa_priority(external.priority),
            source="psa",
            created_at=now,
            updated_at=now,
            last_message_at=now,
            message_count=1,
        )
        first = TicketMessage(
            message_id=anchor_message_id(provider, external.id),
            direction="inbound",
            author_email=requester,
            author_name=ticket.requester_name,
            subject=ticket.subject,
            text=(external.description or external.summary).strip()[:MAX_TEXT_CHARS],
            sent_at=external.created_at or event.occurred_at or now,
            received_at=now,
        )
        try:
            store.create(ticket, first, intake_key=None)
        except MessageAlreadyRecorded as exc:  # created concurrently by another delivery
            if exc.claim is None:
                raise
            return exc.claim.ticket_id, False
        return ticket.id, True

    def _update(
        self, ticket_id: str, external: PsaTicket, organization: str, now: datetime
    ) -> None:
        current = self.desk.store.get(ticket_id)
        moved = current is not None and organization not in (UNASSIGNED, current.organization_id)
        changes = TicketChanges(
            subject=external.summary.strip(),
            status=psa_status(external.status),
            priority=psa_priority(external.priority),
            organization_id=organization if moved else None,
        )
        self.desk.store.update(ticket_id, changes, now)

    def _add_note(
        self, provider: str, external_id: str, ticket_id: str, note: PsaNote, now: datetime
    ) -> None:
        author = note.author
        message = TicketMessage(
            message_id=f"psa:{provider}:note:{external_id}:{note.id}",
            direction="inbound",
            author_email=_email(author),
            author_name=author.name if author else None,
            text=note.text.strip()[:MAX_TEXT_CHARS],
            sent_at=note.created_at or now,
            received_at=now,
        )
        with contextlib.suppress(MessageAlreadyRecorded):  # recorded by an earlier delivery
            self.desk.store.append(ticket_id, message, intake_key=None, outcome="psa_note")
