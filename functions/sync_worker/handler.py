"""sync_worker: one sync-queue job per SQS record (an organization, one of its records, or a
docs-repository push); transient failures retry with backoff, poison messages go to the DLQ."""

import asyncio
from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Json

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.sqs_batch import LoggingBatchProcessor, RetryBackoff
from gluekb.models.sync import SyncQueueJob
from gluekb.observability import MetricUnit, logger, metrics, tracer
from gluekb.services.sync.organization_sync import SyncIncomplete
from gluekb.settings import SyncWorkerSettings, get_settings
from gluekb.wiring.sync import sync_jobs

settings = get_settings(SyncWorkerSettings)
clients = AwsClients.from_settings(settings)
jobs = sync_jobs(settings, clients)


class SyncJobRecord(SqsRecordModel):
    body: Json[SyncQueueJob]


retry = RetryBackoff(
    clients.sqs, settings.sync_queue_url, settings.retry_base_s, settings.retry_max_s
)
processor = LoggingBatchProcessor(SyncJobRecord, retry)


@tracer.capture_method
def sync_record(record: SyncJobRecord) -> None:
    report = asyncio.run(jobs.run(record.body))
    for name, value in report.counts.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    logger.info(report.summary, extra=report.details)
    if report.retry:  # the checkpoint keeps the progress: the retry resumes
        raise SyncIncomplete(report.retry)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(  # type: ignore[return-value]
        event=event, record_handler=sync_record, processor=processor, context=context
    )
