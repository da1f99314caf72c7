"""An asset's context on request: `GET /v1/records/{id}/context` and the MCP tool
`investigate_asset(organization, identifier)`: the same context an alert's ticket opens with.

Tenancy as everywhere: a record or organization the caller may not see answers exactly like
one that does not exist; similar tickets only for keys with the `tickets` scope."""

from __future__ import annotations

from dataclasses import dataclass

from gluekb.errors import InvalidInput, NotFound
from gluekb.models.auth import Principal
from gluekb.models.incidents import AssetContext
from gluekb.ports.catalog import GraphReader
from gluekb.ports.state import OrganizationSource
from gluekb.services.access.auth import require_scope
from gluekb.services.access.organizations import resolve_organization
from gluekb.services.alerts.context import AssetContextBuilder
from gluekb.services.alerts.matching import AssetMatcher

RECORD_NOT_FOUND = "record not found"
MAX_IDENTIFIER_CHARS = 255


@dataclass
class AssetInvestigation:
    builder: AssetContextBuilder
    matcher: AssetMatcher
    catalog: GraphReader
    state: OrganizationSource

    def record_context(self, principal: Principal, record_id: str) -> AssetContext:
        require_scope(principal, "search")
        record = self.catalog.get(record_id)
        if record is None or not principal.can_see(record.organization_id):
            raise NotFound(RECORD_NOT_FOUND)
        return self.builder.for_record(principal, record, identifier=record_id)

    def investigate(self, principal: Principal, organization: str, identifier: str) -> AssetContext:
        """The context of the configuration an identifier (IP, host name, name, record id)
        names at a client; an undocumented asset's (what search and tickets know) otherwise."""
        require_scope(principal, "search")
        entry = resolve_organization(principal, self.state, organization)
        wanted = identifier.strip()
        if not wanted or len(wanted) > MAX_IDENTIFIER_CHARS:
            raise InvalidInput(f"identifier: 1 to {MAX_IDENTIFIER_CHARS} characters")
        if wanted.startswith("itglue:"):
            record = self.catalog.get(wanted)
            if record is None or record.organization_id != entry.id:
                raise NotFound(RECORD_NOT_FOUND)
            return self.builder.for_record(principal, record, identifier=wanted)
        match = self.matcher.match(entry.id, {"host": wanted})
        if match.record is not None:
            return self.builder.for_record(
                principal, match.record, identifier=wanted, matched_by=match.matched_by
            )
        return self.builder.undocumented(
            principal, entry.id, about=wanted, severity=None, identifier=match.identifier or wanted
        )
