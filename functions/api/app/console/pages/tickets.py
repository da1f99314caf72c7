"""Tickets (scope `tickets`): the queue filtered by status, organization, intent and urgency; a
ticket's thread; a reply (mailed through SES, threaded, as the API sends it); status, priority
and assignee organization; opening a ticket."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ValidationError

from app import deps
from app.console.routing import ConsoleRoute
from app.console.web import PostedForm, SignedIn, Viewer, redirect, render
from gluekb.errors import InvalidInput
from gluekb.models.tickets import (
    INTENTS,
    URGENCIES,
    Intent,
    TicketCreate,
    TicketReply,
    TicketStatus,
    TicketUpdate,
    Urgency,
)
from gluekb.services.access.auth import require_scope
from gluekb.services.console.tickets import QueueFilters, ticket_queue

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
STATUSES: tuple[TicketStatus, ...] = ("open", "pending", "resolved", "closed")
CHOICES: dict[str, Any] = {"statuses": STATUSES, "intents": INTENTS, "urgencies": URGENCIES}
M = TypeVar("M", bound=BaseModel)


def _valid(model: type[M], values: dict[str, Any]) -> M:
    try:
        return model.model_validate({k: v for k, v in values.items() if v not in (None, "")})
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}" for e in exc.errors()
        ]
        raise InvalidInput("; ".join(problems)) from exc


def _render(request: Request, template: str, viewer: Viewer, **context: Any) -> Response:
    names = viewer.organization_names()
    return render(request, template, viewer, names=names, **CHOICES, **context)


@router.get("/console/tickets")
def queue(
    request: Request,
    viewer: SignedIn,
    status: TicketStatus | None = None,
    org: str = "",
    intent: Intent | None = None,
    urgency: Urgency | None = None,
    cursor: str | None = None,
) -> Response:
    filters = QueueFilters(status=status, organization=org or None, intent=intent, urgency=urgency)
    page = ticket_queue(
        deps.services.tickets,
        viewer.principal,
        deps.services.directory,
        filters,
        cursor=cursor,
    )
    return _render(request, "tickets.html", viewer, filters=filters, page=page)


@router.get("/console/tickets/new")
def new_ticket_form(request: Request, viewer: SignedIn) -> Response:
    require_scope(viewer.principal, "tickets")
    return _render(request, "ticket_new.html", viewer, values={}, error=None)


@router.post("/console/tickets/new")
def open_ticket(request: Request, posted: PostedForm) -> Response:
    fields = ("organization", "requester_email", "requester_name", "subject", "text", "priority")
    values = {name: posted.form.get(name, "") for name in fields}
    try:
        created = deps.services.tickets.create_ticket(
            posted.viewer.principal, deps.services.directory, _valid(TicketCreate, values)
        )
    except InvalidInput as exc:
        return _render(
            request,
            "ticket_new.html",
            posted.viewer,
            values=values,
            error=exc.message,
        )
    return redirect(f"/console/tickets/{created.id}")


@router.get("/console/tickets/{ticket_id}")
def ticket_page(request: Request, viewer: SignedIn, ticket_id: str, sent: str = "") -> Response:
    ticket = deps.services.tickets.get_ticket(viewer.principal, ticket_id[:20])
    return _render(request, "ticket.html", viewer, ticket=ticket, sent=sent)


@router.post("/console/tickets/{ticket_id}/reply")
def reply(ticket_id: str, posted: PostedForm) -> Response:
    request = _valid(
        TicketReply, {"text": posted.form.get("text"), "status": posted.form.get("status")}
    )
    sent = deps.services.tickets.reply(
        posted.viewer.principal, ticket_id[:20], request, deps.services.mailer
    )
    return redirect(f"/console/tickets/{sent.ticket_id}?sent=reply")


@router.post("/console/tickets/{ticket_id}/update")
def update(ticket_id: str, posted: PostedForm) -> Response:
    fields = ("status", "priority", "organization")
    change = _valid(TicketUpdate, {name: posted.form.get(name) for name in fields})
    updated = deps.services.tickets.update_ticket(
        posted.viewer.principal, deps.services.directory, ticket_id[:20], change
    )
    return redirect(f"/console/tickets/{updated.id}?sent=update")
