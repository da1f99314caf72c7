"""What the search index stores and returns: chunks of source records, and hits.

A *source* is one thing gluekb knows (an IT Glue record, a ticket, a file in a docs repo); it is
split into *chunks*, each embedded and indexed. A source is always written as a whole: replacing
it replaces all of its chunks in one transaction, so a retry never duplicates and a crash never
leaves half a source.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# Identifier kinds looked up exactly (keyword fields), normalised to lower case.
IdentifierKind = Literal["ip", "hostname", "serial", "mac", "domain", "email", "asset_tag"]


class Chunk(BaseModel):
    model_config = ConfigDict(frozen=True)

    chunk_id: str = Field(description="unique: '<source_id>#<position>'")
    source_id: str = Field(
        description="e.g. itglue:configuration:123, ticket:T-42, git:<repo>:<path>"
    )
    organization_id: str
    source_type: str = Field(description="configuration, flexible_asset, document, ticket, ...")
    title: str
    text: str
    url: str | None = None
    updated_at: datetime | None = None
    position: int = 0
    identifiers: dict[str, list[str]] = Field(default_factory=dict)
    metadata: dict[str, str] = Field(default_factory=dict)
    content_hash: str = Field(description="sha256 of what is embedded (title + text)")

    @staticmethod
    def hash_content(title: str, text: str) -> str:
        return hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()

    @property
    def document_title(self) -> str:
        """The source's own title, without the folders before it or the headings after it in
        `title` (chunks indexed before `document_title` was kept start with it)."""
        return self.metadata.get("document_title") or self.title.split(" > ")[0]

    @property
    def folder(self) -> str | None:
        """An IT Glue document's folder path ("Servers > Runbooks"); None at the root."""
        return self.metadata.get("folder_path") or None


class SearchHit(BaseModel):
    chunk: Chunk
    score: float
    matched_by: list[Literal["exact", "bm25", "knn"]]
    snippet: str | None = Field(default=None, description="text with matches wrapped in <mark>")


class ReplaceSource(BaseModel):
    """Make the index hold exactly these chunks for the source (none: the source is removed)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    kind: Literal["replace"] = "replace"
    source_id: str
    organization_id: str
    source_hash: str = Field(description="hash over all chunk hashes; unchanged means skip")
    chunks: list[Chunk]
    # One normalised float32 vector per chunk, in order (numpy array of shape (n, dim)).
    embeddings: object


class DeleteSource(BaseModel):
    kind: Literal["delete"] = "delete"
    source_id: str
    organization_id: str


IndexOperation = ReplaceSource | DeleteSource
