"""Questions and searches: grounded answers, ranked hits, similar past issues."""

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field

from gluekb.models.tickets import SimilarTicket
from gluekb.services.query.answers import Answer, AskRequest
from gluekb.services.query.search import SOURCE_TYPES, SearchRequest, SearchResponse
from gluekb.services.tickets.similar import similar_tickets
from gluekb.wiring.query import QueryServices
from mcp_server.auth import Tenancy
from mcp_server.tools.params import OptionalOrganization

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)


class SimilarIssues(BaseModel):
    text: str
    organization: str | None
    issues: list[SimilarTicket] = Field(
        description="past tickets and incidents, one entry per ticket, most similar first"
    )
    degraded: bool = Field(description="true when semantic search was unavailable (BM25 only)")
    note: str


class KnowledgeTools:
    """The question, search and similar-issue tools, over the query services."""

    def __init__(self, services: QueryServices, tenancy: Tenancy) -> None:
        self.services = services
        self.tenancy = tenancy

    def register(self, server: MCPServer[Any]) -> None:
        for tool in (self.query_documentation, self.search, self.find_similar_issues):
            server.add_tool(tool, annotations=READ_ONLY)

    def query_documentation(
        self,
        ctx: Context[Any, Any],
        query: Annotated[
            str,
            Field(
                min_length=1,
                max_length=1000,
                description="The question, in plain words: 'what is the firewall IP at Acme?', "
                "'which servers at Contoso run SQL?', 'who is the main contact at Fabrikam?', "
                "'what breaks if ACME-DC01 goes down?'.",
            ),
        ],
        organization: OptionalOrganization = None,
    ) -> Answer:
        """Answer a question about a client's IT from its documentation (IT Glue), with sources.

        Use this first for factual questions about a client's environment: IP addresses,
        hostnames, serial numbers, models, warranties, contacts, which devices do what, and
        what depends on what. The answer is grounded: every fact is a field value quoted
        verbatim from a documented record, with the record it came from. Nothing is guessed.

        Arguments: `query` is the question. `organization` limits the answer to one client;
        without it, a client named in the question is used, else every client you may see.

        Returns `found: true` with `facts` (record, field, value), `sources` (record id, title,
        type, IT Glue link) and a `confidence` from 0 to 1; or `found: false` with the message
        "No data available" when the documentation does not contain the answer. In that case
        say so; do not invent an answer. `degraded: true` means semantic search was unavailable
        and only keyword matching was used. Quote sources when you answer a person.
        """
        principal = self.tenancy.principal(ctx)
        return self.services.answers.ask(
            principal, AskRequest(question=query, organization=organization)
        )

    def search(
        self,
        ctx: Context[Any, Any],
        query: Annotated[
            str,
            Field(
                min_length=1,
                max_length=1000,
                description="Words, a question, or an exact identifier (IP, hostname, serial "
                "number, MAC address, domain, e-mail address).",
            ),
        ],
        organization: OptionalOrganization = None,
        types: Annotated[
            list[str] | None,
            Field(
                description="Only these kinds of source: any of " + ", ".join(SOURCE_TYPES) + ". "
                "Leave empty for all.",
            ),
        ] = None,
        limit: Annotated[
            int, Field(ge=1, le=100, description="How many results at most (1-100).")
        ] = 10,
    ) -> SearchResponse:
        """Search the documentation and return ranked records with snippets.

        Use this to find records to read or cite: a device by IP or hostname, runbooks on a
        topic ("restore the nightly backup"), every record mentioning a vendor. Exact
        identifiers in the query rank the records that carry them first; then keyword (BM25)
        and meaning (semantic) matches are fused. Prefer `query_documentation` for a direct
        question; use `search` when you need candidates, several documents, or full context.

        Arguments: `query`; `organization` to stay inside one client; `types` to restrict the
        kind of source (for example ["configuration"] for devices, ["document"] for runbooks);
        `limit` (default 10).

        Returns `results`, best first, each with `source_id` (pass it to get_record or
        get_dependencies), `title`, `type`, `organization_name`, the IT Glue `url`, a
        `snippet` with matched words in <mark>...</mark>, `score` and `matched_by` (exact,
        bm25, knn). An empty list means nothing matched.
        """
        principal = self.tenancy.principal(ctx)
        request = SearchRequest(query=query, organization=organization, types=types, limit=limit)
        return self.services.search.search(principal, request)

    def find_similar_issues(
        self,
        ctx: Context[Any, Any],
        text: Annotated[
            str,
            Field(
                min_length=1,
                max_length=1000,
                description="The problem as reported: a ticket subject and description, an "
                "error message, a symptom ('VPN drops every 10 minutes').",
            ),
        ],
        organization: OptionalOrganization = None,
        limit: Annotated[int, Field(ge=1, le=20, description="How many at most (1-20).")] = 5,
    ) -> SimilarIssues:
        """Find past tickets and incidents similar to a problem, to reuse how they were solved.

        Use this when troubleshooting: before diagnosing from scratch, look for the same
        symptom at the same client (or at any client) and read how it was resolved. Only
        tickets and incidents are searched; use `search` or `query_documentation` for the
        documentation itself.

        Arguments: `text` describes the problem; `organization` limits to one client; `limit`.

        Returns `issues`, most similar first, one per ticket, each with `ticket_id`,
        `organization_id`, `subject`, `status`, `intent`, `priority`, `updated_at`, `score` and
        the closest message as `snippet`. An empty list means no similar ticket is known (or no
        tickets have been imported yet): that is an answer, not an error. Needs the API key's
        `tickets` scope.
        """
        principal = self.tenancy.principal(ctx)
        found = similar_tickets(
            principal,
            self.services.search,
            self.services.directory,
            text,
            organization=organization,
            limit=limit,
        )
        return SimilarIssues(
            text=text,
            organization=organization,
            issues=found.tickets,
            degraded=found.degraded,
            note=(
                f"{len(found.tickets)} similar ticket(s)"
                if found.tickets
                else "no similar tickets found (none match, or none have been imported yet)"
            ),
        )
