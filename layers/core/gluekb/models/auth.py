"""Callers: API keys map to the organizations a caller may see and to scopes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Scope = Literal["search", "passwords:reveal", "sync", "tickets", "admin"]
SCOPES: tuple[Scope, ...] = ("search", "passwords:reveal", "sync", "tickets", "admin")
ALL_ORGANIZATIONS = "*"


class ApiKeyRecord(BaseModel):
    key_id: str
    name: str
    secret_hash: str
    organizations: list[str] = Field(description="organization ids, or ['*'] for all")
    scopes: list[Scope]
    created_at: datetime
    expires_at: datetime | None = None
    revoked: bool = False


class Principal(BaseModel):
    """Who is calling, resolved from an API key. The only input to tenancy decisions."""

    key_id: str
    name: str
    organizations: frozenset[str]
    all_organizations: bool = False
    scopes: frozenset[str]

    def has(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes

    def can_see(self, organization_id: str) -> bool:
        return self.all_organizations or organization_id in self.organizations

    def visible(self, organization_ids: Iterable[str]) -> list[str]:
        return sorted(o for o in organization_ids if self.can_see(o))
