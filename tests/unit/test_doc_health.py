"""The documentation health report's arithmetic and its mail, without a network: expiry
windows, the score, the trend, the HTML and text a manager reads."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime
from email import policy

import pytest

from gluekb.models.doc_health import (
    FINDING_KINDS,
    Finding,
    FindingRecord,
    HealthReport,
    HealthSnapshot,
    HealthTrend,
)
from gluekb.services.doc_health.checks import Rules, window_of
from gluekb.services.doc_health.mail import compose_report
from gluekb.services.doc_health.report import score_of, trend_of

AT = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


def finding(kind: str = "stale_document", severity: str = "low", name: str = "Doc") -> Finding:
    return Finding.model_validate(
        {
            "kind": kind,
            "severity": severity,
            "record": FindingRecord(
                id=f"itglue:documents:{name}", name=name, type="Document",
                url=f"https://demo-msp.itglue.com/1001/docs/{name}",
            ),
            "detail": "last updated 400 days ago",
        }
    )  # fmt: skip


@pytest.mark.parametrize(
    ("days", "window"),
    [(-1, "expired"), (0, "30d"), (30, "30d"), (31, "60d"), (60, "60d"), (90, "90d"), (91, None)],
)
def test_expiry_windows_are_expired_then_30_60_90_days(days: int, window: str | None) -> None:
    assert window_of(days) == window


def test_the_score_weighs_findings_by_severity_against_what_was_examined() -> None:
    assert score_of([], {}) == 100
    assert score_of([], {"stale_document": 10}) == 100
    # one critical (1) and two low (0.25 each) over 10 records examined: 1 - 1.5/10
    found = [finding(severity="critical"), finding(), finding()]
    assert score_of(found, {"stale_document": 4, "domain_expiry": 6}) == 85
    assert score_of([finding(severity="critical")] * 5, {"domain_expiry": 2}) == 0


def test_the_trend_counts_what_is_new_and_what_was_fixed() -> None:
    assert trend_of({"a"}, 90, None).previous_at is None
    before = HealthSnapshot(
        organization_id="1001", generated_at=AT, as_of=AT.date(), score=80, counts={},
        finding_keys=["a", "b"],
    )  # fmt: skip
    trend = trend_of({"b", "c", "d"}, 70, before)
    assert (trend.score_change, trend.new_findings, trend.resolved_findings) == (-10, 2, 1)


def test_infrastructure_is_told_by_whole_words_of_the_type_name() -> None:
    rules = Rules(as_of=date(2026, 7, 1), infrastructure_types=("server", "ups", "access point"))
    assert rules.is_infrastructure("Managed Server") and rules.is_infrastructure("UPS")
    assert rules.is_infrastructure("Wireless Access Point")
    assert not rules.is_infrastructure("Laptop") and not rules.is_infrastructure("Groups")
    assert not rules.is_infrastructure(None)


def test_the_weekly_mail_is_text_and_html_escaped_and_linked() -> None:
    report = HealthReport(
        organization_id="1001",
        organization_name="Acme <Corp>",
        generated_at=AT,
        as_of=AT.date(),
        score=72,
        counts={k: 0 for k in FINDING_KINDS} | {"stale_document": 12},
        checked={"stale_document": 70},
        findings=[finding(name=f"Doc {n}") for n in range(12)],
        trend=HealthTrend(previous_at=datetime(2026, 11, 30, tzinfo=UTC), score_change=3),
        settings={},
    )
    raw = compose_report([report], sender="support@example.com", recipient="docs@msp.example",
                         at=AT, per_kind=10)  # fmt: skip
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["To"] == "docs@msp.example" and message["Auto-Submitted"] == "auto-generated"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    plain, markup = text.get_content(), html.get_content()
    assert "Acme <Corp>: score 72 (+3 since 2026-11-30)" in plain
    assert "... and 2 more" in plain and plain.count("  - [low] Doc") == 10
    assert "Acme &lt;Corp&gt;" in markup and "<Corp>" not in markup
    assert "<a href='https://demo-msp.itglue.com/1001/docs/Doc 0'>Doc 0</a>" in markup
