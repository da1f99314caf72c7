"""scheduled_sync: EventBridge schedule -> discover organizations -> one sync job for each."""

import asyncio
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.sqs import JobQueue
from gluekb.adapters.state_store import StateStore
from gluekb.observability import logger, metrics, tracer
from gluekb.services.sync_setup import discover_and_fan_out
from gluekb.settings import ScheduledSyncSettings, get_settings

settings = get_settings(ScheduledSyncSettings)
clients = AwsClients.from_settings(settings)
state = StateStore(clients.dynamodb, settings.state_table)
sync_queue = JobQueue(clients.sqs, settings.sync_queue_url)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
@event_parser(model=EventBridgeModel)
def handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    organizations = asyncio.run(
        discover_and_fan_out(settings, state, sync_queue, clients, reason="schedule")
    )
    state.record_schedule_run("sync", event.time, event.id)
    metrics.add_metric(name="SyncJobsQueued", unit=MetricUnit.Count, value=len(organizations))
    logger.info("sync fan-out", extra={"organizations": len(organizations), "event_id": event.id})
    return {"queued": len(organizations)}
