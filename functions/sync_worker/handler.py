"""sync_worker: one organization per SQS record; transient failures retry, poison: the DLQ."""

import asyncio
from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Json

from gluekb.adapters.aws import AwsClients
from gluekb.batch import LoggingBatchProcessor
from gluekb.models.sync import SyncJob
from gluekb.observability import MetricUnit, logger, metrics, tracer
from gluekb.services.sync import SyncIncomplete
from gluekb.services.sync_setup import run_sync_job, sync_stores
from gluekb.settings import SyncWorkerSettings, get_settings

settings = get_settings(SyncWorkerSettings)
clients = AwsClients.from_settings(settings)
stores = sync_stores(settings, clients)


class SyncJobRecord(SqsRecordModel):
    body: Json[SyncJob]


processor = LoggingBatchProcessor(SyncJobRecord)


@tracer.capture_method
def sync_record(record: SyncJobRecord) -> None:
    status = asyncio.run(run_sync_job(record.body, settings, clients, stores))
    for resource, summary in status.resources.items():
        metrics.add_metric(name=f"Synced_{resource}", unit=MetricUnit.Count, value=summary.fetched)
    logger.info(
        "sync finished",
        extra={
            "organization_id": status.organization_id,
            "state": status.state,
            "errors": status.errors[:5],
        },
    )
    if status.retry:  # the checkpoint keeps the progress: the retry resumes
        raise SyncIncomplete(f"sync of {status.organization_id} incomplete: {status.errors[:3]}")


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(  # type: ignore[return-value]
        event=event, record_handler=sync_record, processor=processor, context=context
    )
