"""The MCP tools, one module per area. Each tool is a thin call into a gluekb service; its
docstring is written for the model that reads it (what, when, arguments, what comes back)."""

from typing import Any

from mcp.server.mcpserver import MCPServer

from gluekb.wiring.query import QueryServices
from mcp_server.auth import Tenancy
from mcp_server.tools import knowledge, passwords, records, sync

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
)


def register_tools(server: MCPServer[Any], services: QueryServices, tenancy: Tenancy) -> None:
    knowledge.register(server, services, tenancy)
    records.register(server, services, tenancy)
    passwords.register(server, services, tenancy)
    sync.register(server, services, tenancy)
