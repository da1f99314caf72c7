"""scheduled_sync: EventBridge schedule -> discover organizations -> one sync job for each."""

import asyncio
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from gluekb.adapters.aws import AwsClients
from gluekb.observability import logger, metrics, tracer
from gluekb.settings import ScheduledSyncSettings, get_settings
from gluekb.wiring.sync import organization_discovery

settings = get_settings(ScheduledSyncSettings)
discovery = organization_discovery(settings, AwsClients.from_settings(settings))


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
@event_parser(model=EventBridgeModel)
def handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    organizations = asyncio.run(discovery.fan_out(reason="schedule"))
    discovery.state.record_schedule_run("sync", event.time, event.id)
    metrics.add_metric(name="SyncJobsQueued", unit=MetricUnit.Count, value=len(organizations))
    logger.info("sync fan-out", extra={"organizations": len(organizations), "event_id": event.id})
    return {"queued": len(organizations)}
