"""The access ports: API keys that authenticate callers, and the audit log of what they did."""

from __future__ import annotations

from typing import Protocol

from gluekb.models.audit import AuditEntry
from gluekb.models.auth import ApiKeyRecord


class ApiKeyVerifier(Protocol):
    def verify(self, key: str) -> ApiKeyRecord | None:
        """The key's record when the key is valid, unrevoked and unexpired; None otherwise."""


class AuditWriter(Protocol):
    def write(self, entry: AuditEntry) -> None:
        """Store the entry; raises (never returns quietly) if it could not be stored."""
