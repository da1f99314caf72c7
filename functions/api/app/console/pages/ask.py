"""Ask: a question, the answer's facts (field, value, the record each comes from), confidence,
"No data available" as such, and follow-ups in the same conversation."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from app import deps
from app.console.routing import ConsoleRoute
from app.console.web import PostedForm, SignedIn, render
from gluekb.errors import InvalidInput
from gluekb.services.query.answers import Answer, AskRequest

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def conversation_of(answer: Answer) -> str | None:
    """The answer's conversation, once the answer engine keeps them (read by name, so the
    console works with engines before and after conversations)."""
    value = answer.model_dump().get("conversation_id")
    return str(value) if value else None


def ask_request(form: dict[str, str]) -> AskRequest:
    fields: dict[str, str | None] = {
        "question": form.get("question", ""),
        "organization": form.get("organization") or None,
        "conversation_id": form.get("conversation_id") or None,
    }
    try:
        # An engine without conversations ignores the extra field.
        return AskRequest.model_validate(fields)
    except ValidationError as exc:
        raise InvalidInput("Type a question (up to 1,000 characters).") from exc


@router.get("/console/ask")
def ask_page(request: Request, viewer: SignedIn) -> Response:
    return render(request, "ask.html", viewer, turns=[], organization="", conversation_id="")


@router.post("/console/ask")
def ask(request: Request, posted: PostedForm) -> Response:
    asked = ask_request(posted.form)
    answer = deps.services.answers.ask(posted.viewer.principal, asked)
    turn = {"answer": answer, "names": posted.viewer.organization_names()}
    conversation = conversation_of(answer) or ""
    if request.headers.get("x-console-fragment") == "1":  # the page's script appends the turn
        response = render(request, "_answer.html", posted.viewer, turn=turn)
        response.headers["X-Conversation-Id"] = conversation
        return response
    return render(
        request,
        "ask.html",
        posted.viewer,
        turns=[turn],
        organization=asked.organization or "",
        conversation_id=conversation,
    )
