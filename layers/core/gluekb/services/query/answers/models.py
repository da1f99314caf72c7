"""What `/v1/ask` and the MCP `query_documentation` tool take and return."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

NO_DATA = "No data available"
Kind = Literal[
    "attribute", "list", "contact", "impact", "dependency", "procedure", "credential",
    "out_of_scope",
]  # fmt: skip


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=1000)
    organization: str | None = Field(default=None, max_length=200, description="id or name")
    conversation_id: str | None = Field(
        default=None,
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="continue a conversation: 'and its serial?' refers to the previous answer",
    )

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("question must contain something other than spaces")
        return value


class SourceRef(BaseModel):
    id: str
    title: str
    type: str
    organization_id: str
    url: str | None = None
    folder: str | None = Field(default=None, description="an IT Glue document's folder path")


class Fact(BaseModel):
    record: SourceRef
    field: str = Field(description="the field's name, or a passage's heading path")
    value: str = Field(description="copied verbatim from the record")


class Answer(BaseModel):
    question: str
    found: bool
    message: str | None = None
    kind: Kind | None = None
    organization: dict[str, str] | None = None
    facts: list[Fact] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)
    confidence: float = 0.0
    degraded: bool = False
    cached: bool = False
    took_ms: float = 0.0
    conversation_id: str | None = Field(
        default=None, description="pass it back with the next question to ask a follow-up"
    )
