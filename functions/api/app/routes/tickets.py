"""Tickets: list, create, read, change, answer (through SES, threaded), and similar tickets.

Every route needs the `tickets` scope. Tenancy as in the query API: a ticket of an organization
the key may not see answers exactly like one that does not exist (404)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app import deps
from gluekb.models.tickets import (
    Intent,
    ReplySent,
    SimilarTickets,
    TicketCreate,
    TicketPage,
    TicketReply,
    TicketStatus,
    TicketUpdate,
    TicketView,
)
from gluekb.services.tickets.similar import MAX_SIMILAR, similar_tickets

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])
TicketId = Annotated[str, Path(min_length=3, max_length=20, description="e.g. T-1001")]


@router.get("", summary="Tickets, newest first, filtered by status, organization and intent")
def list_tickets(
    caller: deps.Caller,
    status: TicketStatus | None = None,
    org: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="organization id or name, or unassigned"),
    ] = None,
    intent: Intent | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="from next_cursor")] = None,
) -> TicketPage:
    return deps.services.tickets.list_tickets(
        caller,
        deps.services.directory,
        status=status,
        org=org,
        intent=intent,
        limit=limit,
        cursor=cursor,
    )


@router.post("", status_code=201, summary="Open a ticket (classified unless intent is given)")
def create_ticket(caller: deps.Caller, request: TicketCreate) -> TicketView:
    return deps.services.tickets.create_ticket(caller, deps.services.directory, request)


@router.get("/{ticket_id}", summary="A ticket with its messages")
def get_ticket(caller: deps.Caller, ticket_id: TicketId) -> TicketView:
    return deps.services.tickets.get_ticket(caller, ticket_id)


@router.patch("/{ticket_id}", summary="Change status, priority, intent, subject or organization")
def update_ticket(caller: deps.Caller, ticket_id: TicketId, request: TicketUpdate) -> TicketView:
    return deps.services.tickets.update_ticket(caller, deps.services.directory, ticket_id, request)


@router.post(
    "/{ticket_id}/reply",
    summary="Answer the requester by mail (SES), threaded to the ticket's conversation",
    description="The mail carries the ticket token ([#T-…]) in its subject and In-Reply-To / "
    "References to the conversation, so the requester's answer threads back to this ticket.",
)
def reply(caller: deps.Caller, ticket_id: TicketId, request: TicketReply) -> ReplySent:
    return deps.services.tickets.reply(caller, ticket_id, request, deps.services.mailer)


@router.get("/{ticket_id}/similar", summary="Tickets like this one (hybrid search over tickets)")
def similar(
    caller: deps.Caller,
    ticket_id: TicketId,
    limit: Annotated[int, Query(ge=1, le=MAX_SIMILAR)] = 5,
) -> SimilarTickets:
    desk = deps.services.tickets
    ticket = desk.get_ticket(caller, ticket_id)
    text = "\n".join([ticket.subject, *(m.text for m in ticket.messages[:3])])
    return similar_tickets(
        caller,
        deps.services.search,
        deps.services.directory,
        text,
        limit=limit,
        exclude_ticket=ticket.id,
    )
