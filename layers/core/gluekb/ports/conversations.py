"""Where conversations (follow-up questions) are kept."""

from __future__ import annotations

from typing import Protocol

from gluekb.models.conversations import Turn


class ConversationStore(Protocol):
    def load(self, conversation_id: str) -> tuple[str, Turn] | None:
        """(owner key id, last turn), or None when unknown or expired."""

    def save(self, conversation_id: str, owner: str, turn: Turn) -> None: ...
