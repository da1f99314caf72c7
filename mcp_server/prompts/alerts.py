"""Alert prompts: turning a monitoring alert into what the on-call technician needs."""

from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from pydantic import Field

INVESTIGATE_ALERT = """\
An alert fired at {organization}: {alert}
It names the target {identifier}.

1. Call investigate_asset(organization="{organization}", identifier="{identifier}") to get the
   device's documented context: key facts, what depends on it, runbook passages, similar past
   tickets and the names of its credentials.
2. If the asset is not documented, say so plainly, then use search with the identifier to find
   what the documentation does say about it.
3. Answer with: what the device is and where it is; the impact (what depends on it); the first
   steps from the runbook passages and from how the similar tickets were resolved; the
   credentials a technician will need (names only). Cite the source of every item. Do not guess
   anything the tools did not return."""


def register_alert_prompts(server: MCPServer[Any]) -> None:
    @server.prompt(
        name="investigate-alert",
        title="Investigate a monitoring alert",
        description="Turn an alert (Grafana, Alertmanager, RMM) into what the on-call technician "
        "needs: the device's facts, impact, runbook steps, past fixes and credential names.",
    )
    def investigate_alert(
        organization: Annotated[str, Field(description="the client the alert is about")],
        identifier: Annotated[
            str, Field(description="what the alert names: instance, host, IP or device name")
        ],
        alert: Annotated[str, Field(description="the alert's name and summary")] = "(no summary)",
    ) -> str:
        return INVESTIGATE_ALERT.format(
            organization=organization.strip(), identifier=identifier.strip(), alert=alert.strip()
        )
