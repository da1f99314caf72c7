"""alerts: verified monitoring alerts (alert queue) -> incident tickets with their context."""

from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.typing import LambdaContext

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.sqs_batch import LoggingBatchProcessor
from gluekb.models.events import AlertJobRecord
from gluekb.observability import MetricUnit, logger, metrics, tracer
from gluekb.settings import AlertsSettings, get_settings
from gluekb.wiring.alerts import alert_desk

settings = get_settings(AlertsSettings)
alerts = alert_desk(settings, AwsClients.from_settings(settings))
processor = LoggingBatchProcessor(AlertJobRecord)


@tracer.capture_method
def alert_record(record: AlertJobRecord) -> None:
    """Typed errors (a table or the index unavailable) fail the record: SQS retries it."""
    for outcome in alerts.apply(record.body):
        metrics.add_metric(name=f"Alert_{outcome.action}", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(  # type: ignore[return-value]
        event=event, record_handler=alert_record, processor=processor, context=context
    )
