"""An inbound message as email intake sees it, after MIME parsing (no I/O in here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from gluekb.models.tickets import Attachment, AuthenticationResults


@dataclass
class MailHeaders:
    """What intake decides on, read once from the headers (every value already decoded)."""

    message_id: str  # without angle brackets; synthesized when the message has none
    message_id_synthesized: bool
    subject: str
    from_email: str | None
    from_name: str | None
    reply_to: str | None
    to: list[str]
    cc: list[str]
    date: datetime | None
    in_reply_to: list[str]
    references: list[str]
    authentication: AuthenticationResults
    auto_submitted: str | None  # the token, lower case ("auto-replied", ...)
    precedence: str | None
    null_return_path: bool
    mailing_list: bool  # List-Id / List-Unsubscribe
    auto_reply_header: bool  # X-Autoreply, X-Autorespond, X-Auto-Response-Suppress: OOF/All
    content_type: str
    report_type: str | None  # multipart/report; report-type=...
    defects: int = 0


@dataclass
class MailContent:
    text: str  # readable text of the body (HTML converted), untrimmed
    html_only: bool
    attachments: list[Attachment] = field(default_factory=list)
    truncated: bool = False
