"""scheduled_sync: EventBridge schedule -> discover organizations -> one sync job for each; then
each organization's sync age (the sync-staleness alarm's metric)."""

import asyncio
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from gluekb.adapters.aws import AwsClients
from gluekb.observability import NAMESPACE, logger, metrics, trace_correlation, tracer
from gluekb.services.sync.staleness import sync_ages
from gluekb.settings import ScheduledSyncSettings, get_settings
from gluekb.wiring.sync import organization_discovery

settings = get_settings(ScheduledSyncSettings)
discovery = organization_discovery(settings, AwsClients.from_settings(settings))


def report_sync_ages() -> None:
    """SyncAgeSeconds per organization (dashboard), OldestSyncAgeSeconds (the alarm)."""
    ages = sync_ages(discovery.state, datetime.now(UTC))
    for age in ages:
        with single_metric(
            name="SyncAgeSeconds", unit=MetricUnit.Seconds, value=age.seconds, namespace=NAMESPACE
        ) as metric:
            metric.add_dimension(name="organization", value=age.organization_id)
    if ages:
        metrics.add_metric(
            name="OldestSyncAgeSeconds", unit=MetricUnit.Seconds, value=ages[0].seconds
        )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
@metrics.log_metrics
@tracer.capture_lambda_handler
@event_parser(model=EventBridgeModel)
def handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    trace_correlation()  # the event id: on every sync job queued, in the sync worker's logs
    organizations = asyncio.run(discovery.fan_out(reason="schedule"))
    discovery.state.record_schedule_run("sync", event.time, event.id)
    metrics.add_metric(name="SyncJobsQueued", unit=MetricUnit.Count, value=len(organizations))
    report_sync_ages()
    logger.info("sync fan-out", extra={"organizations": len(organizations), "event_id": event.id})
    return {"queued": len(organizations)}
