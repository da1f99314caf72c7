"""What intake does with a message before reading its body, and whether it may answer it.

Verdicts (SES's headers, when present):
- virus FAIL        -> quarantined (moved to quarantine/, never parsed further, never a ticket)
- spam FAIL         -> rejected
- DMARC FAIL, or SPF and DKIM both FAIL -> the sender is unverified: a ticket, but unassigned
  (a forged From must not file mail under a customer) and never acknowledged
Automated mail:
- a bounce (mailer-daemon/postmaster, null return path, multipart/report) -> rejected
- an auto-reply (Auto-Submitted: auto-replied, X-Autoreply, "Automatic reply:") is added to
  the ticket it answers, otherwise rejected; other automated mail (monitoring alerts) is a
  ticket, never acknowledged.

Loop safety: an acknowledgement is never sent to automated mail (Auto-Submitted other than
`no`, Precedence bulk/list/junk, mailing lists, auto-reply headers), to mailer-daemons,
postmasters and no-reply senders, to gluekb's own addresses, to an unverified sender, or more
than N times per sender per hour (a counter with a TTL, see `TicketStore.count_ack`).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from gluekb.models.mail import MailHeaders

_NO_REPLY_LOCAL = re.compile(
    r"^(mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?|bounce[-+].*|"
    r"notifications?|auto[-_.]?reply|daemon|listserv|majordomo|owner-.+|.+-request|.+-bounces)$",
    re.IGNORECASE,
)
_BOUNCE_LOCAL = re.compile(r"^(mailer-daemon|postmaster|mail-daemon)$", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliverable|undelivered mail|delivery status notification|mail delivery "
    r"(failed|failure|subsystem)|returned mail|delivery failure|failure notice|non-delivery)",
    re.IGNORECASE,
)
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(matic)?[- ]?reply|out of (the )?office|abwesenheitsnotiz|"
    r"réponse automatique|autosvar|auto:)",
    re.IGNORECASE,
)


VerdictAction = Literal["accept", "quarantine", "reject"]


@dataclass(frozen=True)
class Verdict:
    action: VerdictAction
    reason: str | None = None


def screen(headers: MailHeaders) -> Verdict:
    """Quarantine or reject on SES's verdicts and on bounces; everything else is read."""
    auth = headers.authentication
    if auth.virus == "FAIL":
        return Verdict("quarantine", "virus verdict FAIL (X-SES-Virus-Verdict)")
    if auth.spam == "FAIL":
        return Verdict("reject", "spam verdict FAIL (X-SES-Spam-Verdict)")
    if is_bounce(headers):
        return Verdict("reject", "bounce: a delivery status notification, not a request")
    return Verdict("accept")


def sender_unverified(headers: MailHeaders) -> bool:
    auth = headers.authentication
    return auth.dmarc == "FAIL" or (auth.spf == "FAIL" and auth.dkim == "FAIL")


def is_bounce(headers: MailHeaders) -> bool:
    local = (headers.from_email or "").partition("@")[0]
    return (
        bool(_BOUNCE_LOCAL.match(local))
        or (headers.content_type == "multipart/report" and headers.report_type == "delivery-status")
        or (headers.null_return_path and bool(_BOUNCE_SUBJECT.match(headers.subject)))
    )


def is_auto_reply(headers: MailHeaders) -> bool:
    return (
        headers.auto_submitted == "auto-replied"
        or headers.auto_reply_header
        or bool(_AUTO_REPLY_SUBJECT.match(headers.subject))
    )


def is_automated(headers: MailHeaders) -> bool:
    return (
        (headers.auto_submitted is not None and headers.auto_submitted != "no")
        or headers.precedence in ("bulk", "list", "junk")
        or headers.mailing_list
        or is_auto_reply(headers)
        or headers.null_return_path
    )


def ack_refusal(headers: MailHeaders, own_addresses: Collection[str]) -> str | None:
    """Why no acknowledgement may be sent to this message (None: one may, rate permitting)."""
    sender = headers.from_email
    if not sender:
        return "no usable sender address"
    if sender.lower() in {a.lower() for a in own_addresses}:
        return "sent from one of our own addresses"
    if sender_unverified(headers):
        return "sender failed SPF/DKIM/DMARC"
    if headers.auto_submitted is not None and headers.auto_submitted != "no":
        return f"Auto-Submitted: {headers.auto_submitted}"
    if headers.precedence in ("bulk", "list", "junk"):
        return f"Precedence: {headers.precedence}"
    if headers.mailing_list:
        return "mailing list (List-Id / List-Unsubscribe)"
    if is_auto_reply(headers):
        return "auto-reply"
    if headers.null_return_path:
        return "null return path"
    if is_no_reply(sender):
        return "no-reply or daemon sender"
    return None


def is_no_reply(address: str) -> bool:
    return bool(_NO_REPLY_LOCAL.match(address.partition("@")[0]))
