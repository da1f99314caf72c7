"""Sync tools: how fresh the documentation is, and asking for a refresh."""

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field

from gluekb.models.views import SyncQueued, SyncStatusView
from gluekb.services.access import organizations
from gluekb.wiring.query import QueryServices
from mcp_server.auth import Tenancy
from mcp_server.tools.knowledge import READ_ONLY
from mcp_server.tools.params import OptionalOrganization, OrganizationRef

# Queues a sync: changes nothing itself, and asking twice queues the same work.
QUEUES_WORK = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True)


class SyncStatusList(BaseModel):
    statuses: list[SyncStatusView]


class SyncTools:
    """How fresh the documentation is, and asking for a refresh."""

    def __init__(self, services: QueryServices, tenancy: Tenancy) -> None:
        self.services = services
        self.tenancy = tenancy

    def register(self, server: MCPServer[Any]) -> None:
        server.add_tool(self.sync_status, annotations=READ_ONLY)
        server.add_tool(self.trigger_sync, annotations=QUEUES_WORK)

    def sync_status(
        self, ctx: Context[Any, Any], organization: OptionalOrganization = None
    ) -> SyncStatusList:
        """Report how fresh an organization's documentation is: the last IT Glue sync.

        Use this when an answer looks outdated or missing ("is the new firewall documented
        yet?"), before relying on recent changes, or after trigger_sync to follow progress.

        Arguments: `organization`; leave empty for every organization you may see.

        Returns `statuses`, each with `organization_id`, `organization_name`, `state` (never,
        queued, running, ok, failed), `last_success_at`, `started_at`/`finished_at` of the
        latest run, record counts per resource type in `resources`, and `errors` of the
        latest run.
        """
        principal = self.tenancy.principal(ctx)
        if organization is not None:
            return SyncStatusList(
                statuses=[organizations.sync_status(principal, self.services.state, organization)]
            )
        return SyncStatusList(statuses=organizations.sync_statuses(principal, self.services.state))

    def trigger_sync(
        self,
        ctx: Context[Any, Any],
        organization: OrganizationRef,
        mode: Annotated[
            Literal["incremental", "full"],
            Field(
                description="'incremental' fetches what changed since the last sync (fast); "
                "'full' re-reads everything and removes what was deleted in IT Glue."
            ),
        ] = "incremental",
    ) -> SyncQueued:
        """Queue a sync of one organization from IT Glue, so recent changes become searchable.

        Use this when a person says the documentation was just updated, or sync_status shows
        the data is stale. It returns at once; the sync runs in the background (usually
        seconds to minutes). Follow it with sync_status. Requires the 'sync' scope.

        Arguments: `organization` (required); `mode` ('incremental' by default, 'full' after
        deletions or when something looks inconsistent).

        Returns `organization_id`, `mode`, `state: queued` and `queued_at`.
        """
        principal = self.tenancy.principal(ctx)
        return organizations.queue_sync(
            principal, self.services.state, self.services.sync_queue, organization, mode
        )
