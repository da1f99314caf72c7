"""What a technician needs when an asset is in trouble, every item with where it came from: the
asset's key facts, what depends on it, runbook passages that mention it, similar past tickets and
how they ended, the names (never the values) of its credentials, and an urgency.

The same model is the first message of an alert's ticket, `GET /v1/records/{id}/context` and the
MCP tool `investigate_asset`.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from gluekb.models.tickets import Urgency


class SourceRef(BaseModel):
    """Where an item came from: a record, a document, a ticket, the relationship graph."""

    id: str
    title: str
    type: str
    url: str | None = None


class ContextFact(BaseModel):
    label: str
    value: str
    source: SourceRef


class Dependent(BaseModel):
    """A record that depends on the asset (directly, or through `distance` hops)."""

    id: str
    name: str
    type_label: str | None = None
    relation: str
    distance: int = 1
    source: SourceRef


class RunbookPassage(BaseModel):
    title: str
    text: str = Field(description="the passage, trimmed, as documented")
    source: SourceRef


class PastTicket(BaseModel):
    ticket_id: str
    subject: str
    status: str | None = None
    resolution: str | None = Field(
        default=None, description="how it ended: the last answer given on it"
    )
    source: SourceRef


class CredentialName(BaseModel):
    """A password record of the asset: its name and category only, never its value."""

    name: str
    category: str | None = None
    username: str | None = None
    source: SourceRef


class AssetContext(BaseModel):
    organization_id: str
    organization_name: str | None = None
    identifier: str | None = Field(default=None, description="what was looked up (label, IP)")
    asset: SourceRef | None = Field(default=None, description="the matched record")
    documented: bool = Field(description="false: no configuration matches (asset not documented)")
    matched_by: str | None = Field(default=None, description="how the asset was matched")
    facts: list[ContextFact] = Field(default_factory=list)
    dependents: list[Dependent] = Field(default_factory=list)
    runbooks: list[RunbookPassage] = Field(default_factory=list)
    similar_tickets: list[PastTicket] = Field(default_factory=list)
    credentials: list[CredentialName] = Field(default_factory=list)
    urgency: Urgency = "normal"
    urgency_reason: str = ""
    notes: list[str] = Field(default_factory=list, description="what could not be looked up")
