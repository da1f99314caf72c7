"""The payload port: source documents too large to travel inside a queue message."""

from __future__ import annotations

from typing import Protocol

from gluekb.models.documents import SourceDocument

INLINE_LIMIT_BYTES = 200_000  # SQS takes 256 KiB per message; leave room for the envelope


class DocumentStore(Protocol):
    def put(self, document: SourceDocument) -> str:
        """Store the document; returns the key an index job carries instead of it."""
