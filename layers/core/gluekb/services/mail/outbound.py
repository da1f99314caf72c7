"""Mail gluekb sends (acknowledgements, technicians' replies): composed here as MIME, with the
threading headers mail clients use (In-Reply-To, References) and the ticket token in the
subject, so the customer's answer finds its ticket whichever way their client threads."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from gluekb.services.mail.text import strip_subject_prefixes, tag_subject

MAX_REFERENCES = 20  # RFC 5322 allows trimming; keep the first and the most recent


def new_message_id(domain: str, purpose: str) -> str:
    return f"gluekb.{purpose}.{secrets.token_hex(12)}@{domain}"


def sender_domain(address: str) -> str:
    return address.rpartition("@")[2] or "gluekb.invalid"


def references_chain(message_ids: Sequence[str]) -> list[str]:
    unique = list(dict.fromkeys(m for m in message_ids if m))
    if len(unique) <= MAX_REFERENCES:
        return unique
    return [unique[0], *unique[-(MAX_REFERENCES - 1) :]]


def reply_subject(ticket_id: str, subject: str) -> str:
    return "Re: " + tag_subject(ticket_id, strip_subject_prefixes(subject) or "(no subject)")


def compose(
    *,
    sender: str,
    sender_name: str,
    to: str,
    subject: str,
    text: str,
    message_id: str,
    sent_at: datetime,
    in_reply_to: str | None,
    references: Sequence[str],
    auto_submitted: bool,
) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = formataddr((sender_name, sender))
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
    chain = references_chain(references)
    if chain:
        message["References"] = " ".join(f"<{m}>" for m in chain)
    if auto_submitted:
        # RFC 3834: an automatic answer says so, and asks other robots not to answer it.
        message["Auto-Submitted"] = "auto-replied"
        message["X-Auto-Response-Suppress"] = "All"
        message["Precedence"] = "bulk"
    message.set_content(text)
    return message.as_bytes()


def acknowledgement_text(ticket_id: str, subject: str, articles: Sequence[str]) -> str:
    lines = [
        "Hello,",
        "",
        f"we have received your request and opened ticket {ticket_id}:",
        f"  {strip_subject_prefixes(subject) or '(no subject)'}",
        "",
        "A technician will get back to you. To add information, reply to this email and keep",
        f"[#{ticket_id}] in the subject.",
    ]
    if articles:
        lines += ["", "These articles may already help:"]
        lines += [f"  - {title}" for title in articles]
    lines += ["", "-- ", "Your service desk (this message was sent automatically)"]
    return "\n".join(lines)
