"""Prompts: ready-made tasks a person picks in their assistant (a slash command, a menu), one
module per area. Each takes the arguments a technician knows (organization, device, person),
completed by `mcp_server.completions`, and returns the instructions plus the documentation the
task starts from, fenced where it was written by others."""

from typing import Any

from mcp.server.mcpserver import MCPServer

from gluekb.wiring.query import QueryServices
from mcp_server.auth import Tenancy
from mcp_server.prompts.alerts import register_alert_prompts
from mcp_server.prompts.clients import ClientPrompts
from mcp_server.prompts.devices import DevicePrompts

PROMPT_NAMES = ("troubleshoot-device", "client-briefing", "onboard-user", "investigate-alert")


def register_prompts(server: MCPServer[Any], services: QueryServices, tenancy: Tenancy) -> None:
    """Every prompt, each a method of its area's class over the services and tenancy given."""
    for prompts in (DevicePrompts(services, tenancy), ClientPrompts(services, tenancy)):
        prompts.register(server)
    register_alert_prompts(server)
