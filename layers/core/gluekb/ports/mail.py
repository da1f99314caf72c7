"""The mail ports: the bucket SES writes inbound mail to, and sending mail."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from gluekb.errors import NotFound
from gluekb.models.tickets import Attachment


class MailObjectMissing(NotFound):
    """The object an S3 event names is gone (deleted, or expired): nothing to process."""


class MailObjects(Protocol):
    def read_chunks(self, bucket: str, key: str) -> Iterator[bytes]:
        """The object's bytes in chunks, streamed. MailObjectMissing when it is gone."""

    def put_attachment(
        self,
        message_hash: str,
        index: int,
        filename: str,
        content_type: str,
        data: bytes | bytearray,
        inline: bool,
        content_id: str | None,
    ) -> Attachment:
        """Store one attachment under a key fixed by the message and position."""

    def quarantine(self, bucket: str, key: str) -> str:
        """Move a message aside, never to be parsed; returns where it went."""


class Mailer(Protocol):
    def send(self, raw: bytes, source: str, destinations: Sequence[str]) -> str:
        """Send a complete MIME message; returns the provider's message id."""
