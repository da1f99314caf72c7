"""The raw records' ports: each record exactly as IT Glue returned it (never a password value),
and the ids an unfinished full listing has seen so far.

A record's content hash is the SHA-256 of its canonical JSON: the bytes stored are the bytes
hashed, so an unchanged record is recognised without reading it back."""

from __future__ import annotations

import hashlib
import json
from typing import Protocol

from pydantic import JsonValue

RawRecord = dict[str, JsonValue]


def canonical_json(record: JsonValue) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(record: JsonValue) -> str:
    return hashlib.sha256(canonical_json(record)).hexdigest()


class RawRecords(Protocol):
    def key_for(self, organization_id: str, resource_type: str, record_id: str) -> str: ...

    def put(self, key: str, record: RawRecord, digest: str) -> None: ...

    def delete(self, key: str) -> None:
        """Deleting a missing record is a no-op."""

    def keys(self, organization_id: str) -> list[str]:
        """Every stored key of an organization (a purge removes them all)."""


class RawReader(Protocol):
    def get(self, key: str) -> RawRecord:
        """The stored JSON; NotFound when there is none."""


class ListingLog(Protocol):
    """Ids seen by a full listing, page by page, until the listing completes."""

    def record_page(
        self, organization_id: str, resource_type: str, run_id: str, page: int, ids: list[str]
    ) -> None: ...

    def seen(self, organization_id: str, resource_type: str, run_id: str) -> set[str]: ...

    def clear(self, organization_id: str, resource_type: str, run_id: str) -> None: ...


class RawRecordReader(Protocol):
    def get(self, key: str) -> RawRecord:
        """The record stored at `key`; NotFound when there is none."""
