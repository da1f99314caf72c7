"""The audit log: who did something sensitive, to which record, when and why."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

AuditAction = Literal["password.reveal"]
# Where the action came from; "mcp_link": an assistant asked, and the value was shown in the
# console through the one-time link it was given (never to the assistant).
Via = Literal["mcp", "mcp_link", "api", "cli"]


class AuditEntry(BaseModel):
    """One sensitive action. Never holds a secret: a reveal records *that* a value was shown."""

    audit_id: str
    action: AuditAction
    at: datetime
    key_id: str = Field(description="the API key that acted")
    key_name: str
    organization_id: str
    record_id: str = Field(description="the record acted on, e.g. itglue:passwords:300001")
    record_name: str
    reason: str = Field(description="why, in the caller's words")
    via: Via


class RevealGrant(BaseModel):
    """A one-time permission to reveal one password in the console: what an assistant's
    `get_password` leaves instead of putting the value into the model's context. Holds no
    secret: the link's token is stored only as its digest (`grant_id`)."""

    grant_id: str = Field(description="SHA-256 of the link's token (hex, 32 characters)")
    key_id: str = Field(description="the API key that asked: only its own session redeems it")
    key_name: str
    organization_id: str
    record_id: str
    record_name: str
    reason: str = Field(description="why, in the caller's words; the reveal's audit reason")
    created_at: datetime
    expires_at: datetime
