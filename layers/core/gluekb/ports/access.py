"""The access ports: API keys that authenticate callers, and the audit log of what they did."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from gluekb.models.audit import AuditEntry, RevealGrant
from gluekb.models.auth import ApiKeyRecord


class ApiKeyVerifier(Protocol):
    def verify(self, key: str) -> ApiKeyRecord | None:
        """The key's record when the key is valid, unrevoked and unexpired; None otherwise."""


class AuditWriter(Protocol):
    def write(self, entry: AuditEntry) -> None:
        """Store the entry; raises (never returns quietly) if it could not be stored."""


class RevealGrants(Protocol):
    """One-time reveal links' grants. Every read is bound to the key that asked for the grant:
    another key finds nothing, exactly as if the grant did not exist."""

    def put(self, grant: RevealGrant) -> None:
        """Store a new grant (it expires by itself at `expires_at`)."""

    def peek(self, grant_id: str, key_id: str, now: datetime) -> RevealGrant | None:
        """The grant while it is unexpired, unused and the key's; None otherwise."""

    def consume(self, grant_id: str, key_id: str, now: datetime) -> RevealGrant | None:
        """Take the grant, atomically: one caller gets it, once, before it expires."""

    def revoke(self, grant_id: str, key_id: str) -> None:
        """Withdraw the key's grant (the person declined the link); nothing if it is gone."""
