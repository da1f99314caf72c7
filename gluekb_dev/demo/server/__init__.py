"""A local IT Glue-compatible HTTP server over the demo tenant.

    server = DemoItGlueServer(tenant_dir, DemoServerConfig(faults=Faults(p_429=0.3)))
    async with server:                     # or: with server.running(): ... (background thread)
        client = ItGlueClient(server.url, server.config.api_key, limiter=...)

It behaves as IT Glue does where a client can tell: `x-api-key` (401 with a JSON:API error),
JSON:API documents with kebab-case attributes, pagination from `meta` (`page[size]` up to 1000),
`filter[...]` on the keys the client's `ResourceSpec` table lists (one table: see `resources`)
and *unknown keys silently ignored*, `filter[updated_at]` and `filter[created_at]` ranges where
the table allows `updated_since` (`start,end`, open end `*`; a wildcard start is a 422), the
table's required filters (`filter[flexible_asset_type_id]` for flexible assets), password
values only with `show_password=true`, `include=related_items` (Tag links both ways, and
document links), documents listed per organization with their sections at
`/documents/:id/relationships/sections`, and 429 with `Retry-After` past the rate limit
(3000 requests per 300 s by default).

For tests it can also misbehave on purpose (`Faults`: random 429 / 500 / malformed pages /
latency, or malformed pages by number), and it records every request with its time
(`server.requests`, or `GET /_demo/requests` from another process). The tenant is re-read when
its file changes, so a `TenantStore.mutate` in another process shows up without a restart.

Modules: `app` (the Starlette app and routing), `resources` (what is served, from the client's
table), `view` (the tenant indexed and reloaded), `selection` (filters and sort), `responses`
(JSON:API documents), `faults`, `request_log`, `state`, `config`, `runner` (uvicorn), `cli`.
"""

from gluekb_dev.demo.server.app import create_app
from gluekb_dev.demo.server.cli import main
from gluekb_dev.demo.server.config import DEMO_API_KEY, DemoServerConfig, Faults, with_faults
from gluekb_dev.demo.server.errors import JSONAPI, ApiError
from gluekb_dev.demo.server.request_log import RequestLog, RequestRecord
from gluekb_dev.demo.server.resources import (
    NESTED,
    RELATED_NAMES,
    RELATED_TYPES,
    RESOURCES,
    TAG_TYPES,
    ServedResource,
)
from gluekb_dev.demo.server.responses import MAX_PAGE_SIZE
from gluekb_dev.demo.server.runner import DemoItGlueServer, serving
from gluekb_dev.demo.server.state import DemoState
from gluekb_dev.demo.server.view import TenantView

__all__ = [
    "DEMO_API_KEY",
    "JSONAPI",
    "MAX_PAGE_SIZE",
    "NESTED",
    "RELATED_NAMES",
    "RELATED_TYPES",
    "RESOURCES",
    "TAG_TYPES",
    "ApiError",
    "DemoItGlueServer",
    "DemoServerConfig",
    "DemoState",
    "Faults",
    "RequestLog",
    "RequestRecord",
    "ServedResource",
    "TenantView",
    "create_app",
    "main",
    "serving",
    "with_faults",
]
