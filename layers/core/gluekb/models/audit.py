"""The audit log: who did something sensitive, to which record, when and why."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

AuditAction = Literal["password.reveal"]
Via = Literal["mcp", "api", "cli"]  # where the action came from


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
