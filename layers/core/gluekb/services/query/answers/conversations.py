"""Follow-up questions: "and its serial?", "what depends on it?", "what about DC02?".

A conversation remembers its last turn (the organization, the records the answer came from,
the words that named the field) for a while, in a store keyed by the conversation id and owned
by the API key that started it: another key asking with the same id is told it does not exist.
"""

from __future__ import annotations

import re
import secrets

from gluekb.errors import NotFound
from gluekb.models.auth import Principal
from gluekb.models.conversations import Turn
from gluekb.ports.conversations import ConversationStore
from gluekb.services.query.answers.models import Answer

CONVERSATION_NOT_FOUND = "conversation not found"
_PRONOUN = re.compile(
    r"\b(it|its|it's|that|this|those|these|them|their|same|one|there|ones|he|she|his|her)\b"
)
_CONTINUES = re.compile(r"^\s*(and|also|plus|what about|how about|same for|ok and|and the)\b")


def refers_back(text: str) -> bool:
    """The question leans on the previous one ("and its serial?", "what about DC02")."""
    lowered = text.lower()
    return bool(_PRONOUN.search(lowered) or _CONTINUES.search(lowered)) or len(lowered.split()) <= 3


class Conversations:
    def __init__(self, store: ConversationStore) -> None:
        self.store = store

    def last_turn(self, principal: Principal, conversation_id: str) -> Turn:
        found = self.store.load(conversation_id)
        if found is None or found[0] != principal.key_id:
            raise NotFound(CONVERSATION_NOT_FOUND)
        return found[1]

    def record(
        self,
        principal: Principal,
        conversation_id: str | None,
        answer: Answer,
        previous: Turn | None,
        attribute: str = "",
    ) -> str:
        """Remember this turn; a new conversation gets a new id. An answer with no records
        keeps the previous turn's subject, so "and its serial?" still works after a miss."""
        conversation_id = conversation_id or secrets.token_urlsafe(16)
        sources = [s.id for s in answer.sources]
        turn = Turn(
            organization_id=(answer.organization or {}).get("id"),
            source_ids=sources or (previous.source_ids if previous else []),
            attribute=attribute or (previous.attribute if previous and not sources else ""),
            kind=answer.kind,
        )
        self.store.save(conversation_id, principal.key_id, turn)
        return conversation_id
