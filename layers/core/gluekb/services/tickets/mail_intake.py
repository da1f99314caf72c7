"""Inbound mail: from the object SES wrote to what became of it.

For one S3 object under `inbound/`:
1. its intake record: an object already processed is a duplicate delivery and is not redone;
2. the headers: SES's verdicts (virus -> quarantined; spam -> rejected), bounces (rejected);
3. duplicate by Message-ID (the same mail delivered under another key): not a second ticket;
4. threading (In-Reply-To, References, `[#T-123]`), else a new ticket; auto-replies only thread;
5. the body, streamed: attachments to S3 (size, type, SHA-256), text trimmed of quotes and
   signatures; the sender's organization; intent and urgency;
6. the ticket write, one conditional transaction (idempotent under redelivery and races);
7. the index job, and an acknowledgement when it is a new ticket and loop safety allows.

The outcome is kept on the intake record (`gluekb email send` reads it there).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING

from gluekb.errors import GluekbError, PayloadTooLarge
from gluekb.models.mail import MailContent, MailHeaders
from gluekb.models.tickets import (
    MAX_SUBJECT_CHARS,
    MAX_TEXT_CHARS,
    UNASSIGNED,
    Attachment,
    MailOutcome,
    MessageClaim,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from gluekb.observability import logger
from gluekb.ports.mail import Mailer, MailObjectMissing, MailObjects
from gluekb.ports.tickets import MessageAlreadyRecorded
from gluekb.services.mail import policy as mail_policy
from gluekb.services.mail.outbound import (
    acknowledgement_text,
    compose,
    new_message_id,
    reply_subject,
    sender_domain,
)
from gluekb.services.mail.parsing import read_content, read_headers, read_message
from gluekb.services.mail.text import is_forward_subject, strip_subject_prefixes, trim_reply
from gluekb.services.tickets.desk import TicketDesk
from gluekb.services.tickets.related_articles import RelatedArticles
from gluekb.services.tickets.sender_organizations import OrganizationMatcher
from gluekb.services.tickets.thread_matching import ThreadMatch, find_thread

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


@dataclass
class IntakePolicy:
    support_address: str
    own_addresses: Collection[str] = ()
    max_message_bytes: int = 40 * 1024 * 1024
    ack_enabled: bool = True
    ack_max_per_sender_per_hour: int = 5
    trusted_authserv_id: str = "amazonses.com"

    @property
    def ours(self) -> set[str]:
        return {self.support_address.lower(), *(a.lower() for a in self.own_addresses)}


@dataclass(frozen=True)
class _Route:
    """Where a message goes: its sender's organization, and the ticket it continues."""

    sender_organization: str | None
    unverified: bool
    forwarded: bool
    thread: ThreadMatch | None


@dataclass
class MailIntake:
    """Everything intake needs, built once per execution environment and passed in."""

    desk: TicketDesk
    mail: MailObjects
    organizations: OrganizationMatcher
    mailer: Mailer
    policy: IntakePolicy
    articles: RelatedArticles | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def process(self, bucket: str, key: str, size: int = 0, etag: str | None = None) -> MailOutcome:
        store = self.desk.store
        done = store.intake_outcome(bucket, key)
        if done is not None:
            logger.info("duplicate delivery of an object already processed", extra={"key": key})
            return done
        store.begin_intake(bucket, key, size, etag, self.clock())
        outcome = self._decide(bucket, key, size)
        store.finish_intake(bucket, key, outcome, self.clock())
        logger.info(
            "inbound mail processed",
            extra={
                "key": key,
                "status": outcome.status,
                "ticket_id": outcome.ticket_id,
                "reason": outcome.reason,
            },
        )
        return outcome

    # ------------------------------------------------------------ the decision
    def _decide(self, bucket: str, key: str, size: int) -> MailOutcome:
        message = self._read(bucket, key, size)
        if isinstance(message, MailOutcome):
            return message
        fallback = f"{hashlib.sha256(f'{bucket}/{key}'.encode()).hexdigest()[:32]}@gluekb.invalid"
        headers = read_headers(
            message, fallback_id=fallback, trusted_authserv_id=self.policy.trusted_authserv_id
        )
        refused = self._screen(headers, bucket, key)
        if refused is not None:
            return refused
        intake_key = f"{bucket}/{key}"
        claim = self.desk.store.message_claim(headers.message_id)
        if claim is not None:
            return self._already_recorded(claim, intake_key, headers)
        route = self._route(headers)
        if route.thread is None and mail_policy.is_auto_reply(headers):
            return MailOutcome(
                status="rejected",
                reason="auto-reply that answers no known ticket",
                message_id=headers.message_id,
            )
        content = self._content(message, headers)
        del message  # the parsed tree (attachments already released) is no longer needed
        return self._file(headers, content, route, intake_key, key)

    def _read(self, bucket: str, key: str, size: int) -> EmailMessage | MailOutcome:
        """The parsed message, or why it cannot be read."""
        if size > self.policy.max_message_bytes:
            return MailOutcome(status="rejected", reason=f"message too large ({size} bytes)")
        try:
            return read_message(self.mail.read_chunks(bucket, key), self.policy.max_message_bytes)
        except (MailObjectMissing, PayloadTooLarge) as exc:
            return MailOutcome(status="rejected", reason=exc.message)

    def _screen(self, headers: MailHeaders, bucket: str, key: str) -> MailOutcome | None:
        """Quarantine or reject on SES's verdicts and on bounces (None: read on)."""
        verdict = mail_policy.screen(headers)
        if verdict.action == "quarantine":
            target = self.mail.quarantine(bucket, key)
            return MailOutcome(
                status="quarantined",
                reason=f"{verdict.reason}; kept at {target}",
                message_id=headers.message_id,
            )
        if verdict.action == "reject":
            return MailOutcome(
                status="rejected", reason=verdict.reason, message_id=headers.message_id
            )
        return None

    def _route(self, headers: MailHeaders) -> _Route:
        unverified = mail_policy.sender_unverified(headers)
        sender_org = None if unverified else self.organizations.match(headers.from_email)
        forwarded = is_forward_subject(headers.subject)
        thread = find_thread(
            headers, self.desk.store, sender_organization=sender_org, forwarded=forwarded
        )
        return _Route(sender_org, unverified, forwarded, thread)

    def _content(self, message: EmailMessage, headers: MailHeaders) -> MailContent:
        """The body text, and the attachments stored as they are read."""
        message_hash = hashlib.sha256(headers.message_id.encode("utf-8", "replace")).hexdigest()

        def store(
            index: int, name: str, kind: str, data: bytes | bytearray, inline: bool, cid: str | None
        ) -> Attachment:
            return self.mail.put_attachment(message_hash, index, name, kind, data, inline, cid)

        return read_content(message, store)

    def _file(
        self,
        headers: MailHeaders,
        content: MailContent,
        route: _Route,
        intake_key: str,
        key: str,
    ) -> MailOutcome:
        """The message onto the ticket it continues, or a new ticket."""
        text = trim_reply(content.text, forwarded=route.forwarded)
        if not text and not headers.subject.strip() and not content.attachments:
            return MailOutcome(
                status="rejected",
                reason="empty message: no subject, no text, no attachments",
                message_id=headers.message_id,
            )
        inbound = self._message(headers, content, text, key)
        try:
            if route.thread is not None:
                outcome = self._thread(route.thread, inbound, intake_key, headers)
            else:
                outcome = self._create(inbound, intake_key, headers, route)
        except MessageAlreadyRecorded as exc:  # a concurrent delivery won the race
            return self._already_recorded(exc.claim, intake_key, headers)
        outcome.attachments = len(content.attachments)
        return outcome

    def _message(
        self, headers: MailHeaders, content: MailContent, text: str, key: str
    ) -> TicketMessage:
        return TicketMessage(
            message_id=headers.message_id,
            direction="inbound",
            author_email=headers.from_email,
            author_name=(headers.from_name or "")[:200] or None,
            to=headers.to,
            cc=headers.cc,
            subject=headers.subject[:MAX_SUBJECT_CHARS],
            text=text[:MAX_TEXT_CHARS],
            sent_at=headers.date,
            received_at=self.clock(),
            attachments=content.attachments,
            mail_key=key,
            authentication=headers.authentication,
            automated=mail_policy.is_automated(headers),
        )

    def _already_recorded(
        self, claim: MessageClaim | None, intake_key: str, headers: MailHeaders
    ) -> MailOutcome:
        ticket_id = claim.ticket_id if claim is not None else None
        if claim is not None and claim.intake_key == intake_key:
            # This very delivery committed before (then failed): finish its remaining steps.
            status = "threaded" if claim.outcome == "threaded" else "ticket_created"
            outcome = MailOutcome(status=status, ticket_id=ticket_id, message_id=headers.message_id)
            if ticket_id:
                self.desk.index(ticket_id)
                if status == "ticket_created":
                    ticket = self.desk.store.get(ticket_id)
                    if ticket is not None:
                        self._acknowledge(ticket, headers, outcome, None)
            return outcome
        return MailOutcome(
            status="duplicate",
            ticket_id=ticket_id,
            reason=f"Message-ID <{headers.message_id}> was already received",
            message_id=headers.message_id,
        )

    def _thread(
        self, thread: ThreadMatch, inbound: TicketMessage, intake_key: str, headers: MailHeaders
    ) -> MailOutcome:
        ticket = thread.ticket
        # A customer's answer puts the ticket back in the technicians' queue.
        status: TicketStatus | None = (
            "open" if ticket.status in ("pending", "resolved", "closed") else None
        )
        self.desk.store.append(ticket.id, inbound, intake_key=intake_key, status=status)
        self.desk.index(ticket.id)
        return MailOutcome(
            status="threaded",
            ticket_id=ticket.id,
            reason=f"threaded by {thread.by}",
            message_id=headers.message_id,
            organization_id=ticket.organization_id,
            intent=ticket.intent,
            priority=ticket.priority,
            ack_skipped="replies to an existing ticket are not acknowledged",
        )

    def _create(
        self,
        inbound: TicketMessage,
        intake_key: str,
        headers: MailHeaders,
        route: _Route,
    ) -> MailOutcome:
        subject = strip_subject_prefixes(headers.subject) or headers.subject
        vector = self.desk.classifier.embed_query(subject, inbound.text)
        classification = self.desk.classifier.classify(subject, inbound.text, vector)
        now = self.clock()
        ticket = Ticket(
            id=self.desk.store.allocate_id(),
            organization_id=route.sender_organization or UNASSIGNED,
            requester_email=headers.reply_to or headers.from_email,
            requester_name=inbound.author_name,
            subject=(headers.subject.strip() or "(no subject)")[:MAX_SUBJECT_CHARS],
            priority=classification.urgency,
            intent=classification.intent,
            classification=classification,
            source="email",
            created_at=now,
            updated_at=now,
            last_message_at=now,
            message_count=1,
            sender_unverified=route.unverified,
        )
        self.desk.store.create(ticket, inbound, intake_key=intake_key)
        self.desk.index(ticket.id, ticket, [inbound])
        outcome = MailOutcome(
            status="ticket_created",
            ticket_id=ticket.id,
            message_id=headers.message_id,
            organization_id=ticket.organization_id,
            intent=ticket.intent,
            priority=ticket.priority,
        )
        query = f"{subject}\n{inbound.text}"
        self._acknowledge(ticket, headers, outcome, (query, vector))
        return outcome

    # ------------------------------------------------------------ acknowledgement
    def _acknowledge(
        self,
        ticket: Ticket,
        headers: MailHeaders,
        outcome: MailOutcome,
        search: tuple[str, NDArray[np.float32] | None] | None,
    ) -> None:
        refusal = self._ack_refusal(ticket, headers)
        if refusal is not None:
            outcome.ack_skipped = refusal
            return
        recipient = ticket.requester_email
        assert recipient is not None  # a ticket without one was refused above
        articles: list[str] = []
        if self.articles is not None and search is not None:
            query, vector = search
            articles = self.articles.titles(ticket.organization_id, query, vector)
        support = self.policy.support_address
        message_id = new_message_id(sender_domain(support), "ack")
        raw = compose(
            sender=support,
            sender_name=self.desk.support_name,
            to=recipient,
            subject=reply_subject(ticket.id, headers.subject or ticket.subject),
            text=acknowledgement_text(ticket.id, ticket.subject, articles),
            message_id=message_id,
            sent_at=self.clock(),
            in_reply_to=headers.message_id,
            references=[*headers.references, headers.message_id],
            auto_submitted=True,
        )
        try:
            self.mailer.send(raw, support, [recipient])
        except GluekbError as exc:
            logger.warning("acknowledgement not sent", extra={"error": exc.message[:300]})
            outcome.ack_skipped = f"send failed: {exc.message[:200]}"
            return
        # Replies to the acknowledgement carry its Message-ID: map it to the ticket.
        self.desk.store.map_message_id(message_id, ticket.id)
        outcome.acknowledged = True
        outcome.ack_skipped = None
        if articles:
            outcome.reason = f"acknowledged with {len(articles)} related article(s)"

    def _ack_refusal(self, ticket: Ticket, headers: MailHeaders) -> str | None:
        """Why no acknowledgement may be sent (None: send one). Loop safety first; the last two
        checks claim the acknowledgement and count it against the sender's hourly limit."""
        if not self.policy.ack_enabled:
            return "acknowledgements are disabled"
        refusal = mail_policy.ack_refusal(headers, self.policy.ours)
        if refusal is not None:
            return refusal
        recipient = ticket.requester_email
        if (
            not recipient
            or recipient.lower() in self.policy.ours
            or mail_policy.is_no_reply(recipient)
        ):
            return "no usable reply address"
        if not self.desk.store.claim_ack(headers.message_id):
            return "already acknowledged"
        limit = self.policy.ack_max_per_sender_per_hour
        if not self.desk.store.count_ack(recipient, self.clock(), limit):
            return f"rate limit: {limit} per sender per hour"
        return None
