"""webhooks: provider deliveries -> verified -> queued, answered 202 within milliseconds."""

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from gluekb.observability import logger, metrics, tracer
from gluekb.settings import WebhooksSettings, get_settings

settings = get_settings(WebhooksSettings)
app = APIGatewayHttpResolver()


@app.not_found
def unknown_provider(exc: Exception) -> Response[dict[str, Any]]:
    return Response(
        status_code=404,
        content_type=content_types.APPLICATION_JSON,
        body={"error": {"code": "not_found", "message": "unknown webhook provider"}},
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
