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
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, overload

import httpx
from pydantic import SecretStr, ValidationError

from gluekb.adapters.rate_limit import RateLimiter
from gluekb.errors import (
    ConfigurationError,
    GluekbError,
    InvalidInput,
    NotFound,
    RateLimited,
    UpstreamError,
)
from gluekb.models.itglue import (
    Configuration,
    ConfigurationInterface,
    ConfigurationStatus,
    ConfigurationType,
    Contact,
    DeviceModel,
    Document,
    DocumentSection,
    Domain,
    ErrorDocument,
    FlexibleAsset,
    FlexibleAssetField,
    FlexibleAssetType,
    ItGlueRecord,
    ListDocument,
    Location,
    Manufacturer,
    OperatingSystem,
    Organization,
    Page,
    Password,
    RecordWithRelated,
    RelatedItem,
    ResourceObject,
    RevealedPassword,
    SingleDocument,
)
from gluekb.observability import Logger

logger = Logger(child=True)

REGIONS = {
    "us": "https://api.itglue.com",
    "eu": "https://api.eu.itglue.com",
    "au": "https://api.au.itglue.com",
}
MAX_PAGE_SIZE = 1000
JSONAPI = "application/vnd.api+json"

R = TypeVar("R", bound=ItGlueRecord)
FilterValue = str | int | bool


# --------------------------------------------------------------------------- errors
class ItGlueAuthError(UpstreamError):
    """IT Glue refused the API key (401/403). Retrying cannot help: fix the key or its rights."""

    code = "itglue_auth"


class MalformedPage(UpstreamError):
    """A list page that is not a JSON:API document. The sync logs it and resumes after it."""

    code = "itglue_malformed_page"

    def __init__(
        self, resource_type: str, page_number: int, reason: str, total_pages: int | None = None
    ) -> None:
        super().__init__(f"IT Glue sent a malformed {resource_type} page {page_number}: {reason}")
        self.resource_type = resource_type
        self.page_number = page_number
        self.reason = reason
        self.total_pages = total_pages


class FilterIgnored(UpstreamError):
    """IT Glue returned records the filter excludes: it ignored the filter (unknown key, or a
    resource that does not support it). Trusting the page would re-sync or mis-scope data."""

    code = "itglue_filter_ignored"

    def __init__(self, resource_type: str, filter_name: str, record_id: str) -> None:
        super().__init__(
            f"IT Glue ignored filter[{filter_name}] on {resource_type} "
            f"(record {record_id} does not match it)"
        )
        self.resource_type = resource_type
        self.filter_name = filter_name
        self.record_id = record_id


# --------------------------------------------------------------------------- resource registry
@dataclass(frozen=True)
class ResourceSpec(Generic[R]):
    """How to list and show one IT Glue resource type.

    `list_path` may hold `{placeholders}` (`/documents/{document_id}/relationships/sections`):
    they are required arguments of `pages()`. `filters` are the `filter[...]` keys IT Glue
    honours for it; `required_filters` must be given. `record_filters` maps a filter to the
    record attribute that must equal it, so a page can be checked for an ignored filter."""

    name: str
    model: type[R]
    list_path: str
    show_path: str | None = None
    filters: frozenset[str] = frozenset()
    required_filters: frozenset[str] = frozenset()
    supports_updated_since: bool = False
    related_items: bool = False
    record_filters: Mapping[str, str] = field(default_factory=dict)

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(re.findall(r"{(\w+)}", self.list_path))


_ORG = {"organization_id": "organization_id", "id": "id"}

ORGANIZATIONS = ResourceSpec(
    "organizations",
    Organization,
    "/organizations",
    "/organizations/{id}",
    filters=frozenset({"id", "name", "organization_type_id", "organization_status_id"}),
    supports_updated_since=True,
    record_filters={"id": "id"},
)
CONFIGURATIONS = ResourceSpec(
    "configurations",
    Configuration,
    "/configurations",
    "/configurations/{id}",
    filters=frozenset(
        {
            "id",
            "name",
            "organization_id",
            "configuration_type_id",
            "configuration_status_id",
            "contact_id",
            "serial_number",
            "mac_address",
            "asset_tag",
            "archived",
        }
    ),
    supports_updated_since=True,
    related_items=True,
    record_filters=_ORG | {"configuration_type_id": "configuration_type_id"},
)
CONFIGURATION_INTERFACES = ResourceSpec(
    "configuration_interfaces",
    ConfigurationInterface,
    "/configurations/{configuration_id}/relationships/configuration_interfaces",
    "/configuration_interfaces/{id}",
    filters=frozenset({"id", "ip_address"}),
)
CONFIGURATION_TYPES = ResourceSpec(
    "configuration_types",
    ConfigurationType,
    "/configuration_types",
    "/configuration_types/{id}",
    filters=frozenset({"name"}),
)
CONFIGURATION_STATUSES = ResourceSpec(
    "configuration_statuses",
    ConfigurationStatus,
    "/configuration_statuses",
    "/configuration_statuses/{id}",
    filters=frozenset({"name"}),
)
MANUFACTURERS = ResourceSpec(
    "manufacturers",
    Manufacturer,
    "/manufacturers",
    "/manufacturers/{id}",
    filters=frozenset({"name"}),
)
MODELS = ResourceSpec(
    "models",
    DeviceModel,
    "/models",
    "/models/{id}",
    filters=frozenset({"id"}),
)
OPERATING_SYSTEMS = ResourceSpec(
    "operating_systems",
    OperatingSystem,
    "/operating_systems",
    "/operating_systems/{id}",
    filters=frozenset({"name"}),
)
FLEXIBLE_ASSET_TYPES = ResourceSpec(
    "flexible_asset_types",
    FlexibleAssetType,
    "/flexible_asset_types",
    "/flexible_asset_types/{id}",
    filters=frozenset({"id", "name", "icon", "enabled"}),
    record_filters={"id": "id"},
)
FLEXIBLE_ASSET_FIELDS = ResourceSpec(
    "flexible_asset_fields",
    FlexibleAssetField,
    "/flexible_asset_types/{flexible_asset_type_id}/relationships/flexible_asset_fields",
    "/flexible_asset_fields/{id}",
    filters=frozenset({"id"}),
)
FLEXIBLE_ASSETS = ResourceSpec(
    "flexible_assets",
    FlexibleAsset,
    "/flexible_assets",
    "/flexible_assets/{id}",
    filters=frozenset({"flexible_asset_type_id", "name", "organization_id"}),
    required_filters=frozenset({"flexible_asset_type_id"}),
    supports_updated_since=True,
    related_items=True,
    record_filters={
        "organization_id": "organization_id",
        "flexible_asset_type_id": "flexible_asset_type_id",
    },
)
PASSWORDS = ResourceSpec(
    "passwords",
    Password,
    "/passwords",
    "/passwords/{id}",
    filters=frozenset(
        {
            "id",
            "name",
            "organization_id",
            "password_category_id",
            "url",
            "cached_resource_name",
            "archived",
        }
    ),
    supports_updated_since=True,
    related_items=True,
    record_filters=_ORG,
)
DOCUMENTS = ResourceSpec(
    "documents",
    Document,
    "/organizations/{organization_id}/relationships/documents",
    "/documents/{id}",
    filters=frozenset({"id", "document_folder_id"}),
    supports_updated_since=True,
    related_items=True,
    record_filters=_ORG,
)
DOCUMENT_SECTIONS = ResourceSpec(
    "document_sections",
    DocumentSection,
    "/documents/{document_id}/relationships/sections",
    None,
    filters=frozenset({"id", "resource_type"}),
)
CONTACTS = ResourceSpec(
    "contacts",
    Contact,
    "/contacts",
    "/contacts/{id}",
    filters=frozenset(
        {
            "id",
            "first_name",
            "last_name",
            "title",
            "contact_type_id",
            "important",
            "primary_email",
            "organization_id",
        }
    ),
    supports_updated_since=True,
    related_items=True,
    record_filters=_ORG,
)
LOCATIONS = ResourceSpec(
    "locations",
    Location,
    "/locations",
    "/locations/{id}",
    filters=frozenset({"id", "name", "city", "region_id", "country_id", "organization_id"}),
    supports_updated_since=True,
    related_items=True,
    record_filters=_ORG,
)
DOMAINS = ResourceSpec(
    "domains",
    Domain,
    "/domains",
    None,
    filters=frozenset({"id", "organization_id"}),
    supports_updated_since=True,
    record_filters=_ORG,
)

RESOURCES: dict[str, ResourceSpec[Any]] = {
    spec.name: spec
    for spec in (
        ORGANIZATIONS,
        CONFIGURATIONS,
        CONFIGURATION_INTERFACES,
        CONFIGURATION_TYPES,
        CONFIGURATION_STATUSES,
        MANUFACTURERS,
        MODELS,
        OPERATING_SYSTEMS,
        FLEXIBLE_ASSET_TYPES,
        FLEXIBLE_ASSET_FIELDS,
        FLEXIBLE_ASSETS,
        PASSWORDS,
        DOCUMENTS,
        DOCUMENT_SECTIONS,
        CONTACTS,
        LOCATIONS,
        DOMAINS,
    )
}
"""Resource type name -> how to fetch it. The names are IT Glue's URL segments."""


def resource_spec(resource_type: str) -> ResourceSpec[Any]:
    try:
        return RESOURCES[resource_type]
    except KeyError:
        raise InvalidInput(
            f"unknown IT Glue resource type {resource_type!r}; known: {', '.join(RESOURCES)}"
        ) from None


# --------------------------------------------------------------------------- counters
@dataclass
class RequestStats:
    """What the client sent, for the sync's summary (`asdict(client.stats)`)."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0  # 429 answers
    server_errors: int = 0  # 5xx answers
    transport_errors: int = 0  # timeouts, refused or dropped connections
    malformed_pages: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class IncrementalCheck:
    """Whether an `updated_since` filter narrowed a resource's `total-count`."""

    resource_type: str
    total_count: int
    filtered_count: int

    @property
    def narrowed(self) -> bool:
        return self.filtered_count < self.total_count or self.total_count == 0


def format_updated_since(moment: datetime) -> str:
    """`filter[updated_at]` for "changed at or after `moment`": RFC 3339 UTC, open end."""
    if moment.tzinfo is None:
        raise InvalidInput("updated_since must be timezone-aware (UTC)")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") + ",*"


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


Sleep = Callable[[float], Awaitable[None]]
_RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


# --------------------------------------------------------------------------- the client
class ItGlueClient:
    """An IT Glue API client. Build one per process (or per sync run) and pass it in."""

    def __init__(
        self,
        base_url: str,
        api_key: str | SecretStr,
        *,
        limiter: RateLimiter,
        timeout_s: float = 30.0,
        max_retries: int = 5,
        page_size: int = MAX_PAGE_SIZE,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
        max_retry_after_s: float = 120.0,
        verify_filters: bool = True,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ConfigurationError(f"IT Glue page size must be 1..{MAX_PAGE_SIZE}")
        if max_retries < 0:
            raise ConfigurationError("max_retries must be >= 0")
        key = api_key if isinstance(api_key, SecretStr) else SecretStr(api_key)
        if not key.get_secret_value().strip():
            raise ConfigurationError("the IT Glue API key is empty")
        self.base_url = base_url.rstrip("/")
        self.limiter = limiter
        self.max_retries = max_retries
        self.page_size = page_size
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.max_retry_after_s = max_retry_after_s
        self.verify_filters = verify_filters
        self.stats = RequestStats()
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={
                "x-api-key": key.get_secret_value(),
                "Accept": JSONAPI,
                "Content-Type": JSONAPI,
            },
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"ItGlueClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # ----------------------------------------------------------------------- generic listing
    @overload
    def pages(
        self,
        resource: ResourceSpec[R],
        *,
        start_page: int = 1,
        updated_since: datetime | None = None,
        page_size: int | None = None,
        sort: str | None = None,
        include: str | None = None,
        **filters: FilterValue,
    ) -> AsyncIterator[Page[R]]: ...

    @overload
    def pages(
        self,
        resource: str,
        *,
        start_page: int = 1,
        updated_since: datetime | None = None,
        page_size: int | None = None,
        sort: str | None = None,
        include: str | None = None,
        **filters: FilterValue,
    ) -> AsyncIterator[Page[ItGlueRecord]]: ...

    def pages(
        self,
        resource: str | ResourceSpec[Any],
        *,
        start_page: int = 1,
        updated_since: datetime | None = None,
        page_size: int | None = None,
        sort: str | None = None,
        include: str | None = None,
        **filters: FilterValue,
    ) -> AsyncIterator[Page[Any]]:
        """Every page of a resource from `start_page` on, following `meta.next-page`.

        `filters` are IT Glue filter names (`organization_id=...`) and, for nested resources,
        the path's ids (`document_id=...`). `updated_since` asks for records changed at or after
        that moment; `include` side-loads related resources into `Page.included`
        (`include="configuration_interfaces"` saves a request per configuration). Bad arguments
        raise `InvalidInput` here, before anything is sent."""
        query = _Query.build(self, resource, filters, updated_since, page_size, sort, include)
        return self._pages(query, start_page)

    async def page(
        self,
        resource: str | ResourceSpec[Any],
        number: int = 1,
        *,
        updated_since: datetime | None = None,
        page_size: int | None = None,
        sort: str | None = None,
        include: str | None = None,
        **filters: FilterValue,
    ) -> Page[Any]:
        """One page (for callers that drive pagination themselves, e.g. across invocations)."""
        query = _Query.build(self, resource, filters, updated_since, page_size, sort, include)
        return await self._page(query, number)

    async def records(self, resource: ResourceSpec[R], **kwargs: Any) -> AsyncIterator[R]:
        """Every record of every page (see `pages` for the arguments)."""
        async for page in self.pages(resource, **kwargs):
            for record in page.records:
                yield record

    async def count(
        self,
        resource: str | ResourceSpec[Any],
        *,
        updated_since: datetime | None = None,
        **filters: FilterValue,
    ) -> int:
        """`meta.total-count` for a query, at the cost of one one-record page."""
        query = _Query.build(self, resource, filters, updated_since, 1, None)
        return (await self._page(query, 1)).total_count

    async def check_incremental(
        self,
        resource: str | ResourceSpec[Any],
        *,
        updated_since: datetime,
        **filters: FilterValue,
    ) -> IncrementalCheck:
        """Compare `total-count` with and without `updated_since` (two requests). A count that
        did not shrink means IT Glue ignored the filter - or everything really changed.
        The filtered request is not checked record by record: the counts are the answer."""
        everything = _Query.build(self, resource, filters, None, 1, None)
        changed = _Query.build(self, resource, filters, updated_since, 1, None)
        total = (await self._page(everything, 1)).total_count
        filtered = (await self._page(changed, 1, verify=False)).total_count if total else 0
        return IncrementalCheck(everything.spec.name, total, filtered)

    async def changed_since(
        self,
        resource: str | ResourceSpec[Any],
        since: datetime,
        *,
        page_size: int | None = None,
        **filters: FilterValue,
    ) -> AsyncIterator[Any]:
        """Records changed at or after `since`, newest first, without `filter[updated_at]`:
        pages sorted by `-updated_at`, stopping at the first older record. For resources whose
        updated_at filter IT Glue ignores (see `check_incremental`). A record changed during
        the walk can show up twice (deduplicated here); one deleted during it can shift
        another past the walk, so a periodic full pass is still needed for deletions."""
        if since.tzinfo is None:
            raise InvalidInput("since must be timezone-aware (UTC)")
        floor = since.astimezone(UTC).replace(microsecond=0)
        query = _Query.build(self, resource, filters, None, page_size, "-updated_at")
        seen: set[str] = set()
        async for page in self._pages(query, 1):
            for record in page.records:
                if record.updated_at is None or record.updated_at < floor:
                    return
                if record.id not in seen:
                    seen.add(record.id)
                    yield record

    # ----------------------------------------------------------------------- typed helpers
    def organizations(self, **kwargs: Any) -> AsyncIterator[Organization]:
        return self.records(ORGANIZATIONS, **kwargs)

    def configurations(
        self, organization_id: str, *, updated_since: datetime | None = None, **kwargs: Any
    ) -> AsyncIterator[Configuration]:
        return self.records(
            CONFIGURATIONS, organization_id=organization_id, updated_since=updated_since, **kwargs
        )

    async def configurations_with_interfaces(
        self, organization_id: str, *, updated_since: datetime | None = None
    ) -> AsyncIterator[tuple[Configuration, list[ConfigurationInterface]]]:
        """Configurations with their interfaces side-loaded: one request per page, instead of
        one more per configuration."""
        async for page in self.pages(
            CONFIGURATIONS,
            organization_id=organization_id,
            updated_since=updated_since,
            include="configuration_interfaces",
        ):
            interfaces = {
                str(item.id if item.id is not None else item.attributes.get("id")): item
                for item in page.included
                if item.type in ("configuration-interfaces", "configuration_interfaces")
            }
            for config in page.records:
                linked = config.relationships.get("configuration-interfaces", {}).get("data", [])
                yield (
                    config,
                    [
                        ConfigurationInterface.from_resource(interfaces[str(ref["id"])])
                        for ref in linked
                        if str(ref["id"]) in interfaces
                    ],
                )

    async def configuration_interfaces(self, configuration_id: str) -> list[ConfigurationInterface]:
        return await self._all(CONFIGURATION_INTERFACES, configuration_id=configuration_id)

    async def flexible_asset_types(self) -> list[FlexibleAssetType]:
        return await self._all(FLEXIBLE_ASSET_TYPES)

    async def flexible_asset_fields(self, flexible_asset_type_id: str) -> list[FlexibleAssetField]:
        fields = await self._all(
            FLEXIBLE_ASSET_FIELDS, flexible_asset_type_id=flexible_asset_type_id
        )
        return sorted(fields, key=lambda f: (f.order is None, f.order or 0))

    def flexible_assets(
        self,
        flexible_asset_type_id: str,
        *,
        organization_id: str | None = None,
        updated_since: datetime | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[FlexibleAsset]:
        """Flexible assets of one type (IT Glue requires the type), optionally of one org."""
        scope: dict[str, Any] = {"flexible_asset_type_id": flexible_asset_type_id}
        if organization_id is not None:
            scope["organization_id"] = organization_id
        return self.records(FLEXIBLE_ASSETS, updated_since=updated_since, **scope, **kwargs)

    def passwords(
        self, organization_id: str, *, updated_since: datetime | None = None, **kwargs: Any
    ) -> AsyncIterator[Password]:
        """Password metadata (never values)."""
        return self.records(
            PASSWORDS, organization_id=organization_id, updated_since=updated_since, **kwargs
        )

    async def password(self, password_id: str) -> Password:
        """One password's metadata. Asks with `show_password=false` (IT Glue's show defaults to
        revealing the value)."""
        body = await self._get_document(
            f"/passwords/{_segment(password_id)}", {"show_password": "false"}
        )
        return Password.from_resource(body.data)

    async def password_value(self, password_id: str) -> SecretStr:
        """The password itself. Only for a caller allowed to see it; audit the reveal."""
        return (await self.reveal_password(password_id)).value

    async def reveal_password(self, password_id: str) -> RevealedPassword:
        """Metadata and value (`show_password=true`); the value stays a `SecretStr`."""
        body = await self._get_document(
            f"/passwords/{_segment(password_id)}", {"show_password": "true"}
        )
        try:
            return RevealedPassword.from_resource(body.data)
        except (ValidationError, ValueError):
            # `from None`: a validation error quotes its input, and the input is the secret.
            raise UpstreamError(
                f"IT Glue answered GET /passwords/{password_id} without a usable password value"
            ) from None

    def documents(
        self, organization_id: str, *, updated_since: datetime | None = None, **kwargs: Any
    ) -> AsyncIterator[Document]:
        return self.records(
            DOCUMENTS, organization_id=organization_id, updated_since=updated_since, **kwargs
        )

    async def document_sections(self, document_id: str) -> list[DocumentSection]:
        """A document's sections in display order (one request per 1000 sections)."""
        sections = await self._all(DOCUMENT_SECTIONS, document_id=document_id)
        return sorted(sections, key=lambda s: (s.sort is None, s.sort or 0, int(s.id or 0)))

    def contacts(
        self, organization_id: str, *, updated_since: datetime | None = None, **kwargs: Any
    ) -> AsyncIterator[Contact]:
        return self.records(
            CONTACTS, organization_id=organization_id, updated_since=updated_since, **kwargs
        )

    def locations(
        self, organization_id: str, *, updated_since: datetime | None = None, **kwargs: Any
    ) -> AsyncIterator[Location]:
        return self.records(
            LOCATIONS, organization_id=organization_id, updated_since=updated_since, **kwargs
        )

    def domains(
        self, organization_id: str, *, updated_since: datetime | None = None, **kwargs: Any
    ) -> AsyncIterator[Domain]:
        return self.records(
            DOMAINS, organization_id=organization_id, updated_since=updated_since, **kwargs
        )

    @overload
    async def record(
        self, resource: ResourceSpec[R], record_id: str, *, include_related: bool = True
    ) -> RecordWithRelated[R]: ...

    @overload
    async def record(
        self, resource: str, record_id: str, *, include_related: bool = True
    ) -> RecordWithRelated[ItGlueRecord]: ...

    async def record(
        self,
        resource: str | ResourceSpec[Any],
        record_id: str,
        *,
        include_related: bool = True,
    ) -> RecordWithRelated[Any]:
        """One record by id, with its related items (Tag links both ways, manual links).
        A password comes back as metadata only."""
        spec = resource if isinstance(resource, ResourceSpec) else resource_spec(resource)
        if spec.show_path is None:
            raise InvalidInput(f"IT Glue has no single-record endpoint for {spec.name}")
        params: dict[str, str] = {}
        if include_related and spec.related_items:
            params["include"] = "related_items"
        if spec is PASSWORDS:
            params["show_password"] = "false"  # noqa: S105 - a flag, not a password
        body = await self._get_document(spec.show_path.format(id=_segment(record_id)), params)
        record = spec.model.from_resource(body.data)
        related = [
            RelatedItem.from_resource(item)
            for item in body.included
            if item.type in ("related-items", "related_items")
        ]
        others = [
            item for item in body.included if item.type not in ("related-items", "related_items")
        ]
        return RecordWithRelated(record=record, related_items=related, included=others)

    async def get(self, path: str, params: Mapping[str, FilterValue] | None = None) -> Any:
        """A raw GET (JSON body) with the same limiter, retries and errors: an escape hatch for
        endpoints the registry does not cover."""
        response = await self._request(path, {k: _param(v) for k, v in (params or {}).items()})
        try:
            return response.json()
        except ValueError as exc:
            raise UpstreamError(f"IT Glue sent a body that is not JSON for GET {path}") from exc

    # ----------------------------------------------------------------------- internals
    async def _all(self, spec: ResourceSpec[R], **filters: FilterValue) -> list[R]:
        found: list[R] = []
        async for page in self._pages(_Query.build(self, spec, filters, None, None, None), 1):
            found.extend(page.records)
        return found

    async def _pages(self, query: _Query, start_page: int) -> AsyncIterator[Page[Any]]:
        number: int | None = start_page
        total_pages: int | None = None
        while number is not None:
            try:
                page = await self._page(query, number)
            except MalformedPage as exc:
                exc.total_pages = total_pages  # so the caller knows how far there is to resume
                raise
            total_pages = page.total_pages
            yield page
            if page.next_page is not None and page.next_page <= number:
                raise MalformedPage(query.spec.name, number, "meta.next-page does not advance")
            number = page.next_page

    async def _page(self, query: _Query, number: int, *, verify: bool = True) -> Page[Any]:
        page = await self._fetch_page(
            query.spec, query.path, {**query.params, "page[number]": number}
        )
        if page.number != number:
            raise MalformedPage(query.spec.name, number, f"meta says page {page.number}")
        if verify and self.verify_filters:
            query.check(page)
        return page

    async def _fetch_page(
        self, spec: ResourceSpec[R], path: str, params: Mapping[str, FilterValue]
    ) -> Page[R]:
        number = int(params["page[number]"])
        response = await self._request(path, {k: _param(v) for k, v in params.items()})
        try:
            body = ListDocument.model_validate_json(response.content)
            records = [spec.model.from_resource(item) for item in body.data]
        except (ValidationError, ValueError) as exc:
            self.stats.malformed_pages += 1
            reason = _validation_reason(exc)
            logger.warning(
                "malformed IT Glue page",
                extra={"resource_type": spec.name, "page": number, "reason": reason},
            )
            raise MalformedPage(spec.name, number, reason) from None
        meta = body.meta
        return Page(
            resource_type=spec.name,
            number=meta.current_page,
            total_pages=meta.total_pages,
            total_count=meta.total_count,
            next_page=meta.next_page,
            records=records,
            included=body.included,
        )

    async def _get_document(self, path: str, params: Mapping[str, str]) -> SingleDocument:
        response = await self._request(path, dict(params))
        try:
            return SingleDocument.model_validate_json(response.content)
        except (ValidationError, ValueError) as exc:
            # The reason names fields, never values: a password body must not reach a log.
            raise UpstreamError(
                f"IT Glue sent a malformed document for GET {path}: {_validation_reason(exc)}"
            ) from None

    async def _request(self, path: str, params: Mapping[str, str]) -> httpx.Response:
        attempt = 0
        while True:
            await self.limiter.acquire()
            self.stats.requests += 1
            try:
                response = await self._http.get(path, params=params)
            except httpx.TransportError as exc:  # timeouts, refused and dropped connections
                self.stats.transport_errors += 1
                if attempt >= self.max_retries:
                    raise UpstreamError(
                        f"IT Glue unreachable for GET {path} after {attempt + 1} attempts: "
                        f"{type(exc).__name__}"
                    ) from exc
                delay = self._backoff(attempt)
                self._log_retry(path, type(exc).__name__, attempt, delay)
            else:
                if response.status_code < 300:
                    return response
                detail = _error_detail(response)
                status = response.status_code
                if status not in _RETRYABLE_STATUS:
                    raise _status_error(status, path, detail)
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if status == 429:
                    self.stats.rate_limited += 1
                    if retry_after is not None and retry_after > self.max_retry_after_s:
                        raise RateLimited(
                            f"IT Glue rate limit: retry after {retry_after:.0f}s ({detail})",
                            retry_after_s=retry_after,
                        )
                else:
                    self.stats.server_errors += 1
                if attempt >= self.max_retries:
                    raise _exhausted(status, path, detail, attempt + 1, retry_after)
                delay = retry_after if retry_after is not None else self._backoff(attempt)
                self._log_retry(path, f"HTTP {status}", attempt, delay)
            attempt += 1
            self.stats.retries += 1
            await self._sleep(delay)

    def _backoff(self, attempt: int) -> float:
        # Full jitter: spreads the retries of many workers instead of synchronising them.
        return self._rng.uniform(0, min(self.backoff_max_s, self.backoff_base_s * 2**attempt))

    def _log_retry(self, path: str, reason: str, attempt: int, delay: float) -> None:
        logger.warning(
            "retrying IT Glue request",
            extra={
                "path": path,
                "reason": reason,
                "attempt": attempt + 1,
                "delay_s": round(delay, 3),
            },
        )


@dataclass(frozen=True)
class _Query:
    """A validated list request: path, query parameters, and how to check its pages."""

    spec: ResourceSpec[Any]
    path: str
    params: dict[str, str]
    filters: dict[str, str]
    updated_since: datetime | None

    @classmethod
    def build(
        cls,
        client: ItGlueClient,
        resource: str | ResourceSpec[Any],
        filters: Mapping[str, FilterValue],
        updated_since: datetime | None,
        page_size: int | None,
        sort: str | None,
        include: str | None = None,
    ) -> _Query:
        spec = resource if isinstance(resource, ResourceSpec) else resource_spec(resource)
        missing = [p for p in spec.path_params if p not in filters]
        if missing:
            raise InvalidInput(f"{spec.name} needs {', '.join(missing)}")
        path = spec.list_path.format(**{p: _segment(str(filters[p])) for p in spec.path_params})
        query = {k: _param(v) for k, v in filters.items() if k not in spec.path_params}
        unknown = sorted(set(query) - spec.filters)
        if unknown:
            # IT Glue would ignore these and return everything: refuse rather than over-fetch.
            raise InvalidInput(
                f"IT Glue does not filter {spec.name} by {', '.join(unknown)}; "
                f"it filters by {', '.join(sorted(spec.filters)) or 'nothing'}"
            )
        absent = sorted(spec.required_filters - set(query))
        if absent:
            raise InvalidInput(f"IT Glue requires filter[{absent[0]}] to list {spec.name}")
        params = {f"filter[{k}]": v for k, v in sorted(query.items())}
        if updated_since is not None:
            if not spec.supports_updated_since:
                raise InvalidInput(f"IT Glue cannot filter {spec.name} by updated_at")
            params["filter[updated_at]"] = format_updated_since(updated_since)
        size = page_size or client.page_size
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise InvalidInput(f"IT Glue page size must be 1..{MAX_PAGE_SIZE}")
        params["page[size]"] = str(size)
        if sort:
            params["sort"] = sort
        if include:
            params["include"] = include
        return cls(spec, path, params, query, updated_since)

    def check(self, page: Page[Any]) -> None:
        """Raise `FilterIgnored` if a record on the page contradicts a filter."""
        for name, attribute in self.spec.record_filters.items():
            if name not in self.filters:
                continue
            wanted = {s.strip() for s in self.filters[name].split(",")}
            for record in page.records:
                if str(getattr(record, attribute, None)) not in wanted:
                    raise FilterIgnored(self.spec.name, name, str(record.id))
        if self.updated_since is not None:
            floor = self.updated_since.astimezone(UTC).replace(microsecond=0)
            for record in page.records:
                if record.updated_at is not None and record.updated_at < floor:
                    raise FilterIgnored(self.spec.name, "updated_at", str(record.id))


# --------------------------------------------------------------------------- helpers
def _segment(value: str) -> str:
    """An id placed in a URL path: digits only, so nothing can change the path."""
    if not re.fullmatch(r"[0-9]{1,20}", value):
        raise InvalidInput(f"not an IT Glue id: {value!r}")
    return value


def _param(value: FilterValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _validation_reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        errors = exc.errors(include_input=False, include_url=False)
        if errors and errors[0]["type"] == "json_invalid":
            return "invalid JSON"
        fields = sorted({".".join(str(p) for p in e["loc"][:2]) for e in errors})
        return "missing or invalid " + ", ".join(fields[:5])
    return type(exc).__name__


def _error_detail(response: httpx.Response) -> str:
    """IT Glue's `errors[].detail` (or title), else the HTTP reason phrase."""
    try:
        message = ErrorDocument.model_validate_json(response.content).message()
    except (ValidationError, ValueError):
        message = None
    return message or response.reason_phrase or f"HTTP {response.status_code}"


def _status_error(status: int, path: str, detail: str) -> GluekbError:
    where = f"(HTTP {status} on GET {path})"
    if status in (401, 403):
        return ItGlueAuthError(
            f"IT Glue rejected the API key: {detail} {where}. Check the key, its region "
            "(US/EU/AU base URL) and, for passwords, its Password Access setting."
        )
    if status in (400, 422):
        return InvalidInput(f"IT Glue: {detail} {where}", details={"detail": detail})
    if status == 404:
        return NotFound(f"IT Glue: {detail} {where}", details={"detail": detail})
    return UpstreamError(f"IT Glue: {detail} {where}", details={"detail": detail})


def _exhausted(
    status: int, path: str, detail: str, attempts: int, retry_after: float | None
) -> GluekbError:
    if status == 429:
        return RateLimited(
            f"IT Glue rate limit: {detail} (GET {path}, {attempts} attempts)",
            retry_after_s=retry_after,
        )
    return UpstreamError(
        f"IT Glue: {detail} (HTTP {status} on GET {path}, {attempts} attempts)",
        details={"detail": detail, "status": status},
    )


def iter_resource_types() -> Sequence[str]:
    """The resource type names `pages()` and `record()` accept."""
    return tuple(RESOURCES)


__all__ = [
    "CONFIGURATIONS",
    "CONFIGURATION_INTERFACES",
    "CONTACTS",
    "DOCUMENTS",
    "DOCUMENT_SECTIONS",
    "DOMAINS",
    "FLEXIBLE_ASSETS",
    "FLEXIBLE_ASSET_FIELDS",
    "FLEXIBLE_ASSET_TYPES",
    "LOCATIONS",
    "ORGANIZATIONS",
    "PASSWORDS",
    "REGIONS",
    "RESOURCES",
    "FilterIgnored",
    "IncrementalCheck",
    "ItGlueAuthError",
    "ItGlueClient",
    "MalformedPage",
    "RequestStats",
    "ResourceObject",
    "ResourceSpec",
    "format_updated_since",
    "iter_resource_types",
    "parse_retry_after",
    "resource_spec",
]
