"""webhooks: provider deliveries -> verified -> queued, answered 202 within milliseconds.

Published with SnapStart: the AWS clients are built before the snapshot (the secret itself is
read on first use, never kept in it); random state is renewed after a restore."""

import json
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.snapstart import after_restore, before_snapshot, renew_randomness
from gluekb.observability import MetricUnit, logger, metrics, trace_correlation, tracer
from gluekb.services.webhooks.receiver import WebhookRequest
from gluekb.settings import WebhooksSettings, get_settings
from gluekb.wiring.webhooks import webhook_service

settings = get_settings(WebhooksSettings)
clients = AwsClients.from_settings(settings)
webhooks = webhook_service(settings, clients)
before_snapshot(lambda: (clients.dynamodb, clients.sqs, clients.s3, clients.secretsmanager))
after_restore(renew_randomness)


# The IT Glue secret is part of the path: the path is never logged (POWERTOOLS_LOGGER_LOG_EVENT
# is false and the access log records the route key, not the path).
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
@tracer.capture_lambda_handler
@event_source(data_class=APIGatewayProxyEventV2)
def handler(event: APIGatewayProxyEventV2, context: LambdaContext) -> dict[str, Any]:
    trace_correlation()  # the request id (the receipt's request_id) follows the queued work
    webhooks.register_lambda_context(context)
    request = WebhookRequest(
        headers=event.headers,
        body=event.body or "",
        is_base64=bool(event.is_base64_encoded),
        request_id=event.request_context.request_id,
    )
    result = webhooks.receive(event.raw_path, request)
    facts = {"provider": result.provider, "outcome": result.outcome, "status": result.status_code}
    logger.info("webhook answered", extra=facts)  # never the path: IT Glue's holds a secret
    metrics.add_metric(
        name=f"Webhook_{result.provider}_{result.outcome}", unit=MetricUnit.Count, value=1
    )
    if result.rejected:
        metrics.add_metric(name="WebhookRejected", unit=MetricUnit.Count, value=1)
    return {
        "statusCode": result.status_code,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(result.body),
    }
