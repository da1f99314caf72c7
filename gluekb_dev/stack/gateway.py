"""API Gateway HTTP API, locally: HTTP requests become payload-format-2.0 events for the
function that owns the route in template.yaml, and the function's result becomes the response.

Route selection follows API Gateway: the most specific route wins (exact paths, then path
parameters, then greedy `{proxy+}`), a specific method beats ANY, and `$default` catches the rest.
Errors look like API Gateway's: 404 {"message":"Not Found"}, 413 for bodies over 10 MB,
500 {"message":"Internal Server Error"} when the function fails, 503 when it times out.
"""

from __future__ import annotations

import base64
import re
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from gluekb_dev.stack.lambda_runtime import InvocationResult
from gluekb_dev.stack.template import HttpRoute

MAX_BODY_BYTES = 10 * 1024 * 1024
RECENT_REQUESTS = 1000
Invoke = Callable[[str, dict[str, Any]], Awaitable[InvocationResult]]
_TEXT_TYPES = re.compile(r"^(text/|application/(json|xml|x-www-form-urlencoded|.*\+json|.*\+xml))")


@dataclass(frozen=True)
class _CompiledRoute:
    function: str
    route: HttpRoute
    pattern: re.Pattern[str] | None
    params: tuple[str, ...]
    specificity: tuple[int, int, int]


def _compile(function: str, route: HttpRoute) -> _CompiledRoute:
    if route.path == "$default":
        return _CompiledRoute(function, route, None, (), (0, 0, 0))
    parts = route.path.strip("/").split("/") if route.path != "/" else []
    regex, params = "", []
    literal = 0
    greedy = 0
    for part in parts:
        if part.startswith("{") and part.endswith("+}"):
            params.append(part[1:-2])
            regex += rf"/(?P<{part[1:-2]}>.+)"
            greedy = 1
        elif part.startswith("{") and part.endswith("}"):
            params.append(part[1:-1])
            regex += rf"/(?P<{part[1:-1]}>[^/]+)"
        else:
            regex += "/" + re.escape(part)
            literal += 1
    method_specific = 0 if route.method == "ANY" else 1
    return _CompiledRoute(
        function,
        route,
        re.compile(f"^{regex or '/'}$"),
        tuple(params),
        (1 - greedy, literal * 10 - len(params), method_specific),
    )


class Router:
    def __init__(self, routes: dict[str, list[HttpRoute]]) -> None:
        compiled = [_compile(fn, r) for fn, rs in routes.items() for r in rs]
        self.routes = sorted(compiled, key=lambda c: c.specificity, reverse=True)

    def match(self, method: str, path: str) -> tuple[_CompiledRoute, dict[str, str]] | None:
        default = None
        for candidate in self.routes:
            if candidate.pattern is None:
                default = candidate
                continue
            if candidate.route.method not in ("ANY", method):
                continue
            found = candidate.pattern.match(path)
            if found:
                return candidate, {k: v for k, v in found.groupdict().items()}
        return (default, {}) if default else None


def build_event(
    request: Request, body: bytes, route_key: str, path_params: dict[str, str], api_id: str
) -> dict[str, Any]:
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers.items():
        if name == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    query: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        query[name] = f"{query[name]},{value}" if name in query else value
    content_type = request.headers.get("content-type", "")
    is_text = not body or bool(_TEXT_TYPES.match(content_type))
    if is_text:
        try:
            text: str | None = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
    else:
        text = None
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.url.path,
        "rawQueryString": request.url.query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": api_id,
            "domainName": request.headers.get("host", "localhost"),
            "domainPrefix": api_id,
            "http": {
                "method": request.method,
                "path": request.url.path,
                "protocol": f"HTTP/{request.scope.get('http_version', '1.1')}",
                "sourceIp": request.client.host if request.client else "127.0.0.1",
                "userAgent": request.headers.get("user-agent", ""),
            },
            "requestId": base64.b32encode(uuid.uuid4().bytes)[:16].decode(),
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": text is None,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_params:
        event["pathParameters"] = path_params
    if body:
        event["body"] = text if text is not None else base64.b64encode(body).decode()
    return event


def build_response(result: InvocationResult, request_id: str) -> Response:
    base_headers = {"apigw-requestid": request_id}
    if not result.ok:
        status = 503 if result.error_type == "Sandbox.Timedout" else 500
        message = "Service Unavailable" if status == 503 else "Internal Server Error"
        return JSONResponse({"message": message}, status_code=status, headers=base_headers)
    output = result.json()
    if not (isinstance(output, dict) and "statusCode" in output):
        # Payload 2.0 format inference: anything else is a 200 JSON body.
        return JSONResponse(output, headers=base_headers)
    body = output.get("body") or ""
    raw = base64.b64decode(body) if output.get("isBase64Encoded") else str(body).encode()
    response = Response(raw, status_code=int(output["statusCode"]))
    for name, value in {**base_headers, **(output.get("headers") or {})}.items():
        response.headers[name] = str(value)
    for name, values in (output.get("multiValueHeaders") or {}).items():
        for value in values:
            response.headers.append(name, str(value))
    for cookie in output.get("cookies") or []:
        response.headers.append("set-cookie", cookie)
    return response


class HttpApiGateway:
    """A Starlette app that plays API Gateway in front of the functions' routes."""

    def __init__(self, router: Router, invoke: Invoke, api_id: str = "local") -> None:
        self.router = router
        self.invoke = invoke
        self.api_id = api_id
        self.requests = 0
        self.errors = 0
        # (status, milliseconds) of the latest requests: what `gluekb status` reads as the local
        # equivalent of the API's 5xx-rate and p95-latency alarms.
        self.recent: deque[tuple[int, float]] = deque(maxlen=RECENT_REQUESTS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)
        self.recent.append((response.status_code, (time.perf_counter() - started) * 1000))

    def stats(self) -> dict[str, Any]:
        """The latest requests: how many, how many answered 5xx, their p95 latency."""
        recent = list(self.recent)
        latencies = sorted(ms for _, ms in recent)
        p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] if latencies else None
        return {
            "recent_requests": len(recent),
            "recent_5xx": sum(1 for status, _ in recent if status >= 500),
            "recent_p95_ms": round(p95, 1) if p95 is not None else None,
        }

    async def handle(self, request: Request) -> Response:
        self.requests += 1
        matched = self.router.match(request.method, request.url.path)
        if matched is None:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        route, params = matched
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return JSONResponse({"message": "Request Entity Too Large"}, status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"message": "Request Entity Too Large"}, status_code=413)
        event = build_event(request, body, route.route.route_key, params, self.api_id)
        result = await self.invoke(route.function, event)
        if not result.ok:
            self.errors += 1
        return build_response(result, event["requestContext"]["requestId"])
