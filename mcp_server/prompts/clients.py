"""Client prompts: a client's environment on one page, and onboarding a new user there."""

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.prompts.base import Prompt, UserMessage
from pydantic import Field

from gluekb.errors import NotFound
from gluekb.models.auth import Principal
from gluekb.services.access.organizations import resolve_organization
from gluekb.services.query import records
from gluekb.services.query.search import SearchRequest
from gluekb.services.text.untrusted import Fence, origin_of
from gluekb.wiring.query import QueryServices
from mcp_server.auth import Tenancy
from mcp_server.prompts.devices import ORGANIZATION
from mcp_server.prompts.rules import GROUND_RULES
from mcp_server.tools.records import fenced_record, fenced_runbook, record_summary, runbook_page

BRIEFING_CHARS = 60_000  # the run-book a briefing starts from, at most (about 15k tokens)
ONBOARDING_QUERY = "onboarding new user account setup checklist"


class ClientPrompts:
    def __init__(self, services: QueryServices, tenancy: Tenancy) -> None:
        self.services = services
        self.tenancy = tenancy

    def register(self, server: MCPServer[Any]) -> None:
        server.add_prompt(
            Prompt.from_function(
                self.client_briefing,
                name="client-briefing",
                title="Client briefing",
                description="A client's environment on one page, written from its run-book: "
                "sites and contacts, network edge, servers and services, applications, "
                "domains, critical dependencies and documentation gaps.",
            )
        )
        server.add_prompt(
            Prompt.from_function(
                self.onboard_user,
                name="onboard-user",
                title="Onboard a user",
                description="A checklist to onboard a new user at a client, from its "
                "documented onboarding runbooks, applications, devices and (optionally) the "
                "access of a colleague to mirror.",
            )
        )

    def client_briefing(
        self, ctx: Context[Any, Any], organization: Annotated[str, ORGANIZATION]
    ) -> list[UserMessage]:
        principal = self.tenancy.principal(ctx)
        runbook, blocks, _ = fenced_runbook(principal, self.services, organization)
        end = runbook_page(blocks, 0, BRIEFING_CHARS)
        cut = (
            f"\n\n(The run-book continues: export_documentation(organization="
            f'"{runbook.organization_name}", cursor=...) has the rest.)'
            if end < len(blocks)
            else ""
        )
        steps = f"""\
Write a one-page briefing (about 500 words) of {runbook.organization_name}'s IT environment
for a technician who has never worked with this client, from its run-book below:
- who they are: sites (locations) and the key contacts, with their roles;
- the network edge: firewalls, internet lines, VPN, with their addresses;
- servers and core services (directory, e-mail, files, backup) and where they run;
- documented applications and assets; domains and when they expire;
- critical dependency chains (what stops if one device fails): use get_dependencies on the
  core servers when the run-book does not show them;
- gaps: what a client like this would have that is not documented.
Cite record ids for the facts you use. Passwords: list where credentials are documented, by
name only.

{GROUND_RULES}"""
        return [UserMessage(steps), UserMessage("\n".join(blocks[:end]) + cut)]

    def onboard_user(
        self,
        ctx: Context[Any, Any],
        organization: Annotated[str, ORGANIZATION],
        new_user: Annotated[
            str, Field(min_length=1, max_length=200, description="The new user's full name.")
        ],
        role: Annotated[
            str, Field(max_length=200, description="Their role or department, if known.")
        ] = "",
        like_user: Annotated[
            str,
            Field(
                max_length=200,
                description="A documented contact whose access the new user should mirror "
                "(optional), e.g. 'Jane Doe'.",
            ),
        ] = "",
    ) -> list[UserMessage]:
        principal = self.tenancy.principal(ctx)
        client = resolve_organization(principal, self.services.directory, organization)
        fence = Fence()
        context = self._runbooks(principal, client.id, role, fence)
        if like_user.strip():
            context += ["", *self._colleague(principal, client.id, like_user)]
        who = f"{new_user} ({role})" if role.strip() else new_user
        mirror = f", mirroring the access of {like_user}" if like_user.strip() else ""
        steps = f"""\
Prepare an onboarding checklist for {who} at {client.name}{mirror}, from gluekb's
documentation (the onboarding runbooks found are below; search for more as needed):
- accounts: directory and e-mail, groups and shared folders, licences;
- applications the client documents, and who administers each;
- a device to prepare (find_configurations(organization="{client.name}",
  type="workstation") for their standard), printers and the site they work at;
- remote access (VPN, MFA) and phones.
Each step cites the runbook or record it comes from; a step the documentation does not
cover is marked "not documented: confirm with the client".

{GROUND_RULES}"""
        return [UserMessage(steps), UserMessage("\n".join(context))]

    def _runbooks(self, principal: Principal, org: str, role: str, fence: Fence) -> list[str]:
        query = f"{ONBOARDING_QUERY} {role}".strip()
        request = SearchRequest(
            query=query, organization=org, types=["document", "git_file"], limit=5
        )
        found = self.services.search.search(principal, request)
        lines = [f"Onboarding runbooks found ({len(found.results)}):"]
        for hit in found.results:
            lines.append(f"- {hit.title} (id {hit.source_id})")
            if hit.snippet:
                lines.append(fence.wrap(hit.snippet, origin_of(hit.type), hit.source_id))
        return lines

    def _colleague(self, principal: Principal, org: str, name: str) -> list[str]:
        wanted = name.strip().lower()
        contacts = self.services.catalog.records_of(org, "contacts")
        match = next((c for c in contacts if c.name.lower() == wanted), None)
        if match is None:
            raise NotFound(f"no contact named {name!r} is documented there")
        card, _ = fenced_record(
            records.get_record(principal, self.services.catalog, match.source_id), 50
        )
        return [f"The colleague to mirror, {card.name}:", *record_summary(card)]
