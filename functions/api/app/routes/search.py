"""POST /v1/search and POST /v1/ask."""

from __future__ import annotations

from fastapi import APIRouter

from app import deps
from gluekb.services.query.answers import Answer, AskRequest
from gluekb.services.query.search import SearchRequest, SearchResponse

router = APIRouter(prefix="/v1", tags=["search"])


@router.post("/search", summary="Hybrid search (exact identifiers, BM25, semantic)")
def search(caller: deps.Caller, request: SearchRequest) -> SearchResponse:
    return deps.services.search.search(caller, request)


@router.post(
    "/ask",
    summary="A grounded answer: facts quoted from records, with sources and a confidence",
    description='Answers `{"found": false, "message": "No data available"}` when the records '
    "do not contain the answer. Values are never composed: each is a record's own field value.",
)
def ask(caller: deps.Caller, request: AskRequest) -> Answer:
    return deps.services.answers.ask(caller, request)
