"""Organizations and records: what exists, one record in full, devices, dependencies, run-books."""

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel, Field

from gluekb.models.views import OrganizationView
from gluekb.services.access import organizations
from gluekb.services.query import records
from gluekb.services.query.export import export_runbook
from gluekb.services.query.records import ConfigurationSearch, Direction, RecordView, RelatedView
from gluekb.wiring.query import QueryServices
from mcp_server.auth import Tenancy
from mcp_server.tools.knowledge import READ_ONLY
from mcp_server.tools.params import OrganizationRef, RecordId


class OrganizationList(BaseModel):
    organizations: list[OrganizationView]


class RecordTools:
    """Organizations and records: the tools that list, read, filter, walk and export them."""

    def __init__(self, services: QueryServices, tenancy: Tenancy) -> None:
        self.services = services
        self.tenancy = tenancy

    def register(self, server: MCPServer[Any]) -> None:
        for tool in (
            self.list_organizations,
            self.get_record,
            self.find_configurations,
            self.get_dependencies,
            self.export_documentation,
        ):
            server.add_tool(tool, annotations=READ_ONLY)

    def list_organizations(self, ctx: Context[Any, Any]) -> OrganizationList:
        """List the organizations (the MSP's clients) you may query, with their sync state.

        Use this to learn which clients exist and how they are spelled, to resolve a client a
        person mentions, or after an "organization not found" error. Every other tool takes an
        organization by the `name`, `short_name` or `id` shown here.

        Returns `organizations`, each with `id`, `name`, `short_name`, `status`, `sync_state`
        (never, queued, running, ok, failed) and `last_synced_at`. Organizations your API key
        may not see are not listed.
        """
        principal = self.tenancy.principal(ctx)
        return OrganizationList(
            organizations=organizations.list_organizations(principal, self.services.state)
        )

    def get_record(self, ctx: Context[Any, Any], id: RecordId) -> RecordView:
        """Read one documented record in full: every field, and how it relates to others.

        Use this after search, query_documentation or find_configurations gave you a record id
        and you need all of its details (a configuration's IPs, serial, OS, warranty; a
        contact's phone; a runbook's metadata) or its neighbours.

        Arguments: `id`, e.g. 'itglue:configurations:200019'.

        Returns `fields` (name and value, exactly as documented), `identifiers` (IPs, MACs,
        hostnames, serials), `depends_on` and `depended_on_by` (related records with the
        relation), `passwords` attached to it (names only: use get_password for a value), the
        organization, type, IT Glue `url` and when it was last synced.
        """
        principal = self.tenancy.principal(ctx)
        return records.get_record(principal, self.services.catalog, id)

    def find_configurations(
        self,
        ctx: Context[Any, Any],
        organization: OrganizationRef,
        type: Annotated[
            str | None,
            Field(
                max_length=100,
                description="Configuration type, matched as a case-insensitive substring: "
                "'firewall', 'server', 'switch', 'access point', 'workstation', 'printer'.",
            ),
        ] = None,
        name: Annotated[
            str | None,
            Field(
                max_length=200,
                description="Part of the name or hostname, case-insensitive: 'FW', 'SQL02'.",
            ),
        ] = None,
        ip: Annotated[
            str | None,
            Field(
                max_length=64,
                description="An IP address the device has (primary or any interface), exact.",
            ),
        ] = None,
    ) -> ConfigurationSearch:
        """List an organization's configurations (devices: servers, firewalls, switches, PCs...),
        optionally filtered by type, name and IP address.

        Use this for inventory questions ("all firewalls at Acme", "which device has
        10.20.0.1", "the SQL servers at Contoso") when you need the complete list rather than
        the best matches. Filters combine (all must match); with none, every configuration of
        the organization is listed.

        Arguments: `organization` (required); `type`, `name`, `ip` (optional filters).

        Returns `matches` sorted by name (at most 50; `total` says how many matched), each
        with `id` (for get_record / get_dependencies), `name`, `type`, `status`, `hostname`,
        `primary_ip`, every IP in `ips`, and the IT Glue `url`. An empty list means no device
        matches.
        """
        principal = self.tenancy.principal(ctx)
        return records.find_configurations(
            principal,
            self.services.state,
            self.services.catalog,
            organization,
            type_label=type,
            name=name,
            ip=ip,
        )

    def get_dependencies(
        self,
        ctx: Context[Any, Any],
        id: RecordId,
        direction: Annotated[
            Direction,
            Field(
                description="'depended_on_by': what depends on this record (impact: what "
                "breaks if it fails). 'depends_on': what this record needs to work."
            ),
        ] = "depended_on_by",
        depth: Annotated[
            int,
            Field(ge=1, le=5, description="How many hops to follow (1-5); 1 is direct only."),
        ] = 1,
    ) -> RelatedView:
        """Walk the documented relationships of a record: its impact or its requirements.

        Use this for impact analysis ("what is affected if ACME-DC01 goes down?" ->
        direction 'depended_on_by', depth 2-3) and for troubleshooting chains ("what does the
        ERP application rely on?" -> direction 'depends_on'). Relationships come from IT Glue
        (tagged assets and related items); undocumented dependencies are not known.

        Arguments: `id` of the starting record; `direction`; `depth` (default 1).

        Returns `related`, each with `id`, `name`, `relation` (how they are linked), `kind`
        and `distance` (hops from the starting record). An empty list means no documented
        relationships in that direction.
        """
        principal = self.tenancy.principal(ctx)
        return records.related(principal, self.services.catalog, id, direction, depth)

    def export_documentation(
        self,
        ctx: Context[Any, Any],
        organization: OrganizationRef,
        format: Annotated[
            Literal["markdown"], Field(description="Output format; only 'markdown' for now.")
        ] = "markdown",
    ) -> str:
        """Export an organization's documentation as one readable run-book (Markdown).

        Use this when someone needs the whole picture of a client: an onboarding pack, a
        handover, an offline copy, or a review of what is documented. It is long: for a
        single fact use query_documentation, and for a few records use search.

        Arguments: `organization` (name, short name or id); `format` ('markdown').

        Returns Markdown: locations, contacts, configurations grouped by type, documented
        assets grouped by type, domains, documents, and passwords (names, usernames and where
        they are used; never the values). Each record lists its fields as documented and its
        source id and IT Glue link.
        """
        principal = self.tenancy.principal(ctx)
        return export_runbook(
            principal, self.services.state, self.services.catalog, organization
        ).content
