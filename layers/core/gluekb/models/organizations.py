"""The organization registry: every IT Glue organization gluekb syncs, as discovery stored it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from gluekb.models.itglue import ResourceObject


class RegisteredOrganization(BaseModel):
    """One organization of the registry (the state table's `ORG#<id>` item)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    name: str
    short_name: str | None = None
    status: str | None = Field(default=None, description="IT Glue's organization status name")
    discovered_at: datetime | None = None
    record: ResourceObject | None = Field(
        default=None, description="the organization's own IT Glue record, as discovery read it"
    )

    def is_named(self, name: str) -> bool:
        """Whether `name` (already trimmed and lower-cased) is its name or short name."""
        return name in (self.name.lower(), (self.short_name or "").lower())
