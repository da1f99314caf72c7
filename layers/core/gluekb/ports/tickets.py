"""The tickets table's port: tickets, their messages, the Message-ID map and intake records.

Writes that claim a Message-ID are conditional: a second claim of the same Message-ID raises
`MessageAlreadyRecorded` with the first claim, so a delivery is idempotent however often (and
however concurrently) it arrives.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from gluekb.errors import Conflict
from gluekb.models.tickets import (
    ClaimOutcome,
    Direction,
    Intent,
    MailOutcome,
    MessageClaim,
    Ticket,
    TicketChanges,
    TicketMessage,
    TicketStatus,
)


class MessageAlreadyRecorded(Conflict):
    """The Message-ID was claimed before (a duplicate delivery, or another intake of it)."""

    def __init__(self, message_id: str, claim: MessageClaim | None) -> None:
        super().__init__(f"message {message_id} was already recorded")
        self.claim = claim


class TicketRepository(Protocol):
    # ------------------------------------------------------------ tickets
    def allocate_id(self) -> str:
        """A new ticket id (T-1001, ...)."""

    def get(self, ticket_id: str) -> Ticket | None: ...

    def messages(self, ticket_id: str) -> list[TicketMessage]:
        """A ticket's messages, oldest first."""

    def create(self, ticket: Ticket, message: TicketMessage, *, intake_key: str | None) -> None:
        """The ticket and its first message, claiming the message's Message-ID (atomic)."""

    def append(
        self,
        ticket_id: str,
        message: TicketMessage,
        *,
        intake_key: str | None,
        status: TicketStatus | None = None,
        outcome: ClaimOutcome = "threaded",
    ) -> None:
        """Add a message to a ticket, claiming its Message-ID (atomic). Raises
        MessageAlreadyRecorded for a duplicate, NotFound for a missing ticket."""

    def update(self, ticket_id: str, changes: TicketChanges, updated_at: datetime) -> Ticket:
        """Set fields of a ticket; NotFound when there is none."""

    def list_tickets(
        self,
        organizations: Sequence[str],
        *,
        limit: int = 50,
        cursor: str | None = None,
        status: TicketStatus | None = None,
        intent: Intent | None = None,
    ) -> tuple[list[Ticket], str | None]:
        """A page of these organizations' tickets, newest first, and the next page's cursor."""

    # ------------------------------------------------------------ the Message-ID map
    def message_claim(self, message_id: str) -> MessageClaim | None: ...

    def tickets_for_message_ids(self, message_ids: Sequence[str]) -> dict[str, str]:
        """Message-ID -> ticket id, for those gluekb has seen (received or sent)."""

    def map_message_id(
        self, message_id: str, ticket_id: str, direction: Direction = "outbound"
    ) -> bool:
        """Remember a Message-ID gluekb sent, so replies to it thread."""

    def claim_ack(self, message_id: str) -> bool:
        """True once per received message: at most one acknowledgement, across retries."""

    def count_ack(self, sender: str, now: datetime, limit: int) -> bool:
        """Count one acknowledgement to `sender` this hour; False once `limit` were."""

    # ------------------------------------------------------------ intake records
    def intake_outcome(self, bucket: str, key: str) -> MailOutcome | None:
        """The outcome of a delivered object, once it has one."""

    def begin_intake(
        self, bucket: str, key: str, size: int, etag: str | None, received_at: datetime
    ) -> None: ...

    def finish_intake(
        self, bucket: str, key: str, outcome: MailOutcome, processed_at: datetime
    ) -> None: ...
