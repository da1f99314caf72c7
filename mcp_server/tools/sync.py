"""Sync tools: how fresh the documentation is, and asking for a refresh."""

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, Field

from gluekb.models.views import SyncQueued, SyncStatusView
from gluekb.services.access import organizations
from gluekb.wiring.query import QueryServices
from mcp_server.auth import Tenancy
from mcp_server.tools.knowledge import READ_ONLY
from mcp_server.tools.pages import NEXT_CURSOR, Cursor, decode_cursor, page
from mcp_server.tools.params import OptionalOrganization, OrganizationRef
from mcp_server.tools.results import more, tool_result

# Queues a sync: changes nothing itself, and asking twice queues the same work.
QUEUES_WORK = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True)


class SyncStatusList(BaseModel):
    statuses: list[SyncStatusView]
    next_cursor: str | None = NEXT_CURSOR


def _status_line(status: SyncStatusView) -> str:
    line = f"- {status.organization_name or status.organization_id}: {status.state}"
    if status.last_success_at:
        line += f", last success {status.last_success_at:%Y-%m-%d %H:%M} UTC"
    if status.errors:
        line += f"; {len(status.errors)} error(s): {status.errors[0]}"
    return line


class SyncTools:
    """How fresh the documentation is, and asking for a refresh."""

    def __init__(self, services: QueryServices, tenancy: Tenancy) -> None:
        self.services = services
        self.tenancy = tenancy

    def register(self, server: MCPServer[Any]) -> None:
        server.add_tool(self.sync_status, annotations=READ_ONLY)
        server.add_tool(self.trigger_sync, annotations=QUEUES_WORK)

    def sync_status(
        self,
        ctx: Context[Any, Any],
        organization: OptionalOrganization = None,
        limit: Annotated[
            int, Field(ge=1, le=500, description="How many organizations per page (1-500).")
        ] = 100,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, SyncStatusList]:
        """Report how fresh an organization's documentation is: the last IT Glue sync.

        Use this when an answer looks outdated or missing ("is the new firewall documented
        yet?"), before relying on recent changes, or after trigger_sync to follow progress.

        Arguments: `organization`; leave empty for every organization you may see, a page at
        a time (`limit`, and `cursor` for the next page).

        Returns `statuses`, each with `organization_id`, `organization_name`, `state` (never,
        queued, running, ok, failed), `last_success_at`, `started_at`/`finished_at` of the
        latest run, record counts per resource type in `resources`, and `errors` of the
        latest run; `next_cursor` when more follow.
        """
        principal = self.tenancy.principal(ctx)
        arguments = {"organization": organization}
        offset = decode_cursor("sync_status", arguments, cursor)
        if organization is not None:
            every = [organizations.sync_status(principal, self.services.state, organization)]
        else:
            every = organizations.sync_statuses(principal, self.services.state)
        chosen, next_cursor = page(every, "sync_status", arguments, offset, limit)
        listed = SyncStatusList(statuses=chosen, next_cursor=next_cursor)
        lines = ["Last IT Glue sync:", *(_status_line(s) for s in chosen)]
        return tool_result(listed, lines + more(next_cursor))

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
    ) -> Annotated[CallToolResult, SyncQueued]:
        """Queue a sync of one organization from IT Glue, so recent changes become searchable.

        Use this when a person says the documentation was just updated, or sync_status shows
        the data is stale. It returns at once; the sync runs in the background (usually
        seconds to minutes). Follow it with sync_status. Requires the 'sync' scope.

        Arguments: `organization` (required); `mode` ('incremental' by default, 'full' after
        deletions or when something looks inconsistent).

        Returns `organization_id`, `mode`, `state: queued` and `queued_at`.
        """
        principal = self.tenancy.principal(ctx)
        queued = organizations.queue_sync(
            principal, self.services.state, self.services.sync_queue, organization, mode
        )
        return tool_result(
            queued,
            [
                f"A {queued.mode} sync of organization {queued.organization_id} is queued "
                f"({queued.queued_at:%Y-%m-%d %H:%M:%S} UTC). Follow it with sync_status."
            ],
        )
