"""The audit log as an administrator reads it: every sensitive action at the organizations the
key may see, newest first. Needs the `admin` scope; other tenants' entries are never read."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from gluekb.models.audit import AuditEntry
from gluekb.models.auth import Principal
from gluekb.services.access.auth import require_scope
from gluekb.services.access.organizations import (
    OrganizationSource,
    resolve_organization,
    visible_organizations,
)


class AuditReader(Protocol):
    def entries(self, organization_id: str, record_id: str | None = None) -> list[AuditEntry]: ...


def audit_trail(
    principal: Principal,
    organizations: OrganizationSource,
    audit: AuditReader,
    *,
    organization: str | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    require_scope(principal, "admin")
    if organization:
        wanted = [resolve_organization(principal, organizations, organization).id]
    else:
        wanted = [o.id for o in visible_organizations(principal, organizations)]
    if not wanted:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(wanted))) as pool:  # one query per organization
        entries = [entry for found in pool.map(audit.entries, wanted) for entry in found]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
