"""sync_worker: one sync job per SQS record; failures stay on the queue, poison ends in the DLQ."""

from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Json

from gluekb.batch import LoggingBatchProcessor
from gluekb.models.sync import SyncJob
from gluekb.observability import MetricUnit, logger, metrics, tracer
from gluekb.settings import SyncWorkerSettings, get_settings

settings = get_settings(SyncWorkerSettings)


class SyncJobRecord(SqsRecordModel):
    body: Json[SyncJob]


processor = LoggingBatchProcessor(SyncJobRecord)


@tracer.capture_method
def sync_record(record: SyncJobRecord) -> None:
    job = record.body
    logger.info("sync job", extra={"organization_id": job.organization_id, "mode": job.mode})
    metrics.add_metric(name="SyncJobs", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(  # type: ignore[return-value]
        event=event, record_handler=sync_record, processor=processor, context=context
    )
