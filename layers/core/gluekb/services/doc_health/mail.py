"""The weekly documentation health report as mail: one message for every client, plain text and
HTML (multipart/alternative), a summary table first, then each client's findings by kind (the
first few of each, linked to IT Glue; the API and `gluekb health` give them all)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from html import escape

from gluekb.models.doc_health import FINDING_KINDS, HealthReport

KIND_TITLES = {
    "domain_expiry": "Domains expired or expiring within 90 days",
    "certificate_expiry": "SSL certificates expired or expiring within 90 days",
    "warranty_expiry": "Warranties expired or expiring within 90 days",
    "stale_document": "Documents not updated",
    "stale_flexible_asset": "Flexible assets not updated",
    "stale_password": "Passwords not changed",
    "configuration_without_document": "Infrastructure without a related document",
    "configuration_without_password": "Infrastructure without a password record",
    "configuration_without_location": "Infrastructure without a location",
    "broken_relationship": "Relationships pointing at records that no longer exist",
    "missing_required_fields": "Flexible assets missing required fields",
}


def _change(report: HealthReport) -> str:
    change = report.trend.score_change
    if change is None:
        return "first report"
    return (
        f"{change:+d} since {report.trend.previous_at:%Y-%m-%d}" if report.trend.previous_at else ""
    )


def subject(reports: Sequence[HealthReport], at: datetime) -> str:
    average = round(sum(r.score for r in reports) / len(reports)) if reports else 100
    return f"Documentation health, {at:%Y-%m-%d}: {len(reports)} clients, average score {average}"


def text_body(reports: Sequence[HealthReport], per_kind: int) -> str:
    lines = ["Documentation health report", ""]
    for r in reports:
        lines.append(
            f"{r.organization_name}: score {r.score} ({_change(r)}), {len(r.findings)} findings, "
            f"{r.trend.new_findings} new, {r.trend.resolved_findings} resolved"
        )
    for r in reports:
        lines += ["", f"== {r.organization_name} (score {r.score}) =="]
        for kind in FINDING_KINDS:
            found = [f for f in r.findings if f.kind == kind]
            if not found:
                continue
            lines.append(f"{KIND_TITLES[kind]}: {len(found)}")
            for finding in found[:per_kind]:
                link = f" <{finding.record.url}>" if finding.record.url else ""
                lines.append(
                    f"  - [{finding.severity}] {finding.record.name}: {finding.detail}{link}"
                )
            if len(found) > per_kind:
                lines.append(f"  ... and {len(found) - per_kind} more (gluekb health --org)")
    return "\n".join(lines) + "\n"


def _html_summary(reports: Sequence[HealthReport]) -> str:
    rows = "".join(
        f"<tr><td>{escape(r.organization_name)}</td><td>{r.score}</td>"
        f"<td>{escape(_change(r))}</td><td>{len(r.findings)}</td>"
        f"<td>{r.trend.new_findings}</td><td>{r.trend.resolved_findings}</td></tr>"
        for r in reports
    )
    return (
        "<table border='1' cellpadding='4' cellspacing='0'><tr><th>Client</th><th>Score</th>"
        f"<th>Trend</th><th>Findings</th><th>New</th><th>Resolved</th></tr>{rows}</table>"
    )


def _html_client(report: HealthReport, per_kind: int) -> str:
    parts = [f"<h2>{escape(report.organization_name)}: {report.score}</h2>"]
    for kind in FINDING_KINDS:
        found = [f for f in report.findings if f.kind == kind]
        if not found:
            continue
        items = "".join(
            "<li>"
            + f"[{f.severity}] "
            + (
                f"<a href='{escape(f.record.url)}'>{escape(f.record.name)}</a>"
                if f.record.url
                else escape(f.record.name)
            )
            + f": {escape(f.detail)}</li>"
            for f in found[:per_kind]
        )
        more = f"<li>and {len(found) - per_kind} more</li>" if len(found) > per_kind else ""
        parts.append(f"<h3>{escape(KIND_TITLES[kind])} ({len(found)})</h3><ul>{items}{more}</ul>")
    return "".join(parts)


def html_body(reports: Sequence[HealthReport], per_kind: int) -> str:
    clients = "".join(_html_client(r, per_kind) for r in reports)
    return (
        "<!doctype html><html><body><h1>Documentation health report</h1>"
        f"{_html_summary(reports)}{clients}</body></html>"
    )


def compose_report(
    reports: Sequence[HealthReport],
    *,
    sender: str,
    recipient: str,
    at: datetime,
    per_kind: int,
) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = formataddr(("gluekb documentation health", sender))
    message["To"] = recipient
    message["Subject"] = subject(reports, at)
    message["Date"] = format_datetime(at)
    message["Message-ID"] = make_msgid("health", sender.rsplit("@", 1)[-1])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text_body(reports, per_kind))
    message.add_alternative(html_body(reports, per_kind), subtype="html")
    return message.as_bytes()
