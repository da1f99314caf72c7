"""Tickets: what email intake and the API create, thread and answer.

A ticket belongs to one organization (matched from the requester's address) or to
`unassigned`; it holds messages (inbound mail, replies sent from the API) and the
classification that triaged it. API bodies are bounded here, once.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

Intent = Literal[
    "password_reset",
    "access_request",
    "outage",
    "hardware",
    "software",
    "billing",
    "security_incident",
    "other",
]
INTENTS: tuple[Intent, ...] = (
    "password_reset",
    "access_request",
    "outage",
    "hardware",
    "software",
    "billing",
    "security_incident",
    "other",
)
Urgency = Literal["low", "normal", "high", "critical"]
URGENCIES: tuple[Urgency, ...] = ("low", "normal", "high", "critical")
TicketStatus = Literal["open", "pending", "resolved", "closed"]
Direction = Literal["inbound", "outbound"]
TicketSource = Literal["email", "api", "psa", "alert"]

UNASSIGNED = "unassigned"
TICKET_ID = re.compile(r"^T-[1-9][0-9]{0,11}$")
# Bounds on what the API accepts (email intake truncates to the same limits).
MAX_SUBJECT_CHARS = 500
MAX_TEXT_CHARS = 20_000
MAX_NAME_CHARS = 200
MAX_EMAIL_CHARS = 254
_EMAIL = re.compile(
    r"^[^@\s<>(),;:\"\[\]\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$"
)


def is_ticket_id(value: str) -> bool:
    return bool(TICKET_ID.match(value))


def valid_email(value: str) -> str:
    cleaned = value.strip().lower()
    if len(cleaned) > MAX_EMAIL_CHARS or not _EMAIL.match(cleaned) or ".." in cleaned:
        raise ValueError("not an email address")
    return cleaned


class Classification(BaseModel):
    intent: Intent
    urgency: Urgency
    confidence: float = Field(ge=0, le=1, description="the winning intent's margin, 0..1")
    method: Literal["embedding+rules", "rules"] = Field(
        description="'rules' when the embedder was unavailable"
    )
    rules: list[str] = Field(default_factory=list, description="explicit rules that fired")


class Attachment(BaseModel):
    filename: str
    content_type: str
    size: int
    sha256: str
    inline: bool = False
    content_id: str | None = None
    key: str = Field(description="S3 key in the mail bucket (tickets/attachments/...)")


class AuthenticationResults(BaseModel):
    """SES verdicts, as the receiving MTA wrote them (None: not present)."""

    spam: str | None = None
    virus: str | None = None
    spf: str | None = None
    dkim: str | None = None
    dmarc: str | None = None


class TicketMessage(BaseModel):
    message_id: str = Field(description="RFC 5322 Message-ID without angle brackets")
    direction: Direction
    author_email: str | None = None
    author_name: str | None = None
    to: list[str] = Field(default_factory=list)
    cc: list[str] = Field(default_factory=list)
    subject: str = ""
    text: str = Field(description="what was written: quoted replies and signatures trimmed")
    sent_at: datetime | None = None
    received_at: datetime
    attachments: list[Attachment] = Field(default_factory=list)
    mail_key: str | None = Field(default=None, description="raw MIME in the mail bucket")
    authentication: AuthenticationResults | None = None
    automated: bool = False
    sent_by: str | None = Field(default=None, description="API key id of an outbound reply")


class Ticket(BaseModel):
    id: str
    organization_id: str
    requester_email: str | None = None
    requester_name: str | None = None
    subject: str
    status: TicketStatus = "open"
    priority: Urgency = "normal"
    intent: Intent = "other"
    classification: Classification | None = None
    source: TicketSource = "email"
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime
    message_count: int = 0
    sender_unverified: bool = False
    labels: list[str] = Field(
        default_factory=list, description="e.g. alert, asset-not-documented (alert tickets)"
    )
    asset_id: str | None = Field(default=None, description="the record an alert was matched to")


class TicketView(Ticket):
    messages: list[TicketMessage] = Field(default_factory=list)


class TicketPage(BaseModel):
    tickets: list[Ticket]
    next_cursor: str | None = Field(
        default=None, description="pass as `cursor` for the next page; absent on the last"
    )


MailStatus = Literal["ticket_created", "threaded", "duplicate", "quarantined", "rejected"]


class MailOutcome(BaseModel):
    """What became of one inbound message (kept on its intake record, shown by the CLI)."""

    status: MailStatus
    ticket_id: str | None = None
    reason: str | None = None
    message_id: str | None = None
    organization_id: str | None = None
    intent: Intent | None = None
    priority: Urgency | None = None
    acknowledged: bool = False
    ack_skipped: str | None = Field(default=None, description="why no acknowledgement was sent")
    attachments: int = 0


# What claimed a Message-ID: a new ticket, a message threaded into one, a reply gluekb sent
# (or an acknowledgement, mapped so replies to it thread), a PSA note.
ClaimOutcome = Literal[
    "ticket_created", "threaded", "inbound", "outbound", "psa_note", "alert_note"
]


class MessageClaim(BaseModel):
    """A Message-ID gluekb received or sent, and the ticket it belongs to."""

    message_id: str
    ticket_id: str
    direction: Direction
    intake_key: str | None = Field(default=None, description="the delivery that claimed it")
    outcome: ClaimOutcome
    ack_state: Literal["claimed"] | None = None


IntakeStatus = Literal["received"] | MailStatus


class IntakeRecord(BaseModel):
    """One object SES wrote: received, then what became of it."""

    bucket: str
    key: str
    size: int = 0
    etag: str | None = None
    received_at: datetime
    status: IntakeStatus
    outcome: MailOutcome | None = None
    processed_at: datetime | None = None
    ticket_id: str | None = None

    @field_validator("outcome", mode="before")
    @classmethod
    def _stored_as_json(cls, value: object) -> object:
        return MailOutcome.model_validate_json(value) if isinstance(value, str) else value


class TicketChanges(BaseModel):
    """Fields of a ticket to set; those left None stay as they are."""

    subject: str | None = None
    status: TicketStatus | None = None
    priority: Urgency | None = None
    intent: Intent | None = None
    organization_id: str | None = None

    def fields(self) -> dict[str, str]:
        return self.model_dump(exclude_none=True)


# ---------------------------------------------------------------- API bodies
class _Strict(BaseModel):
    model_config = {"extra": "forbid"}


class TicketCreate(_Strict):
    organization: str = Field(min_length=1, max_length=200, description="organization id or name")
    requester_email: str = Field(min_length=3, max_length=MAX_EMAIL_CHARS)
    requester_name: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    subject: str = Field(min_length=1, max_length=MAX_SUBJECT_CHARS)
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    priority: Urgency | None = Field(default=None, description="default: classified")
    intent: Intent | None = Field(default=None, description="default: classified")

    @field_validator("requester_email")
    @classmethod
    def _email(cls, value: str) -> str:
        return valid_email(value)

    @field_validator("subject", "text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class TicketUpdate(_Strict):
    status: TicketStatus | None = None
    priority: Urgency | None = None
    intent: Intent | None = None
    subject: str | None = Field(default=None, min_length=1, max_length=MAX_SUBJECT_CHARS)
    organization: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="move the ticket to this organization (id or name), e.g. to assign it",
    )


class TicketReply(_Strict):
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    status: TicketStatus | None = Field(
        default="pending", description="status after the reply (default: pending, on customer)"
    )

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class ReplySent(BaseModel):
    ticket_id: str
    message_id: str
    to: list[str]
    status: TicketStatus


class SimilarTicket(BaseModel):
    ticket_id: str
    organization_id: str
    subject: str
    status: str | None = None
    intent: str | None = None
    priority: str | None = None
    updated_at: datetime | None = None
    score: float
    matched_by: list[str]
    snippet: str | None = Field(default=None, description="the closest message, matches marked")


class SimilarTickets(BaseModel):
    tickets: list[SimilarTicket]
    degraded: bool = Field(description="true when semantic search was unavailable (BM25 only)")
