"""A conversation's memory for follow-up questions."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Turn(BaseModel):
    """What a follow-up may refer back to: the organization, the records the answer came from
    and the field it quoted."""

    organization_id: str | None = None
    source_ids: list[str] = Field(default_factory=list)
    attribute: str = ""  # the field the answer quoted ("Serial number")
    kind: str | None = None
