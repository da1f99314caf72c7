"""Incidents and documentation upkeep: an asset's full context when something is wrong with it,
and a client's documentation health report."""

from datetime import date
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from gluekb.models.doc_health import HealthReport
from gluekb.models.incidents import AssetContext
from gluekb.wiring.query import QueryServices
from mcp_server.auth import Tenancy
from mcp_server.tools.knowledge import READ_ONLY
from mcp_server.tools.params import OrganizationRef


class IncidentTools:
    """investigate_asset and documentation_health, over the query services."""

    def __init__(self, services: QueryServices, tenancy: Tenancy) -> None:
        self.services = services
        self.tenancy = tenancy

    def register(self, server: MCPServer[Any]) -> None:
        for tool in (self.investigate_asset, self.documentation_health):
            server.add_tool(tool, annotations=READ_ONLY)

    def investigate_asset(
        self,
        ctx: Context[Any, Any],
        organization: OrganizationRef,
        identifier: Annotated[
            str,
            Field(
                min_length=1,
                max_length=255,
                description="What names the device: an IP ('10.10.10.13'), a host name or FQDN "
                "('acme-sql01.acme.local'), a configuration name ('ACME-SQL01'), a monitoring "
                "label value ('10.10.10.13:9182'), or a record id ('itglue:configurations:...').",
            ),
        ],
    ) -> AssetContext:
        """Gather everything a technician needs about a device that is in trouble (an alert,
        an outage, a ticket about it), in one call, each item with its source.

        Use this first when monitoring alerts on a host, a user reports a server or device
        down, or before changing a device: it finds the configuration the identifier names at
        the client (exact IPs and host names first) and returns its key facts (IPs, role,
        location, warranty), its impact (what depends on it, from the relationship graph), the
        runbook passages that mention it, similar past tickets and how they were resolved, and
        the names of its credentials (never their values: use get_password with a reason).

        Arguments: `organization` (the client), `identifier` (see its description).

        Returns `asset` (the matched record, or null), `documented` (false: no configuration
        matches; what search and tickets know is still returned), `matched_by`, `facts`,
        `dependents`, `runbooks`, `similar_tickets` (with the tickets scope), `credentials`,
        `urgency` with `urgency_reason`, and `notes` on anything that could not be looked up.
        """
        principal = self.tenancy.principal(ctx)
        return self.services.investigation.investigate(principal, organization, identifier)

    def documentation_health(
        self,
        ctx: Context[Any, Any],
        organization: OrganizationRef,
        as_of: Annotated[
            date | None,
            Field(description="Judge dates against this day, YYYY-MM-DD (default: today)."),
        ] = None,
    ) -> HealthReport:
        """Report how well a client's IT documentation is kept: what a documentation manager
        would fix, each finding linked to its record in IT Glue.

        Use this for "what needs updating at Acme?", "which domains or certificates expire
        soon?", "which servers have no runbook or password?", or to review a client before a
        QBR. Findings: domains, SSL certificates and warranties expired or expiring within
        30/60/90 days; documents and flexible assets not updated, passwords not changed, for a
        year (configurable); infrastructure without a related document, password record or
        location; relationships pointing at records that no longer exist; flexible assets
        missing required fields.

        Arguments: `organization`; `as_of` (optional day).

        Returns `score` (0-100, 100 is nothing to fix), `counts` per kind, `findings` (kind,
        severity, record with its IT Glue url, detail, and for expiries the window and date),
        and `trend` against the last weekly report (score change, new and resolved findings).
        """
        principal = self.tenancy.principal(ctx)
        return self.services.health.report(principal, organization, as_of)
