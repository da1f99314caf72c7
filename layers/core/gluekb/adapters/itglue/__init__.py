"""The IT Glue API client: async httpx, JSON:API pages driven by `meta`, a shared rate limiter,
bounded retries, typed errors.

    async with ItGlueClient(url, key, limiter=limiter) as client:
        async for page in client.pages("configurations", organization_id="1001",
                                       updated_since=checkpoint):
            ...

What it guarantees:
- Every request (retries included) first takes a token from `limiter`.
- Only GETs are sent, and retried on 429, 5xx, timeouts and connection errors, at most
  `max_retries` times: `Retry-After` when IT Glue sends it, exponential backoff with full jitter
  otherwise. A `Retry-After` longer than `max_retry_after_s` is not slept on: `RateLimited` is
  raised with it, so a caller can reschedule instead of holding a Lambda.
- 401/403 raise `ItGlueAuthError` at once (a bad key never turns into a retry storm); 422 and 400
  raise `InvalidInput`, 404 `NotFound`, both carrying IT Glue's `detail`.
- A page that is not a JSON:API list (bad JSON, no `data`, no `meta`) raises `MalformedPage` with
  its number; `pages(..., start_page=n + 1)` resumes after it.
- Unknown filters are refused before sending (IT Glue silently ignores them and returns
  everything), and each page is checked against the filters that a record can show
  (organization, type, `updated_since`): a filter IT Glue ignored raises `FilterIgnored`.
- The API key and password values are never logged; errors carry the path, never the key.

Modules: `client` (ItGlueClient), `resources` (the ResourceSpec table, shared with the demo
server), `query` (a list request validated against that table), `transport` (the GET with the
limiter and retries), `jsonapi` (reading the answers), `errors`.
"""

from gluekb.adapters.itglue.client import ItGlueClient
from gluekb.adapters.itglue.errors import FilterIgnored, ItGlueAuthError, MalformedPage
from gluekb.adapters.itglue.query import (
    MAX_PAGE_SIZE,
    FilterValue,
    IncrementalCheck,
    format_updated_since,
)
from gluekb.adapters.itglue.resources import (
    ALL_DOCUMENTS,
    CONFIGURATION_INTERFACES,
    CONFIGURATIONS,
    CONTACTS,
    DOCUMENT_FOLDERS,
    DOCUMENT_SECTIONS,
    DOCUMENTS,
    DOMAINS,
    FLEXIBLE_ASSET_FIELDS,
    FLEXIBLE_ASSET_TYPES,
    FLEXIBLE_ASSETS,
    LOCATIONS,
    ORGANIZATIONS,
    PASSWORDS,
    RESOURCES,
    ResourceSpec,
    iter_resource_types,
    resource_spec,
)
from gluekb.adapters.itglue.transport import (
    JSONAPI,
    REGIONS,
    RequestStats,
    RetryPolicy,
    parse_retry_after,
)
from gluekb.models.itglue import ResourceObject

__all__ = [
    "ALL_DOCUMENTS",
    "CONFIGURATIONS",
    "CONFIGURATION_INTERFACES",
    "CONTACTS",
    "DOCUMENTS",
    "DOCUMENT_FOLDERS",
    "DOCUMENT_SECTIONS",
    "DOMAINS",
    "FLEXIBLE_ASSETS",
    "FLEXIBLE_ASSET_FIELDS",
    "FLEXIBLE_ASSET_TYPES",
    "JSONAPI",
    "LOCATIONS",
    "MAX_PAGE_SIZE",
    "ORGANIZATIONS",
    "PASSWORDS",
    "REGIONS",
    "RESOURCES",
    "FilterIgnored",
    "FilterValue",
    "IncrementalCheck",
    "ItGlueAuthError",
    "ItGlueClient",
    "MalformedPage",
    "RequestStats",
    "ResourceObject",
    "ResourceSpec",
    "RetryPolicy",
    "format_updated_since",
    "iter_resource_types",
    "parse_retry_after",
    "resource_spec",
]
