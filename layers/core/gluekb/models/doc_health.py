"""The documentation health report: what an MSP's documentation manager checks by hand every
quarter, per client, each finding linked to its record, with a score and the trend since the
last report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

from pydantic import BaseModel, Field

FindingKind = Literal[
    "domain_expiry",
    "certificate_expiry",
    "warranty_expiry",
    "stale_document",
    "stale_flexible_asset",
    "stale_password",
    "configuration_without_document",
    "configuration_without_password",
    "configuration_without_location",
    "broken_relationship",
    "missing_required_fields",
]
FINDING_KINDS: tuple[FindingKind, ...] = get_args(FindingKind)  # in report order
Severity = Literal["critical", "high", "medium", "low"]
SEVERITY_WEIGHT: dict[Severity, float] = {"critical": 1.0, "high": 0.75, "medium": 0.5, "low": 0.25}
# Expiry windows: already expired, or within 30, 60, 90 days.
Window = Literal["expired", "30d", "60d", "90d"]


class FindingRecord(BaseModel):
    id: str
    name: str
    type: str
    url: str | None = None


class Finding(BaseModel):
    kind: FindingKind
    severity: Severity
    record: FindingRecord = Field(description="the record to fix, with its IT Glue link")
    detail: str
    window: Window | None = Field(default=None, description="expiry findings: how soon")
    due: date | None = Field(default=None, description="expiry findings: the date")
    days: int | None = Field(
        default=None, description="days left (negative: days since expiry) or days since update"
    )

    @property
    def key(self) -> str:
        """Stable across reports: the same problem on the same record (for the trend)."""
        which = self.detail if self.kind == "broken_relationship" else ""
        return f"{self.kind}:{self.record.id}:{which}"


class HealthTrend(BaseModel):
    previous_at: datetime | None = Field(description="when the report compared with was made")
    previous_score: int | None = None
    score_change: int | None = None
    new_findings: int = 0
    resolved_findings: int = 0


class HealthReport(BaseModel):
    organization_id: str
    organization_name: str
    generated_at: datetime
    as_of: date = Field(description="the day dates are judged against")
    score: int = Field(ge=0, le=100, description="100: nothing to fix")
    counts: dict[str, int] = Field(description="findings per kind (every kind, zero included)")
    checked: dict[str, int] = Field(description="records examined per kind")
    findings: list[Finding]
    trend: HealthTrend
    settings: dict[str, int | list[str]] = Field(description="the thresholds this report used")
    notes: list[str] = Field(default_factory=list)


class HealthSnapshot(BaseModel):
    """What a stored report keeps for the next one's trend."""

    organization_id: str
    generated_at: datetime
    as_of: date
    score: int
    counts: dict[str, int]
    finding_keys: list[str]
