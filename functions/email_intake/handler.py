"""email_intake: SES receipt rule -> S3 (inbound/) -> SQS -> here, one record per message."""

from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.typing import LambdaContext

from gluekb.adapters.aws import AwsClients
from gluekb.batch import LoggingBatchProcessor
from gluekb.models.events import MailNotificationRecord, S3TestEvent
from gluekb.observability import MetricUnit, logger, metrics, tracer
from gluekb.services.mail_intake import record_inbound_mail
from gluekb.settings import EmailIntakeSettings, get_settings

settings = get_settings(EmailIntakeSettings)
clients = AwsClients.from_settings(settings)
processor = LoggingBatchProcessor(MailNotificationRecord)


@tracer.capture_method
def intake_record(record: MailNotificationRecord) -> None:
    if isinstance(record.body, S3TestEvent):
        return
    for s3_record in record.body.Records:
        registered = record_inbound_mail(
            clients.dynamodb,
            settings.tickets_table,
            s3_record.s3.bucket.name,
            s3_record.s3.object.key,
            s3_record.s3.object.size or 0,
            s3_record.s3.object.eTag,
        )
        logger.info("inbound mail", extra={"key": s3_record.s3.object.key, "new": registered})
        metrics.add_metric(name="MailReceived", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(  # type: ignore[return-value]
        event=event, record_handler=intake_record, processor=processor, context=context
    )
