"""health_report: EventBridge schedule (weekly) -> every client's documentation health report,
kept for next week's trend and mailed through SES (HTML and text)."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from gluekb.adapters.aws import AwsClients
from gluekb.observability import logger, metrics, tracer
from gluekb.settings import HealthReportSettings, get_settings
from gluekb.wiring.doc_health import weekly_health_report

settings = get_settings(HealthReportSettings)
weekly = weekly_health_report(settings, AwsClients.from_settings(settings))


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
@event_parser(model=EventBridgeModel)
def handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    outcome = weekly.run(event.time)
    metrics.add_metric(name="HealthFindings", unit=MetricUnit.Count, value=outcome.findings)
    logger.info("documentation health report", extra=outcome.model_dump(exclude={"scores"}))
    return outcome.model_dump(mode="json")
