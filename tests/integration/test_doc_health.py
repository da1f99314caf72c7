"""The documentation health report over what a real sync stored (the demo IT Glue server, the
sync, template.yaml's tables and buckets on moto): every finding the demo tenant has, each linked
to its record, none that it has not, with a score and the trend since the last stored report."""

from __future__ import annotations

import email
from datetime import datetime
from email import policy
from typing import Any

import pytest

from gluekb.adapters.catalog_store import CatalogStore
from gluekb.adapters.health_snapshots import HealthSnapshotStore
from gluekb.adapters.raw_store import RawRecordStore
from gluekb.adapters.state_store import StateStore
from gluekb.errors import NotFound
from gluekb.models.auth import Principal
from gluekb.services.doc_health.report import HealthReporter, HealthThresholds
from gluekb.settings import ApiSettings, clear_settings_cache
from tests.health_support import AS_OF, INFRASTRUCTURE, SEEDED, expected_findings, reported
from tests.integration.test_sync import Rig
from tests.support import LambdaContext, environment, event, load_handler


@pytest.fixture
def reporter(synced_rig: Rig) -> HealthReporter:
    clients, settings = synced_rig.clients, synced_rig.settings
    return HealthReporter(
        catalog=CatalogStore(clients.dynamodb, settings.catalog_table),
        raw=RawRecordStore(clients.s3, settings.raw_bucket),
        state=StateStore(clients.dynamodb, settings.state_table),
        snapshots=HealthSnapshotStore(clients.dynamodb, settings.state_table),
        thresholds=HealthThresholds(infrastructure_types=INFRASTRUCTURE),
    )


def principal(*organizations: str) -> Principal:
    return Principal(
        key_id="k",
        name="test",
        organizations=frozenset(organizations),
        scopes=frozenset({"search"}),
    )


def test_each_client_lists_every_seeded_finding_and_nothing_else(
    reporter: HealthReporter,
    synced_rig: Rig,
) -> None:
    tenant = synced_rig.tenant.load()
    everyone = Principal(
        key_id="k",
        name="all",
        organizations=frozenset(),
        all_organizations=True,
        scopes=frozenset({"search"}),
    )
    for name, seeded in SEEDED.items():
        # When the report of a client is made as of the tenant's day
        report = reporter.report(everyone, name, AS_OF).model_dump(mode="json")
        # Then it lists exactly the findings its IT Glue records have
        assert reported(report) == expected_findings(tenant, name), name
        # ... with the seeds' ones in exact numbers
        for kind, count in seeded.items():
            assert report["counts"][kind] == count, (name, kind)
        for kind in (
            "certificate_expiry",
            "broken_relationship",
            "missing_required_fields",
            "configuration_without_location",
        ):
            assert report["counts"][kind] == seeded.get(kind, 0), (name, kind)
        # ... each linked to its record in IT Glue, and a score
        assert all(f["record"]["url"].startswith("https://") for f in report["findings"])
        assert 0 <= report["score"] <= 100


def test_expiry_windows_and_details_read_as_a_manager_would(reporter: HealthReporter) -> None:
    acme = reporter.report(principal("1001"), "Acme Corp", AS_OF)
    certificates = {f.record.name: f for f in acme.findings if f.kind == "certificate_expiry"}
    assert certificates["*.acmecorp.com"].window == "expired"
    assert certificates["*.acmecorp.com"].severity == "critical"
    assert certificates["*.acmecorp.com"].days == -42
    assert certificates["mail.acmecorp.com"].window == "30d"
    assert "expires in 19 days (2026-07-20)" in certificates["mail.acmecorp.com"].detail
    domains = {f.record.name: f.window for f in acme.findings if f.kind == "domain_expiry"}
    assert domains == {"acmecorp.net": "expired"}
    globex = reporter.report(principal("1005"), "Globex", AS_OF)
    (missing,) = [f for f in globex.findings if f.kind == "missing_required_fields"]
    assert missing.record.name == "intranet.globex.com" and "Expires" in missing.detail


def test_the_trend_compares_with_the_last_kept_report(reporter: HealthReporter) -> None:
    # Given a report kept last week, as of a day when fewer certificates were due
    earlier = reporter.report(principal("1001"), "Acme Corp", datetime(2026, 3, 1).date())
    assert earlier.trend.previous_at is None
    reporter.keep(earlier)
    # When this week's report is made
    now = reporter.report(principal("1001"), "Acme Corp", AS_OF)
    # Then it says how the score moved and how many findings are new or gone
    assert now.trend.previous_at == earlier.generated_at
    assert now.trend.previous_score == earlier.score
    assert now.trend.score_change == now.score - earlier.score
    before = {f.key for f in earlier.findings}
    after = {f.key for f in now.findings}
    assert now.trend.new_findings == len(after - before) > 0
    assert now.trend.resolved_findings == len(before - after)


def test_an_organization_the_key_may_not_see_answers_like_one_that_does_not_exist(
    reporter: HealthReporter,
) -> None:
    with pytest.raises(NotFound) as hidden:
        reporter.report(principal("1002"), "Acme Corp", AS_OF)
    with pytest.raises(NotFound) as missing:
        reporter.report(principal("1002"), "No Such Client", AS_OF)
    assert hidden.value.message == missing.value.message


def test_the_api_settings_default_to_the_documented_thresholds() -> None:
    fields: dict[str, Any] = ApiSettings.model_fields
    assert fields["health_stale_after_days"].default == 365
    assert tuple(fields["health_infrastructure_types"].default_factory()) == INFRASTRUCTURE


def test_the_weekly_report_is_mailed_as_html_and_text_and_kept_for_the_trend(
    synced_rig: Rig, reporter: HealthReporter
) -> None:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    # When the schedule fires the health_report function (its environment from template.yaml)
    with environment(synced_rig.environments["health_report"]):
        clear_settings_cache()
        function = load_handler("health_report")
        outcome = function.handler(event("health_report/scheduled_event.json"), LambdaContext())
    clear_settings_cache()
    # Then one message went through SES to the configured address, for every client
    assert outcome["sent_to"] == "msp-docs@example.com" and outcome["message_id"]
    assert outcome["organizations"] == len(SEEDED)
    sent = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages[-1]
    message = email.message_from_string(sent.raw_data, policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"].startswith("Documentation health, 2026-12-07: 7 clients")
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert "Acme Corp: score" in text.get_content()
    assert "SSL certificates expired or expiring within 90 days" in html.get_content()
    assert "https://demo-msp.itglue.com/" in html.get_content()
    # And each client's report was kept: the next one has a trend
    assert reporter.report(principal("1001"), "Acme Corp").trend.previous_at is not None
