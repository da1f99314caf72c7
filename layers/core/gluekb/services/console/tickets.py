"""The ticket queue as the console shows it: the tickets API's filters (status, organization,
intent) plus urgency, which the store does not index, so pages are read until enough match."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel

from gluekb.models.auth import Principal
from gluekb.models.tickets import Intent, Ticket, TicketPage, TicketStatus, Urgency
from gluekb.services.access.organizations import OrganizationSource

MAX_PAGES = 10  # an urgency filter reads at most this many store pages per console page


class TicketLister(Protocol):
    """`TicketDesk.list_tickets`: scope, tenancy and the store's own filters."""

    def list_tickets(
        self,
        principal: Principal,
        state: OrganizationSource,
        *,
        status: TicketStatus | None,
        org: str | None,
        intent: Intent | None,
        limit: int,
        cursor: str | None,
    ) -> TicketPage: ...


class QueueFilters(BaseModel):
    status: TicketStatus | None = None
    organization: str | None = None
    intent: Intent | None = None
    urgency: Urgency | None = None


class QueuePage(BaseModel):
    tickets: list[Ticket]
    next_cursor: str | None = None


def ticket_queue(
    desk: TicketLister,
    principal: Principal,
    organizations: OrganizationSource,
    filters: QueueFilters,
    *,
    limit: int = 50,
    cursor: str | None = None,
) -> QueuePage:
    """Tickets newest first, filtered; the desk decides what the key may see (scope, tenancy)."""
    found: list[Ticket] = []
    for _ in range(MAX_PAGES):
        page = desk.list_tickets(
            principal,
            organizations,
            status=filters.status,
            org=filters.organization,
            intent=filters.intent,
            limit=limit,
            cursor=cursor,
        )
        cursor = page.next_cursor
        for ticket in page.tickets:
            if filters.urgency is None or ticket.priority == filters.urgency:
                found.append(ticket)
        if len(found) >= limit or cursor is None or filters.urgency is None:
            break
    return QueuePage(tickets=found[:limit], next_cursor=cursor)
