"""Which ticket an inbound message continues, if any.

In order: the In-Reply-To message, then References from the newest back (Message-IDs gluekb
received or sent, kept in the tickets table), then a `[#T-123]` token in the subject. A token
is only honoured from the ticket's requester or from a sender of the ticket's organization:
anyone can type a token, and it must not let them write into another customer's ticket.
Forwarded mail (Fwd:) always starts a new ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gluekb.models.mail import MailHeaders
from gluekb.models.tickets import UNASSIGNED, Ticket
from gluekb.ports.tickets import TicketRepository
from gluekb.services.mail.text import subject_token

ThreadedBy = Literal["in-reply-to", "references", "subject-token"]


@dataclass(frozen=True)
class ThreadMatch:
    ticket: Ticket
    by: ThreadedBy


def find_thread(
    headers: MailHeaders,
    store: TicketRepository,
    *,
    sender_organization: str | None,
    forwarded: bool,
) -> ThreadMatch | None:
    if forwarded:
        return None
    referenced = [*headers.in_reply_to, *reversed(headers.references)]
    referenced = [m for m in dict.fromkeys(referenced) if m != headers.message_id]
    if referenced:
        tickets = store.tickets_for_message_ids(referenced)
        for message_id in referenced:
            ticket_id = tickets.get(message_id)
            if ticket_id is None:
                continue
            ticket = store.get(ticket_id)
            if ticket is not None:
                by: ThreadedBy = (
                    "in-reply-to" if message_id in headers.in_reply_to else "references"
                )
                return ThreadMatch(ticket, by)
    token = subject_token(headers.subject)
    if token is None:
        return None
    ticket = store.get(token)
    if ticket is None:
        return None
    sender = (headers.from_email or "").lower()
    same_requester = bool(sender) and sender == (ticket.requester_email or "").lower()
    same_organization = (
        sender_organization is not None
        and sender_organization != UNASSIGNED
        and sender_organization == ticket.organization_id
    )
    if same_requester or same_organization:
        return ThreadMatch(ticket, "subject-token")
    return None
