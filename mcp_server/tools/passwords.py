"""The password tool: metadata for anyone, the value only when allowed, with a reason, audited."""

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import ToolAnnotations
from pydantic import Field

from gluekb.services.access.passwords import MAX_REASON, ItGlueReveals, PasswordView, get_password
from gluekb.wiring.query import QueryServices
from mcp_server.auth import Tenancy

# Not read-only in spirit: every reveal writes an audit entry. Never cacheable.
REVEAL = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False)


class PasswordTools:
    """The password tool: metadata for anyone, the value only when allowed, audited."""

    def __init__(self, services: QueryServices, tenancy: Tenancy) -> None:
        self.services = services
        self.tenancy = tenancy

    def register(self, server: MCPServer[Any]) -> None:
        server.add_tool(self.get_password_tool, name="get_password", annotations=REVEAL)

    async def get_password_tool(
        self,
        ctx: Context[Any, Any],
        id: Annotated[
            str,
            Field(
                min_length=1,
                max_length=64,
                description="The password record's id, e.g. 'itglue:passwords:300001' (from "
                "search with types ['password'], or the `passwords` of get_record).",
            ),
        ],
        reason: Annotated[
            str,
            Field(
                max_length=MAX_REASON,
                description="Why the password is needed, in a sentence: the ticket, task or "
                "person it is for. Required to reveal; stored in the audit log.",
            ),
        ],
    ) -> PasswordView:
        """Get a stored credential: its metadata, and its value when you are allowed to see it.

        Use this only when a person explicitly needs a credential for a task (logging in to a
        firewall, a vendor portal, a service account). Do not call it speculatively, and do
        not reveal more passwords than the task needs. Every reveal is audited with your API
        key, the time and your reason.

        Arguments: `id` of the password record; `reason`, a short honest explanation
        ("ticket 4312: reset the VPN on ACME-FW01 for Jane Doe").

        Returns the metadata (`name`, `username`, `category`, `login_url`, `belongs_to`,
        IT Glue `url`). When your API key has the 'passwords:reveal' scope and a reason is
        given, also `revealed: true`, the `value`, and the `audit_id` of the reveal; otherwise
        `revealed: false`, no value, and a `note` saying why. An empty reason is refused.
        Give the value only to the person who asked, and do not repeat it afterwards.
        """
        principal = await self.tenancy.principal_async(ctx)
        source = ItGlueReveals(self.services.itglue)
        return await get_password(
            principal, self.services.catalog, self.services.audit_log, source, id, reason, via="mcp"
        )
