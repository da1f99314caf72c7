"""Grounded answers: facts quoted verbatim from records, with their sources and a confidence,
or `found: false` with "No data available". No language model: the assistant calling gluekb is
the language model; gluekb's job is to hand it facts it can trust.

A question goes through five steps:
1. reading: its intent (a field, a list, a person, what depends on what, a procedure,
   credentials; or an opinion or a prediction, which records cannot answer) and its terms,
   abbreviations and jargon expanded;
2. the organization: the caller's choice, else one the question names, else every one the
   caller may see; a question naming another organization than the one chosen is refused;
3. evidence: hybrid search (exact identifiers first) for candidate records, their cards from
   the catalog and their indexed text;
4. the answer by intent: the record and field(s) that explain the question best (`choosing`),
   every qualifying record (`listing`), the graph both ways (`graph`), a document's passage
   (`passages`) or a password record's metadata (`credentials`);
5. confidence from how the answer was found (`confidence`).

Nothing is composed: every value in an answer is a field value, a record's name or a line of a
record's own text. When the organization holds nothing that answers, the answer is
"No data available".
"""

from __future__ import annotations

import time
from typing import Any

from gluekb.adapters.catalog_store import CatalogStore
from gluekb.models.auth import Principal
from gluekb.models.conversations import Turn
from gluekb.services.access.auth import require_scope
from gluekb.services.access.organizations import visible_organizations
from gluekb.services.query.answers.answering import answer_question
from gluekb.services.query.answers.conversations import Conversations
from gluekb.services.query.answers.evidence import Evidence
from gluekb.services.query.answers.models import NO_DATA, Answer, AskRequest
from gluekb.services.query.cache import QueryCache
from gluekb.services.query.reading.intent import read_question
from gluekb.services.query.reading.language import normalise
from gluekb.services.query.search import SearchService


class AnswerService:
    def __init__(
        self,
        search: SearchService,
        catalog: CatalogStore,
        cache: QueryCache[Any] | None = None,
        conversations: Conversations | None = None,
    ) -> None:
        self.search = search
        self.catalog = catalog
        self.cache = cache
        self.conversations = conversations

    def ask(self, principal: Principal, request: AskRequest) -> Answer:
        require_scope(principal, "search")
        started = time.perf_counter()
        organizations, names = self.search.scope(principal, request.organization)
        previous = self._previous_turn(principal, request)
        answer = self._cached(request, organizations, previous)
        if answer is None:
            answer = self._answer(principal, request, organizations, names, previous)
        if self.conversations is not None:
            answer.conversation_id = self.conversations.record(
                principal, request.conversation_id, answer, previous, _quoted_field(answer)
            )
        answer.took_ms = round((time.perf_counter() - started) * 1000, 2)
        return answer

    def _previous_turn(self, principal: Principal, request: AskRequest) -> Turn | None:
        if request.conversation_id is None or self.conversations is None:
            return None
        return self.conversations.last_turn(principal, request.conversation_id)

    def _cache_key(
        self, request: AskRequest, organizations: list[str], previous: Turn | None
    ) -> str | None:
        if self.cache is None or not organizations:
            return None
        return QueryCache.key(
            "ask",
            {
                "q": normalise(request.question),
                "orgs": organizations,
                "after": previous.model_dump(mode="json") if previous else None,
            },
            self.search.index.generation(organizations),
        )

    def _cached(
        self, request: AskRequest, organizations: list[str], previous: Turn | None
    ) -> Answer | None:
        key = self._cache_key(request, organizations, previous)
        if key is None or self.cache is None:
            return None
        cached = self.cache.get(key)
        if cached is None:
            return None
        answer: Answer = cached.model_copy(deep=True, update={"cached": True})
        return answer

    def _answer(
        self,
        principal: Principal,
        request: AskRequest,
        organizations: list[str],
        names: dict[str, str],
        previous: Turn | None,
    ) -> Answer:
        question = read_question(request.question)
        visible = {
            o.id: (o.name, o.short_name)
            for o in visible_organizations(principal, self.search.state)
            if o.id in names
        }
        evidence = Evidence(self.search, self.catalog, organizations)
        answer = answer_question(
            question,
            evidence,
            visible,
            chosen=organizations[0] if request.organization is not None else None,
            previous=previous,
        )
        if not answer.found:
            answer.facts, answer.sources = [], []
            answer.message, answer.confidence = NO_DATA, 0.0
        answer.degraded = evidence.degraded
        key = self._cache_key(request, organizations, previous)
        if key is not None and self.cache is not None and not answer.degraded:
            self.cache.put(key, answer.model_copy(deep=True))
        return answer


def _quoted_field(answer: Answer) -> str:
    """The field an answer quoted, for "what about DC02?" next."""
    if answer.kind not in ("attribute", "contact") or not answer.found:
        return ""
    return next((f.field for f in answer.facts if f.field != "Name"), "")
