"""The MCP tools, one class per area (its services injected, as awslabs/mcp does). Each tool is a
method: a thin call into a gluekb service whose docstring is written for the model that reads
it (what, when, arguments, what comes back). Every tool answers with structured content (its
output schema) and a short readable summary; text written by outsiders is fenced
(gluekb.services.text.untrusted); lists come a page at a time (`limit`, `cursor`)."""

from typing import Any

from mcp.server.mcpserver import MCPServer

from gluekb.wiring.query import QueryServices
from mcp_server.auth import Tenancy
from mcp_server.tools.incidents import IncidentTools
from mcp_server.tools.knowledge import KnowledgeTools
from mcp_server.tools.passwords import PasswordTools, RevealPolicy
from mcp_server.tools.records import RecordTools
from mcp_server.tools.sync import SyncTools

TOOL_NAMES = (
    "query_documentation",
    "search",
    "find_similar_issues",
    "list_organizations",
    "get_record",
    "find_configurations",
    "get_dependencies",
    "export_documentation",
    "get_password",
    "sync_status",
    "trigger_sync",
    "investigate_asset",
    "documentation_health",
)


def register_tools(
    server: MCPServer[Any], services: QueryServices, tenancy: Tenancy, policy: RevealPolicy
) -> None:
    """Every tool, each a method of its area's class over the services and tenancy given."""
    for tools in (
        KnowledgeTools(services, tenancy),
        RecordTools(services, tenancy),
        PasswordTools(services, tenancy, policy),
        SyncTools(services, tenancy),
        IncidentTools(services, tenancy),
    ):
        tools.register(server)
