"""scheduled_sync: EventBridge schedule -> one sync job per organization on the sync queue."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.sqs import JobQueue
from gluekb.adapters.state_store import StateStore
from gluekb.observability import logger, metrics, tracer
from gluekb.services.sync_schedule import fan_out_sync
from gluekb.settings import ScheduledSyncSettings, get_settings

settings = get_settings(ScheduledSyncSettings)
clients = AwsClients.from_settings(settings)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
@event_parser(model=EventBridgeModel)
def handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    queued = fan_out_sync(
        StateStore(clients.dynamodb, settings.state_table),
        JobQueue(clients.sqs, settings.sync_queue_url),
        event.time,
        event.id,
    )
    metrics.add_metric(name="SyncJobsQueued", unit=MetricUnit.Count, value=queued)
    logger.info("sync fan-out", extra={"organizations": queued, "event_id": event.id})
    return {"queued": queued}
