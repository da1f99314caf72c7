"""api: API Gateway HTTP API (payload 2.0) -> FastAPI, through Mangum."""

from typing import Any, cast

from app import create_app
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from mangum import Mangum

from gluekb.observability import logger, metrics, tracer

app = create_app()
asgi_handler = Mangum(app, lifespan="off")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response: dict[str, Any] = asgi_handler(event, cast(Any, context))
    return response
