"""Who is calling: the same API keys as the HTTP API.

- streamable HTTP: every request carries `Authorization: Bearer <key>` (or `X-API-Key`). The
  middleware verifies it before the MCP layer sees the request (401 otherwise) and leaves the
  principal in the request's ASGI state, where tools read it.
- stdio: one assistant process, one key, given when the server starts (GLUEKB_API_KEY). It is
  verified on every call (cached for a minute), so revoking it takes effect while running.
"""

from __future__ import annotations

import json
from typing import Any

import anyio.to_thread
from mcp.server.mcpserver import Context
from pydantic import SecretStr
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from gluekb.errors import GluekbError, Unauthorized
from gluekb.models.auth import Principal
from gluekb.observability import build_logger
from gluekb.services.access.auth import Authenticator, key_from_headers

logger = build_logger(child=True)

STATE_KEY = "gluekb_principal"
PUBLIC_PATHS = frozenset({"/health"})


class Tenancy:
    """Resolves the principal of a tool call from its transport."""

    def __init__(self, authenticator: Authenticator, stdio_key: SecretStr | None = None) -> None:
        self.authenticator = authenticator
        self.stdio_key = stdio_key

    def principal(self, ctx: Context[Any, Any]) -> Principal:
        request = ctx.request_context.request
        if request is None:  # stdio: the key the server was started with
            key = self.stdio_key.get_secret_value() if self.stdio_key else None
            if not key:
                raise Unauthorized(
                    "no API key: start the server with GLUEKB_API_KEY set to a gluekb API key"
                )
            return self.authenticator.authenticate(key)
        state = getattr(request, "scope", {}).get("state") or {}
        principal = state.get(STATE_KEY)
        if not isinstance(principal, Principal):
            raise Unauthorized("missing API key: send `Authorization: Bearer <key>`")
        return principal

    async def principal_async(self, ctx: Context[Any, Any]) -> Principal:
        """`principal` off the event loop (verifying a key may read DynamoDB)."""
        return await anyio.to_thread.run_sync(self.principal, ctx)


class ApiKeyMiddleware:
    """Verifies the API key of every HTTP request but the public ones (health)."""

    def __init__(self, app: ASGIApp, authenticator: Authenticator) -> None:
        self.app = app
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = key_from_headers(headers.get("authorization"), headers.get("x-api-key"))
        try:
            principal = await anyio.to_thread.run_sync(self.authenticator.authenticate, key)
        except Unauthorized as exc:
            await _reply(send, 401, exc.code, exc.message)
            return
        except GluekbError as exc:
            await _reply(send, exc.status_code, exc.code, exc.message)
            return
        except Exception:
            logger.exception("API key verification failed")
            await _reply(send, 503, "dependency_unavailable", "cannot verify API keys right now")
            return
        scope.setdefault("state", {})[STATE_KEY] = principal
        await self.app(scope, receive, send)


async def _reply(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="gluekb"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
