"""Source documents: what producers (the IT Glue sync, email intake, webhooks) hand to the index.

Producers render their records into one of four shapes; the worker chunks each shape its own way
(`gluekb.services.indexing.chunking`) and never needs to know where a document came from:

- `record`:       an IT Glue configuration, flexible asset, contact, ... → a record card + notes
- `article`:      a document with sections and headings (HTML or text) → section-aware chunks
- `conversation`: a ticket or an email thread → one chunk per message
- `file`:         a file from a docs repository (Markdown, reStructuredText, text, code)

Password values never enter a source document: a password is a record of its metadata.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

DocumentKind = Literal["record", "article", "conversation", "file"]


class RecordField(BaseModel):
    name: str
    value: str


class Section(BaseModel):
    heading: str | None = None
    level: int = 1
    html: str | None = None
    text: str | None = None


class Message(BaseModel):
    author: str | None = None
    sent_at: datetime | None = None
    subject: str | None = None
    text: str


class RelatedItem(BaseModel):
    source_id: str
    name: str
    relation: str = Field(description="e.g. 'tagged in Email: Exchange' or 'related item'")


class SourceDocument(BaseModel):
    source_id: str = Field(min_length=1, max_length=512)
    organization_id: str = Field(min_length=1, max_length=64)
    source_type: str = Field(min_length=1, max_length=64)
    kind: DocumentKind
    title: str = Field(max_length=1000)
    url: str | None = None
    updated_at: datetime | None = None
    fields: list[RecordField] = Field(default_factory=list)
    notes: str | None = None
    sections: list[Section] = Field(default_factory=list)
    messages: list[Message] = Field(default_factory=list)
    path: str | None = None
    language: str | None = None
    content: str | None = None
    identifiers: dict[str, list[str]] = Field(default_factory=dict)
    related: list[RelatedItem] = Field(default_factory=list)
    metadata: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _shape_matches_kind(self) -> SourceDocument:
        if self.kind == "file" and self.content is None:
            raise ValueError("a file document needs content")
        return self

    def content_hash(self) -> str:
        """Changes whenever anything that reaches the index changes."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


class IndexJob(BaseModel):
    """One message on the index queue: index (or remove) one source."""

    op: Literal["upsert", "delete"]
    source_id: str = Field(min_length=1, max_length=512)
    organization_id: str = Field(min_length=1, max_length=64)
    # Small documents travel inline; large ones are stored in the raw bucket and referenced.
    document: SourceDocument | None = None
    document_key: str | None = None
    content_hash: str | None = None
    enqueued_at: datetime

    @model_validator(mode="after")
    def _upsert_has_a_document(self) -> IndexJob:
        if self.op == "upsert" and self.document is None and self.document_key is None:
            raise ValueError("an upsert needs a document or a document_key")
        if self.document is not None and self.document.source_id != self.source_id:
            raise ValueError("document.source_id differs from the job's source_id")
        return self
