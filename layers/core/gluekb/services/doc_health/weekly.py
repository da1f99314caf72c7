"""The weekly documentation health report (EventBridge schedule -> `health_report` -> SES):
every client's report, each kept as the baseline of next week's trend, mailed as one message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from gluekb.ports.mail import Mailer
from gluekb.ports.state import OrganizationSource
from gluekb.services.doc_health.mail import compose_report
from gluekb.services.doc_health.report import HealthReporter


class WeeklyOutcome(BaseModel):
    organizations: int
    scores: dict[str, int]
    findings: int
    sent_to: str | None = None
    message_id: str | None = None


@dataclass
class WeeklyHealthReport:
    reporter: HealthReporter
    state: OrganizationSource
    mailer: Mailer
    recipient: str
    sender: str
    findings_per_kind: int = 10

    def run(self, fired_at: datetime) -> WeeklyOutcome:
        reports = [self.reporter.build(o) for o in self.state.organizations()]
        for report in reports:  # after all are built: each compares with last week's
            self.reporter.keep(report)
        outcome = WeeklyOutcome(
            organizations=len(reports),
            scores={r.organization_name: r.score for r in reports},
            findings=sum(len(r.findings) for r in reports),
        )
        if not self.recipient:
            return outcome
        raw = compose_report(
            reports,
            sender=self.sender,
            recipient=self.recipient,
            at=fired_at,
            per_kind=self.findings_per_kind,
        )
        message_id = self.mailer.send(raw, self.sender, [self.recipient])
        return outcome.model_copy(update={"sent_to": self.recipient, "message_id": message_id})
