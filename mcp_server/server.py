"""The gluekb MCP server: the query side's services as tools and resources for assistants.

    services = QueryServices(get_settings(McpSettings))
    server = create_server(services, Tenancy(services.authenticator, stdio_key))
    run_stdio(server)                       # one assistant, one key (GLUEKB_API_KEY)
    run_http(server, host, port)  # streamable HTTP, stateless, bearer key per request

Errors are mapped here, in one place: a gluekb error becomes a tool error (or a resource error)
whose message says what to do next; anything else is logged with its traceback and answered
with a generic message, never a stack trace.
"""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Callable, Iterable
from typing import Any

import anyio
import anyio.to_thread
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel.helper_types import ReadResourceContents
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import (
    ResourceError,
    ResourceNotFoundError,
    ToolError,
    UnexpectedResourceError,
    UnexpectedToolError,
)
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS,
    CallToolResult,
    CompleteRequestParams,
    CompleteResult,
    GetPromptResult,
    InputRequiredResult,
)
from pydantic import AnyUrl, SecretStr, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

from gluekb import __version__
from gluekb.errors import (
    DependencyUnavailable,
    Forbidden,
    GluekbError,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthorized,
    UpstreamError,
)
from gluekb.observability import RedactingFilter, build_logger
from gluekb.observability import logger as root_logger
from gluekb.services.access import organizations
from gluekb.services.health import check_health
from gluekb.services.query import records
from gluekb.services.text.untrusted import NEVER_INSTRUCTIONS
from gluekb.settings import McpSettings
from gluekb.wiring.query import QueryServices
from mcp_server.auth import ApiKeyMiddleware, Tenancy
from mcp_server.completions import Completer
from mcp_server.prompts import register_prompts
from mcp_server.tools import register_tools
from mcp_server.tools.passwords import RevealPolicy
from mcp_server.tools.records import fenced_runbook

logger = build_logger(child=True)

MCP_PATH = "/mcp"
INSTRUCTIONS = f"""\
gluekb answers questions about an MSP's clients from their IT Glue documentation (and tickets),
with facts quoted from records and their sources; it never guesses. Start with
query_documentation for a direct question, search to find records, list_organizations to see
which clients you may query. When a tool says "No data available", say so rather than guess.
{NEVER_INSTRUCTIONS}
Passwords: call get_password only when a person needs a credential for a task, with a reason;
it usually gives a one-time link for the person, not the value."""

# What to do next, by error class (never by message text).
HINTS: tuple[tuple[type[GluekbError], str], ...] = (
    (
        NotFound,
        "Call list_organizations to see the organizations this API key may use, and search "
        "to find record ids.",
    ),
    (Forbidden, "Ask a gluekb administrator for an API key with that scope."),
    (Unauthorized, "A gluekb administrator creates keys with `gluekb keys create`."),
    (InvalidInput, "Correct the arguments and call again."),
    (RateLimited, "Wait a minute and call again."),
    (UpstreamError, "IT Glue did not answer as expected; try again later."),
    (DependencyUnavailable, "A gluekb component is unavailable; try again in a minute."),
)


def actionable(exc: GluekbError) -> str:
    """The caller-safe message of an error, with what to do about it."""
    message = exc.message.rstrip(".")
    for kind, hint in HINTS:
        if isinstance(exc, kind):
            if isinstance(exc, RateLimited) and exc.retry_after_s:
                hint = f"Wait {int(exc.retry_after_s) + 1} s and call again."
            return f"{message}. {hint}"
    return f"{message}."


def _gluekb_cause(exc: BaseException) -> GluekbError | None:
    """The gluekb error behind a wrapped one (prompt rendering wraps what it raises)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, GluekbError):
            return seen
        seen = seen.__cause__
    return None


def _invalid_arguments(exc: ValidationError) -> str:
    """The problems of a validation error, without the rejected values (they are caller data)."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body",))
        problems.append(f"{where or 'arguments'}: {error.get('msg', 'invalid')}")
    return "invalid arguments: " + "; ".join(problems)


class GluekbMcpServer(MCPServer[Any]):
    """MCPServer with gluekb's errors mapped to what an assistant can act on."""

    def __init__(self, services: QueryServices) -> None:
        super().__init__(
            "gluekb",
            title="gluekb: IT documentation for assistants",
            instructions=INSTRUCTIONS,
            version=__version__,
            log_level="INFO",
        )
        self.services = services

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            cause = exc.__cause__
            if isinstance(cause, GluekbError):
                raise ToolError(f"{name}: {actionable(cause)}") from cause
            if isinstance(cause, ValidationError):
                raise ToolError(f"{name}: {_invalid_arguments(cause)}") from cause
            if isinstance(exc, UnexpectedToolError):
                logger.error("tool failed", extra={"tool": name}, exc_info=cause)
                raise ToolError(
                    f"{name} failed unexpectedly (logged on the server); try again, and report "
                    "it if it persists"
                ) from None
            raise

    async def get_prompt(
        self,
        name: str,
        arguments: dict[str, Any] | None = None,
        context: Context[Any, Any] | None = None,
    ) -> GetPromptResult | InputRequiredResult:
        try:
            return await super().get_prompt(name, arguments, context)
        except ValueError as exc:
            cause = _gluekb_cause(exc)
            if cause is None:
                raise
            raise MCPError(code=INVALID_PARAMS, message=f"{name}: {actionable(cause)}") from cause

    def serve_completions(self, completer: Completer) -> None:
        """`completion/complete` with the caller's tenancy (the SDK's decorator passes handlers
        no request context, so no API key: this registers one that has it)."""

        async def complete(
            ctx: ServerRequestContext[Any, Any], params: CompleteRequestParams
        ) -> CompleteResult:
            context = Context(request_context=ctx, mcp_server=self)
            found = await anyio.to_thread.run_sync(
                completer.complete, context, params.argument, params.context
            )
            return CompleteResult(completion=found)

        self._lowlevel_server.add_request_handler(
            "completion/complete", CompleteRequestParams, complete
        )

    async def read_resource(
        self, uri: AnyUrl | str, context: Context[Any, Any] | None = None
    ) -> Iterable[ReadResourceContents] | InputRequiredResult:
        try:
            return await super().read_resource(uri, context)
        except UnexpectedResourceError as exc:
            cause = exc.__cause__
            if isinstance(cause, NotFound):
                raise ResourceNotFoundError(actionable(cause)) from cause
            if isinstance(cause, GluekbError):
                raise ResourceError(actionable(cause)) from cause
            raise


def create_server(services: QueryServices, tenancy: Tenancy) -> GluekbMcpServer:
    server = GluekbMcpServer(services)
    register_tools(server, services, tenancy, RevealPolicy.from_settings(services.settings))
    register_prompts(server, services, tenancy)
    server.serve_completions(Completer(services, tenancy))
    _register_resources(server, services, tenancy)

    async def health(request: Request) -> Response:
        report = await anyio.to_thread.run_sync(check_health, services.health_probes())
        return JSONResponse(report.as_json(), status_code=200 if report.status == "ok" else 503)

    # Outside /mcp and its API key check: the container's HEALTHCHECK and load balancers.
    server.custom_route("/health", methods=["GET"], include_in_schema=False)(health)
    return server


def _register_resources(server: MCPServer[Any], services: QueryServices, tenancy: Tenancy) -> None:
    @server.resource(
        "gluekb://organizations/{organization}",
        name="organization",
        description="An organization (client): id, names and the state of its latest sync.",
        mime_type="application/json",
    )
    def organization_resource(organization: str, ctx: Context[Any, Any]) -> str:
        principal = tenancy.principal(ctx)
        status = organizations.sync_status(principal, services.state, organization)
        return status.model_dump_json(indent=2)

    @server.resource(
        "gluekb://organizations/{organization}/runbook",
        name="runbook",
        description="An organization's documentation as one Markdown run-book, grouped by type "
        "(never a password value; prose written in IT Glue fenced as untrusted data).",
        mime_type="text/markdown",
    )
    def runbook_resource(organization: str, ctx: Context[Any, Any]) -> str:
        principal = tenancy.principal(ctx)
        runbook, _, fence = fenced_runbook(principal, services, organization)
        notice = fence.notice()
        return runbook.content + (f"\n---\n{notice.instruction}\n" if notice else "")

    @server.resource(
        "gluekb://records/{record_id}",
        name="record",
        description="A documented record with its fields and relationships, e.g. "
        "gluekb://records/itglue:configurations:200019.",
        mime_type="application/json",
    )
    def record_resource(record_id: str, ctx: Context[Any, Any]) -> str:
        principal = tenancy.principal(ctx)
        return records.get_record(principal, services.catalog, record_id).model_dump_json(indent=2)


# ---------------------------------------------------------------------------- transports
def logs_to_stderr() -> None:
    """stdout is the stdio transport's channel: every log line goes to stderr, redacted."""
    handler = root_logger.registered_handler
    if isinstance(handler, logging.StreamHandler):
        handler.setStream(sys.stderr)
    logging.getLogger(root_logger.name).propagate = False  # once, as JSON: not again via root
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per IT Glue request is noise
    for other in logging.getLogger().handlers:
        other.addFilter(RedactingFilter())


def run_stdio(server: GluekbMcpServer) -> None:
    logs_to_stderr()
    anyio.run(server.run_stdio_async)


def http_app(server: GluekbMcpServer, host: str) -> ASGIApp:
    """Streamable HTTP at /mcp, stateless (any replica answers any request, so it scales behind
    a load balancer) with plain JSON responses; every request authenticated by its API key."""
    app = server.streamable_http_app(
        streamable_http_path=MCP_PATH, stateless_http=True, json_response=True, host=host
    )
    return ApiKeyMiddleware(app, server.services.authenticator)


def run_http(
    server: GluekbMcpServer,
    host: str,
    port: int,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until interrupted. Port 0 picks a free port; `on_ready` gets the endpoint URL."""
    import uvicorn

    logs_to_stderr()
    listener = socket.create_server((host, port), family=_family(host), reuse_port=False)
    bound = listener.getsockname()[1]
    config = uvicorn.Config(
        http_app(server, host),
        host=host,
        port=bound,
        log_level="warning",
        lifespan="on",
        access_log=False,
    )
    http = uvicorn.Server(config)
    where = f"[{host}]" if ":" in host else host
    url = f"http://{where}:{bound}{MCP_PATH}"
    if on_ready is not None:
        on_ready(url)
    anyio.run(_serve, http, listener)


async def _serve(http: Any, listener: socket.socket) -> None:
    await http.serve(sockets=[listener])


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def build(settings: McpSettings, stdio_key: SecretStr | None = None) -> GluekbMcpServer:
    """The server over the services its settings describe (the same ones the API builds)."""
    services = QueryServices(settings)
    return create_server(services, Tenancy(services.authenticator, stdio_key))
