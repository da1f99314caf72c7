"""api: API Gateway HTTP API (payload 2.0) -> FastAPI, through Mangum.

Published with SnapStart: the services every request uses are built before the snapshot, so a
cold start resumes them instead of paying for them; random state is renewed after a restore."""

from typing import Any, cast

from app import create_app, deps
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from mangum import Mangum

from gluekb.adapters.snapstart import after_restore, before_snapshot, renew_randomness
from gluekb.observability import logger, metrics, trace_correlation, tracer

app = create_app()
asgi_handler = Mangum(app, lifespan="off")
before_snapshot(deps.prepare)
before_snapshot(app.openapi)  # /docs and /openapi.json: the schema is built once, here
after_restore(renew_randomness)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    trace_correlation()  # the request id: in every log line, on the X-Ray trace, on queued jobs
    response: dict[str, Any] = asgi_handler(event, cast(Any, context))
    logger.info(
        "api request", extra={"route": event.get("routeKey"), "status": response.get("statusCode")}
    )
    return response
