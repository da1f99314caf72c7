"""The documentation health report's collaborators, built from settings: the api (GET
/v1/organizations/{org}/health), the MCP server and the weekly `health_report` function."""

from __future__ import annotations

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.catalog_store import CatalogStore
from gluekb.adapters.health_snapshots import HealthSnapshotStore
from gluekb.adapters.mailer import SesMailer
from gluekb.adapters.raw_store import RawRecordStore
from gluekb.adapters.state_store import StateStore
from gluekb.ports.state import OrganizationSource
from gluekb.services.doc_health.report import HealthReporter, HealthThresholds
from gluekb.services.doc_health.weekly import WeeklyHealthReport
from gluekb.settings import ApiSettings, HealthReportSettings


def health_reporter(
    settings: ApiSettings | HealthReportSettings,
    clients: AwsClients,
    state: OrganizationSource | None = None,
) -> HealthReporter:
    return HealthReporter(
        catalog=CatalogStore(clients.dynamodb, settings.catalog_table),
        raw=RawRecordStore(clients.s3, settings.raw_bucket),
        state=state or StateStore(clients.dynamodb, settings.state_table),
        snapshots=HealthSnapshotStore(clients.dynamodb, settings.state_table),
        thresholds=HealthThresholds(
            stale_after_days=settings.health_stale_after_days,
            password_max_age_days=settings.health_password_max_age_days,
            infrastructure_types=tuple(settings.health_infrastructure_types),
        ),
    )


def weekly_health_report(settings: HealthReportSettings, clients: AwsClients) -> WeeklyHealthReport:
    reporter = health_reporter(settings, clients)
    return WeeklyHealthReport(
        reporter=reporter,
        state=reporter.state,
        mailer=SesMailer(clients.ses),
        recipient=settings.health_report_recipient,
        sender=settings.health_report_sender,
        findings_per_kind=settings.health_report_findings_per_kind,
    )
