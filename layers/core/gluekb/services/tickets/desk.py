"""Tickets: created from mail or the API, threaded, triaged, answered, indexed.

Tenancy: a caller sees a ticket when it may see the ticket's organization; `unassigned`
tickets only keys for every organization see. A ticket the caller may not see is answered
exactly like one that does not exist (404, same body). Every route needs the `tickets` scope.

Every change re-indexes the ticket as one `conversation` source (`ticket:<id>`, one chunk per
message), so search and similar-issue lookups find it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from gluekb.errors import InvalidInput, NotFound
from gluekb.models.auth import Principal
from gluekb.models.documents import IndexJob, Message, SourceDocument
from gluekb.models.tickets import (
    MAX_SUBJECT_CHARS,
    MAX_TEXT_CHARS,
    UNASSIGNED,
    Classification,
    Intent,
    ReplySent,
    Ticket,
    TicketChanges,
    TicketCreate,
    TicketMessage,
    TicketPage,
    TicketReply,
    TicketStatus,
    TicketUpdate,
    TicketView,
    is_ticket_id,
)
from gluekb.ports.documents import INLINE_LIMIT_BYTES, DocumentStore
from gluekb.ports.mail import Mailer
from gluekb.ports.queues import JobSender
from gluekb.ports.state import OrganizationSource
from gluekb.ports.tickets import TicketRepository
from gluekb.services.access.auth import require_scope
from gluekb.services.access.organizations import (
    NOT_FOUND as ORGANIZATION_NOT_FOUND,
)
from gluekb.services.access.organizations import resolve_organization, visible_organizations
from gluekb.services.mail.outbound import (
    compose,
    new_message_id,
    reply_subject,
    sender_domain,
)
from gluekb.services.tickets.classification import IntentClassifier

TICKET_NOT_FOUND = "ticket not found"
SOURCE_PREFIX = "ticket:"


def _now() -> datetime:
    return datetime.now(UTC)


def ticket_source_id(ticket_id: str) -> str:
    return f"{SOURCE_PREFIX}{ticket_id}"


def ticket_document(ticket: Ticket, messages: list[TicketMessage]) -> SourceDocument:
    """The ticket as the index sees it: a conversation, one message per mail or reply."""
    conversation = [
        Message(
            author=m.author_name
            or m.author_email
            or ("service desk" if m.direction == "outbound" else None),
            sent_at=m.sent_at or m.received_at,
            subject=m.subject[:MAX_SUBJECT_CHARS] or None,
            text=m.text
            or (
                "(no text; attachments: " + ", ".join(a.filename for a in m.attachments) + ")"
                if m.attachments
                else "(no text)"
            ),
        )
        for m in messages
    ]
    metadata = {
        "ticket_id": ticket.id,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "intent": ticket.intent,
    }
    if ticket.requester_email:
        metadata["requester"] = ticket.requester_email
    return SourceDocument(
        source_id=ticket_source_id(ticket.id),
        organization_id=ticket.organization_id,
        source_type="ticket",
        kind="conversation",
        title=f"{ticket.id}: {ticket.subject}"[:1000],
        updated_at=ticket.updated_at,
        messages=conversation,
        identifiers={"email": [ticket.requester_email]} if ticket.requester_email else {},
        metadata=metadata,
    )


def ticket_organizations(
    principal: Principal, state: OrganizationSource, org: str | None
) -> list[str]:
    """The organizations whose tickets the caller may see (one, when `org` names it; an
    organization it may not see answers like an unknown one). `unassigned` tickets are visible
    to keys for every organization: their sender is nobody's known customer yet."""
    if org is not None and org.strip().lower() == UNASSIGNED:
        if not principal.can_see(UNASSIGNED):
            raise NotFound(ORGANIZATION_NOT_FOUND)
        return [UNASSIGNED]
    if org is not None:
        return [resolve_organization(principal, state, org).id]
    visible = [o.id for o in visible_organizations(principal, state)]
    if principal.all_organizations:
        visible.append(UNASSIGNED)
    else:
        visible += [o for o in principal.organizations if o not in visible]
    return visible


@dataclass
class TicketDesk:
    """The ticket logic shared by email intake and the API (clients passed in, built once)."""

    store: TicketRepository
    index_queue: JobSender
    documents: DocumentStore
    classifier: IntentClassifier
    support_address: str
    support_name: str = "Service desk"
    clock: Callable[[], datetime] = _now

    # ------------------------------------------------------------ indexing
    def index(
        self,
        ticket_id: str,
        ticket: Ticket | None = None,
        messages: list[TicketMessage] | None = None,
    ) -> None:
        """Queue the ticket for (re)indexing. A caller that just wrote the ticket and holds all
        of its messages passes them, saving two reads."""
        if ticket is None:
            ticket = self.store.get(ticket_id)
            if ticket is None:
                return
        if messages is None:
            messages = self.store.messages(ticket_id)
        document = ticket_document(ticket, messages)
        inline = len(document.model_dump_json().encode()) <= INLINE_LIMIT_BYTES
        job = IndexJob(
            op="upsert",
            source_id=document.source_id,
            organization_id=document.organization_id,
            document=document if inline else None,
            document_key=None if inline else self.documents.put(document),
            content_hash=document.content_hash(),
            enqueued_at=self.clock(),
        )
        self.index_queue.send(job)

    # ------------------------------------------------------------ tenancy
    def _visible(self, principal: Principal, ticket_id: str) -> Ticket:
        require_scope(principal, "tickets")
        ticket = self.store.get(ticket_id) if is_ticket_id(ticket_id) else None
        if ticket is None or not principal.can_see(ticket.organization_id):
            raise NotFound(TICKET_NOT_FOUND)
        return ticket

    # ------------------------------------------------------------ API
    def list_tickets(
        self,
        principal: Principal,
        state: OrganizationSource,
        *,
        status: TicketStatus | None,
        org: str | None,
        intent: Intent | None,
        limit: int,
        cursor: str | None,
    ) -> TicketPage:
        require_scope(principal, "tickets")
        organizations = ticket_organizations(principal, state, org)
        tickets, next_cursor = self.store.list_tickets(
            organizations, limit=limit, cursor=cursor, status=status, intent=intent
        )
        return TicketPage(tickets=tickets, next_cursor=next_cursor)

    def get_ticket(self, principal: Principal, ticket_id: str) -> TicketView:
        ticket = self._visible(principal, ticket_id)
        return TicketView(**ticket.model_dump(), messages=self.store.messages(ticket.id))

    def create_ticket(
        self, principal: Principal, state: OrganizationSource, request: TicketCreate
    ) -> TicketView:
        require_scope(principal, "tickets")
        organization = resolve_organization(principal, state, request.organization).id
        classification = self.classifier.classify(request.subject, request.text)
        now = self.clock()
        ticket = Ticket(
            id=self.store.allocate_id(),
            organization_id=organization,
            requester_email=request.requester_email,
            requester_name=request.requester_name,
            subject=request.subject.strip(),
            priority=request.priority or classification.urgency,
            intent=request.intent or classification.intent,
            classification=classification,
            source="api",
            created_at=now,
            updated_at=now,
            last_message_at=now,
            message_count=1,
        )
        message = TicketMessage(
            message_id=new_message_id(sender_domain(self.support_address), "api"),
            direction="inbound",
            author_email=request.requester_email,
            author_name=request.requester_name,
            subject=ticket.subject,
            text=request.text.strip(),
            sent_at=now,
            received_at=now,
            sent_by=principal.key_id,
        )
        self.store.create(ticket, message, intake_key=None)
        self.index(ticket.id, ticket, [message])
        return TicketView(**ticket.model_dump(), messages=[message])

    def update_ticket(
        self, principal: Principal, state: OrganizationSource, ticket_id: str, request: TicketUpdate
    ) -> TicketView:
        ticket = self._visible(principal, ticket_id)
        changes = TicketChanges(
            subject=request.subject,
            status=request.status,
            priority=request.priority,
            intent=request.intent,
            organization_id=None
            if request.organization is None
            else resolve_organization(principal, state, request.organization).id,
        )
        if not changes.fields():
            raise InvalidInput(
                "nothing to change: send status, priority, intent, subject or organization"
            )
        updated = self.store.update(ticket.id, changes, self.clock())
        self.index(ticket.id)
        return TicketView(**updated.model_dump(), messages=self.store.messages(ticket.id))

    def reply(
        self, principal: Principal, ticket_id: str, request: TicketReply, mailer: Mailer
    ) -> ReplySent:
        """Send a technician's answer to the requester, threaded, and record it."""
        ticket = self._visible(principal, ticket_id)
        if not ticket.requester_email:
            raise InvalidInput("this ticket has no requester address to reply to")
        messages = self.store.messages(ticket.id)
        inbound = [m for m in messages if m.direction == "inbound"]
        now = self.clock()
        message_id = new_message_id(sender_domain(self.support_address), "reply")
        subject = reply_subject(ticket.id, ticket.subject)
        raw = compose(
            sender=self.support_address,
            sender_name=self.support_name,
            to=ticket.requester_email,
            subject=subject,
            text=request.text,
            message_id=message_id,
            sent_at=now,
            in_reply_to=inbound[-1].message_id if inbound else None,
            references=[m.message_id for m in messages],
            auto_submitted=False,
        )
        mailer.send(raw, self.support_address, [ticket.requester_email])
        status: TicketStatus = request.status or ticket.status
        self.store.append(
            ticket.id,
            TicketMessage(
                message_id=message_id,
                direction="outbound",
                author_email=self.support_address,
                author_name=self.support_name,
                to=[ticket.requester_email],
                subject=subject,
                text=request.text.strip()[:MAX_TEXT_CHARS],
                sent_at=now,
                received_at=now,
                sent_by=principal.key_id,
            ),
            intake_key=None,
            status=status,
            outcome="outbound",
        )
        self.index(ticket.id)
        return ReplySent(
            ticket_id=ticket.id, message_id=message_id, to=[ticket.requester_email], status=status
        )


def classification_or_default(classification: Classification | None) -> Classification:
    return classification or Classification(
        intent="other", urgency="normal", confidence=0.0, method="rules"
    )
