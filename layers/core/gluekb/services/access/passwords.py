"""Passwords: metadata for anyone who may see the organization, the value only for a caller with
`passwords:reveal` who says why, and every reveal audited before the value leaves.

The value is fetched from IT Glue at the moment of the request (`show_password=true`): gluekb
never stores, indexes or caches it, and never logs it. A password of an organization the caller
may not see is answered exactly like a missing one.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Protocol

from pydantic import BaseModel, Field

from gluekb.errors import InvalidInput, NotFound
from gluekb.models.audit import AuditEntry, Via
from gluekb.models.auth import Principal
from gluekb.models.catalog import CatalogRecord
from gluekb.models.itglue import RevealedPassword
from gluekb.observability import build_logger
from gluekb.ports.access import AuditWriter
from gluekb.ports.catalog import CatalogReader

logger = build_logger(child=True)

NOT_FOUND = "password not found"
REVEAL_SCOPE = "passwords:reveal"
MAX_REASON = 500
_SOURCE_ID = re.compile(r"(?:itglue:passwords?:)?([0-9]{1,20})")


class PasswordSource(Protocol):
    """Where values come from: IT Glue (`ItGlueClient.reveal_password`)."""

    async def reveal_password(self, password_id: str) -> RevealedPassword: ...


class ItGlueReveals:
    """A PasswordSource that opens an IT Glue client only for a reveal: metadata-only answers
    never need IT Glue (or its key)."""

    def __init__(self, client: Callable[[], AbstractAsyncContextManager[PasswordSource]]) -> None:
        self.client = client

    async def reveal_password(self, password_id: str) -> RevealedPassword:
        async with self.client() as itglue:
            return await itglue.reveal_password(password_id)


class PasswordView(BaseModel):
    id: str
    organization_id: str
    name: str
    url: str | None = Field(description="the password's IT Glue page")
    username: str | None
    category: str | None
    login_url: str | None = Field(description="where the credential is used")
    belongs_to: str | None = Field(description="the asset the password is attached to, if any")
    revealed: bool
    value: str | None = Field(description="the password itself, only when revealed")
    note: str = Field(description="why the value is or is not included")
    audit_id: str | None = Field(default=None, description="the audit entry of this reveal")
    revealed_at: datetime | None = None


def password_source_id(reference: str) -> str:
    """`itglue:passwords:<id>` from that or a bare IT Glue id."""
    match = _SOURCE_ID.fullmatch(reference.strip())
    if match is None:
        raise InvalidInput(
            f"not a password id: {reference!r}; use the id search or get_record gives "
            "(itglue:passwords:<number>)"
        )
    return f"itglue:passwords:{match.group(1)}"


def readable_password(
    principal: Principal, catalog: CatalogReader, reference: str
) -> CatalogRecord:
    """The password record, for a caller that may read it; NotFound otherwise (a key that may
    not read records, or another tenant's password, learns nothing)."""
    if not (principal.has("search") or principal.has(REVEAL_SCOPE)):
        raise NotFound(NOT_FOUND)
    record = catalog.get(password_source_id(reference))
    if (
        record is None
        or record.resource_type != "passwords"
        or not principal.can_see(record.organization_id)
    ):
        raise NotFound(NOT_FOUND)
    return record


def metadata_view(record: CatalogRecord, *, note: str) -> PasswordView:
    """What anyone who may read the record sees: everything but the value."""
    fields = {f.name.lower(): f.value for f in record.fields}
    return PasswordView(
        id=record.source_id,
        organization_id=record.organization_id,
        name=record.name,
        url=record.url,
        username=fields.get("username"),
        category=fields.get("category"),
        login_url=fields.get("url"),
        belongs_to=fields.get("belongs to"),
        revealed=False,
        value=None,
        note=note,
    )


async def get_password(
    principal: Principal,
    catalog: CatalogReader,
    audit: AuditWriter,
    source: PasswordSource,
    reference: str,
    reason: str,
    via: Via,
) -> PasswordView:
    """A password's metadata, and its value when the caller may reveal it and gives a reason.

    The audit entry is written after IT Glue answers and before the value is returned: if the
    write fails, the value is not returned (a reveal without a trail does not happen)."""
    record = await asyncio.to_thread(readable_password, principal, catalog, reference)
    if not principal.has(REVEAL_SCOPE):
        return without_reveal_scope(principal, record)
    why = reveal_reason(reason)
    revealed = await source.reveal_password(record.record_id)
    if revealed.organization_id and revealed.organization_id != record.organization_id:
        raise NotFound(NOT_FOUND)  # the catalog and IT Glue disagree: reveal nothing
    entry = _audit_entry(principal, record, why, via)
    await asyncio.to_thread(audit.write, entry)
    logger.info(
        "password revealed",
        extra={"record_id": record.source_id, "key_id": principal.key_id, "audit": entry.audit_id},
    )
    view = metadata_view(record, note="revealed; this reveal is recorded in the audit log")
    return view.model_copy(
        update={
            "revealed": True,
            "value": revealed.value.get_secret_value(),
            "audit_id": entry.audit_id,
            "revealed_at": entry.at,
        }
    )


def without_reveal_scope(principal: Principal, record: CatalogRecord) -> PasswordView:
    """The metadata, and why there is no value, for a key without the reveal scope."""
    logger.info(
        "password reveal refused: scope",
        extra={"record_id": record.source_id, "key_id": principal.key_id},
    )
    return metadata_view(
        record,
        note=f"value not revealed: this API key lacks the '{REVEAL_SCOPE}' scope "
        "(metadata only). Ask an administrator for a key with that scope if you need it.",
    )


def reveal_reason(reason: str) -> str:
    """The caller's reason, on one line; refused when empty or too long."""
    why = " ".join(reason.split())
    if not why:
        raise InvalidInput(
            "a reason is required to reveal a password: say why it is needed (for example the "
            "ticket or task); the reason is kept in the audit log"
        )
    if len(why) > MAX_REASON:
        raise InvalidInput(f"the reason is longer than {MAX_REASON} characters")
    return why


def _audit_entry(principal: Principal, record: CatalogRecord, why: str, via: Via) -> AuditEntry:
    return AuditEntry(
        audit_id=uuid.uuid4().hex,
        action="password.reveal",
        at=datetime.now(UTC),
        key_id=principal.key_id,
        key_name=principal.name,
        organization_id=record.organization_id,
        record_id=record.source_id,
        record_name=record.name,
        reason=why,
        via=via,
    )
