"""email_intake: SES receipt rule -> S3 (inbound/) -> SQS -> here, one record per message."""

from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.typing import LambdaContext

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.sqs_batch import LoggingBatchProcessor
from gluekb.models.events import MailNotificationRecord, S3TestEvent
from gluekb.observability import MetricUnit, logger, metrics, tracer, use_correlation_id
from gluekb.settings import EmailIntakeSettings, get_settings
from gluekb.wiring.tickets import mail_intake

settings = get_settings(EmailIntakeSettings)
intake = mail_intake(settings, AwsClients.from_settings(settings))
processor = LoggingBatchProcessor(MailNotificationRecord)


@tracer.capture_method
def intake_record(record: MailNotificationRecord) -> None:
    """Typed errors (a store or queue unavailable) fail the record: SQS retries it, then DLQ."""
    if isinstance(record.body, S3TestEvent):
        return
    for s3_record in record.body.Records:
        mail = s3_record.s3
        if not mail.object.key.startswith(settings.mail_prefix):
            continue
        use_correlation_id(mail.object.key.rsplit("/", 1)[-1])  # SES names the object by its id
        outcome = intake.process(
            mail.bucket.name, mail.object.key, mail.object.size, mail.object.eTag
        )
        metrics.add_metric(name=f"Mail_{outcome.status}", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(  # type: ignore[return-value]
        event=event, record_handler=intake_record, processor=processor, context=context
    )
