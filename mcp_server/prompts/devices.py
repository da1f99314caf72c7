"""Device prompts: troubleshooting one documented device."""

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.prompts.base import Prompt, UserMessage
from pydantic import Field

from gluekb.errors import InvalidInput, NotFound
from gluekb.models.auth import Principal
from gluekb.services.query import records
from gluekb.services.query.records import ConfigurationMatch
from gluekb.wiring.query import QueryServices
from mcp_server.auth import Tenancy
from mcp_server.prompts.rules import GROUND_RULES
from mcp_server.tools.records import fenced_record, record_summary

ORGANIZATION = Field(
    min_length=1,
    max_length=200,
    description="The client (organization) by name, short name or id, e.g. 'Acme Corp'.",
)
DEVICE = Field(
    min_length=1,
    max_length=200,
    description="The device (configuration) by name or hostname, e.g. 'ACME-FW01'.",
)


def pick_device(matches: list[ConfigurationMatch], wanted: str) -> ConfigurationMatch:
    """The device a person named: an exact name or hostname, else the only partial match."""
    exact = [
        m for m in matches if wanted.strip().lower() in {m.name.lower(), (m.hostname or "").lower()}
    ]
    if len(exact) == 1 or (exact and len({m.id for m in exact}) == 1):
        return exact[0]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFound(f"no device named {wanted!r} is documented there")
    names = ", ".join(m.name for m in matches[:10])
    raise InvalidInput(f"several devices match {wanted!r} ({names}): name one exactly")


class DevicePrompts:
    def __init__(self, services: QueryServices, tenancy: Tenancy) -> None:
        self.services = services
        self.tenancy = tenancy

    def register(self, server: MCPServer[Any]) -> None:
        server.add_prompt(
            Prompt.from_function(
                self.troubleshoot_device,
                name="troubleshoot-device",
                title="Troubleshoot a device",
                description="Diagnose a problem on one of a client's documented devices: its "
                "card, what it depends on and what depends on it, similar past tickets and "
                "runbooks, then likely causes and next checks, each with its source.",
            )
        )

    def troubleshoot_device(
        self,
        ctx: Context[Any, Any],
        organization: Annotated[str, ORGANIZATION],
        device: Annotated[str, DEVICE],
        symptom: Annotated[
            str,
            Field(
                max_length=1000,
                description="What is wrong, as reported: 'VPN drops every 10 minutes'.",
            ),
        ] = "",
    ) -> list[UserMessage]:
        principal = self.tenancy.principal(ctx)
        found = self._device(principal, organization, device)
        card, _ = fenced_record(records.get_record(principal, self.services.catalog, found.id), 50)
        problem = symptom.strip() or "a problem the technician will describe"
        steps = f"""\
A technician at an MSP is troubleshooting {card.name} ({card.type_label or "device"}, record
{card.id}) at the client {organization}. Reported problem: {problem}.

Work through it with gluekb's tools:
1. Read the device's card below; get_record {card.id} has it in full.
2. Impact and requirements: get_dependencies(id="{card.id}", direction="depended_on_by",
   depth=2) for what breaks with it, and direction="depends_on" for what it needs.
3. Past tickets with the same symptom: find_similar_issues(text=<the problem>,
   organization="{organization}"), and how they were resolved.
4. Runbooks: search(query="{card.name} <the problem>", organization="{organization}",
   types=["document", "git_file"]).
5. Answer with the likely causes, most likely first, and the next checks for each, citing the
   record, runbook or ticket every point rests on; end with what is not documented.

{GROUND_RULES}"""
        card_text = "\n".join(["The device's card:", *record_summary(card)])
        return [UserMessage(steps), UserMessage(card_text)]

    def _device(self, principal: Principal, organization: str, device: str) -> ConfigurationMatch:
        found = records.find_configurations(
            principal,
            self.services.state,
            self.services.catalog,
            organization,
            name=device,
            limit=50,
        )
        return pick_device(found.matches, device)
