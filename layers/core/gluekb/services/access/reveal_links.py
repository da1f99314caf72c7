"""One-time reveal links: a password's value shown to a person in the console, never to the model
of the assistant that asked for it.

An assistant's `get_password` (scope `passwords:reveal` and a reason, as for any reveal) gets a
link to the console instead of the value. The link is:

- single-use and short-lived: its grant is consumed atomically on redemption, and expires after
  `ttl_s` (5 minutes by default);
- bound to the API key that asked and to the record: only a console session signed in with that
  same key redeems it, for that password only (another key is told what an expired link says);
- free of secrets: it carries a random token (256 bits), never the API key, and the store keeps
  only the token's SHA-256, so a leaked table or log line holds no usable link.

Redeeming it is an ordinary reveal: the session needs `passwords:reveal`, the value is fetched
from IT Glue at that moment, and the audit entry (the reason the assistant gave, `via:
mcp_link`) is written before the value is shown.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from gluekb.errors import Forbidden, NotFound
from gluekb.models.audit import RevealGrant
from gluekb.models.auth import Principal
from gluekb.models.catalog import CatalogRecord
from gluekb.observability import build_logger
from gluekb.ports.access import AuditWriter, RevealGrants
from gluekb.ports.catalog import CatalogReader
from gluekb.services.access.passwords import (
    NOT_FOUND,
    REVEAL_SCOPE,
    PasswordSource,
    PasswordView,
    get_password,
    reveal_reason,
)

logger = build_logger(child=True)

REVEAL_PATH = "/console/reveal/"
LINK_INVALID = (
    "this reveal link cannot be used: it expired, was already used, or was made for another "
    "API key. Sign in with the key the assistant uses, or ask the assistant for a new link"
)
_TOKEN_BYTES = 32
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


class RevealLink(BaseModel):
    grant_id: str
    url: str
    expires_at: datetime


def grant_id_of(token: str) -> str:
    """The grant a link's token names (the store never sees the token itself)."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


async def issue_reveal_link(
    principal: Principal,
    record: CatalogRecord,
    grants: RevealGrants,
    console_url: str,
    reason: str,
    *,
    ttl_s: int,
    clock: Clock = _now,
) -> RevealLink:
    """A one-time console link revealing one password (`record`, read with
    `readable_password`) to the key's own session. The checks of a reveal: the record visible
    to the key, the reveal scope, a reason."""
    if record.resource_type != "passwords" or not principal.can_see(record.organization_id):
        raise NotFound(NOT_FOUND)
    if not principal.has(REVEAL_SCOPE):
        raise Forbidden(f"this API key lacks the '{REVEAL_SCOPE}' scope")
    why = reveal_reason(reason)
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    now = clock()
    grant = RevealGrant(
        grant_id=grant_id_of(token),
        key_id=principal.key_id,
        key_name=principal.name,
        organization_id=record.organization_id,
        record_id=record.source_id,
        record_name=record.name,
        reason=why,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_s),
    )
    await asyncio.to_thread(grants.put, grant)
    logger.info(
        "password reveal link issued",
        extra={"record_id": record.source_id, "key_id": principal.key_id, "grant": grant.grant_id},
    )
    url = console_url.rstrip("/") + REVEAL_PATH + token
    return RevealLink(grant_id=grant.grant_id, url=url, expires_at=grant.expires_at)


def pending_grant(
    principal: Principal, grants: RevealGrants, token: str, *, clock: Clock = _now
) -> RevealGrant:
    """The grant a link names, unused, for the signed-in key (the page before the reveal)."""
    grant = grants.peek(grant_id_of(token[:200]), principal.key_id, clock())
    if grant is None:
        raise NotFound(LINK_INVALID)
    return grant


async def redeem_reveal_link(
    principal: Principal,
    grants: RevealGrants,
    catalog: CatalogReader,
    audit: AuditWriter,
    source: PasswordSource,
    token: str,
    *,
    clock: Clock = _now,
) -> PasswordView:
    """The value, once: the grant is consumed first (a second redemption finds nothing), then
    the reveal runs as any reveal does, audited with the reason the assistant gave."""
    if not principal.has(REVEAL_SCOPE):
        raise Forbidden(f"this API key lacks the '{REVEAL_SCOPE}' scope")
    grant_id = grant_id_of(token[:200])
    grant = await asyncio.to_thread(grants.consume, grant_id, principal.key_id, clock())
    if grant is None:
        raise NotFound(LINK_INVALID)
    return await get_password(
        principal, catalog, audit, source, grant.record_id, grant.reason, via="mcp_link"
    )


def withdraw_reveal_link(principal: Principal, grants: RevealGrants, grant_id: str) -> None:
    """Withdraw a link the person declined (their own key's only)."""
    grants.revoke(grant_id, principal.key_id)
