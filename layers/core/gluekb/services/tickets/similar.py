"""Tickets like a given text: the same hybrid search as /v1/search, restricted to tickets and
to the organizations whose tickets the caller may see. Shared by the API (`GET
/v1/tickets/{id}/similar`) and the MCP server's `find_similar_issues`.

A ticket is indexed as one conversation source (`ticket:<id>`, a chunk per message); hits are
folded to one entry per ticket, its best chunk first. Status, intent and priority come from the
index (as of the ticket's last change), so no table read is needed per hit.
"""

from __future__ import annotations

from gluekb.models.auth import Principal
from gluekb.models.tickets import SimilarTicket, SimilarTickets
from gluekb.ports.state import OrganizationSource
from gluekb.services.access.auth import require_scope
from gluekb.services.query.search import SearchService
from gluekb.services.tickets.desk import SOURCE_PREFIX, ticket_organizations

MAX_QUERY_CHARS = 2000  # the model reads ~256 word pieces; BM25 gains nothing from more
MAX_SIMILAR = 50


def similar_tickets(
    principal: Principal,
    search: SearchService,
    state: OrganizationSource,
    text: str,
    *,
    organization: str | None = None,
    limit: int = 5,
    exclude_ticket: str | None = None,
) -> SimilarTickets:
    """Up to `limit` tickets most like `text`, best first (`exclude_ticket`: leave one out,
    e.g. the ticket the text came from). Needs the `tickets` scope."""
    require_scope(principal, "tickets")
    limit = max(1, min(limit, MAX_SIMILAR))
    organizations = ticket_organizations(principal, state, organization)
    query = " ".join(text.split())[:MAX_QUERY_CHARS]
    if not organizations or not query:
        return SimilarTickets(tickets=[], degraded=False)
    # Several chunks per ticket: ask for more hits than tickets wanted.
    hits, degraded = search.hits(query, organizations, ["ticket"], (limit + 1) * 4)
    allowed = set(organizations)
    found: dict[str, SimilarTicket] = {}
    for hit in hits:
        chunk = hit.chunk
        if chunk.organization_id not in allowed or chunk.source_type != "ticket":
            continue  # the index filters both; this is belt and braces
        ticket_id = chunk.metadata.get("ticket_id") or chunk.source_id.removeprefix(SOURCE_PREFIX)
        if ticket_id == exclude_ticket or ticket_id in found:
            continue
        found[ticket_id] = SimilarTicket(
            ticket_id=ticket_id,
            organization_id=chunk.organization_id,
            subject=chunk.metadata.get("subject") or chunk.title,
            status=chunk.metadata.get("status"),
            intent=chunk.metadata.get("intent"),
            priority=chunk.metadata.get("priority"),
            updated_at=chunk.updated_at,
            score=round(hit.score, 6),
            matched_by=list(hit.matched_by),
            snippet=hit.snippet,
        )
        if len(found) == limit:
            break
    return SimilarTickets(tickets=list(found.values()), degraded=degraded)
