"""Password metadata for the console's list: name, username, category, what it belongs to.
Values are never here: the catalog does not hold them (a reveal asks IT Glue, audited)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from pydantic import BaseModel

from gluekb.models.auth import Principal
from gluekb.models.catalog import CatalogRecord
from gluekb.services.access.auth import require_scope
from gluekb.services.access.organizations import (
    OrganizationSource,
    resolve_organization,
    visible_organizations,
)


class PasswordRecords(Protocol):
    def records_of(self, organization_id: str, resource_type: str) -> Iterable[CatalogRecord]: ...


class PasswordSummary(BaseModel):
    id: str
    organization_id: str
    organization_name: str
    name: str
    username: str | None
    category: str | None
    belongs_to: str | None
    url: str | None


def _summary(record: CatalogRecord, organization_name: str) -> PasswordSummary:
    fields = {f.name.lower(): f.value for f in record.fields}
    return PasswordSummary(
        id=record.source_id,
        organization_id=record.organization_id,
        organization_name=organization_name,
        name=record.name,
        username=fields.get("username"),
        category=fields.get("category"),
        belongs_to=fields.get("belongs to"),
        url=record.url,
    )


def password_list(
    principal: Principal,
    organizations: OrganizationSource,
    catalog: PasswordRecords,
    *,
    organization: str | None = None,
) -> list[PasswordSummary]:
    """The passwords (metadata) of one visible organization, or of every one."""
    require_scope(principal, "search")
    if organization:
        chosen = [resolve_organization(principal, organizations, organization)]
    else:
        chosen = visible_organizations(principal, organizations)
    found: list[PasswordSummary] = []
    for entry in chosen:
        for record in catalog.records_of(entry.id, "passwords"):
            found.append(_summary(record, entry.name))
    return sorted(found, key=lambda p: (p.organization_name.lower(), p.name.lower()))
