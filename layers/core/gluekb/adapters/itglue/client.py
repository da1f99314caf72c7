"""`ItGlueClient`: lists and shows IT Glue records over JSON:API, pages driven by `meta`.
See the package docstring (`gluekb.adapters.itglue`) for what it guarantees.

Long because it is one class whose public methods are mostly one typed call per IT Glue
endpoint; the transport, query builder, resource table, JSON:API reading and errors already live
beside it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, overload

import httpx
from pydantic import SecretStr, ValidationError

from gluekb.adapters.itglue.errors import MalformedPage
from gluekb.adapters.itglue.jsonapi import parse_document, parse_page, split_related
from gluekb.adapters.itglue.query import (
    MAX_PAGE_SIZE,
    FilterValue,
    IncrementalCheck,
    ListQuery,
    param,
    segment,
)
from gluekb.adapters.itglue.resources import (
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
    R,
    ResourceSpec,
    resource_spec,
)
from gluekb.adapters.itglue.transport import (
    ItGlueTransport,
    RequestStats,
    RetryPolicy,
    Sleep,
)
from gluekb.adapters.rate_limit import RateLimiter
from gluekb.errors import ConfigurationError, InvalidInput, UpstreamError
from gluekb.models.itglue import (
    Configuration,
    ConfigurationInterface,
    Contact,
    Document,
    DocumentFolder,
    DocumentSection,
    Domain,
    FlexibleAsset,
    FlexibleAssetField,
    FlexibleAssetType,
    ItGlueRecord,
    Location,
    Organization,
    Page,
    Password,
    RecordWithRelated,
    RevealedPassword,
    SingleDocument,
)


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
        self.page_size = page_size
        self.verify_filters = verify_filters
        self._transport = ItGlueTransport(
            self.base_url,
            key,
            limiter=limiter,
            policy=RetryPolicy(max_retries, backoff_base_s, backoff_max_s, max_retry_after_s),
            timeout_s=timeout_s,
            sleep=sleep,
            rng=rng or random.Random(),  # noqa: S311 - jitter, not cryptography
            http_transport=transport,
        )

    @property
    def limiter(self) -> RateLimiter:
        return self._transport.limiter

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._transport.policy

    @property
    def stats(self) -> RequestStats:
        """Counters of what was sent (requests, retries, 429s, 5xx, ...)."""
        return self._transport.stats

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
        await self._transport.aclose()

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
        query = self._query(resource, filters, updated_since, page_size, sort, include)
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
        query = self._query(resource, filters, updated_since, page_size, sort, include)
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
        query = self._query(resource, filters, updated_since, 1)
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
        everything = self._query(resource, filters, None, 1)
        changed = self._query(resource, filters, updated_since, 1)
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
        query = self._query(resource, filters, None, page_size, "-updated_at")
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

    async def flexible_asset_type_definitions(
        self,
    ) -> list[tuple[FlexibleAssetType, list[FlexibleAssetField]]]:
        """Every flexible asset type with its fields (side-loaded: one request, as many as the
        type list alone), fields in their order."""
        found: list[tuple[FlexibleAssetType, list[FlexibleAssetField]]] = []
        async for page in self.pages(FLEXIBLE_ASSET_TYPES, include="flexible_asset_fields"):
            fields = {
                str(item.id): FlexibleAssetField.from_resource(item)
                for item in page.included
                if item.type in ("flexible-asset-fields", "flexible_asset_fields")
            }
            for asset_type in page.records:
                refs = asset_type.relationships.get("flexible-asset-fields", {}).get("data") or []
                linked = [fields[str(ref["id"])] for ref in refs if str(ref["id"]) in fields]
                linked.sort(key=lambda f: (f.order is None, f.order or 0))
                found.append((asset_type, linked))
        return found

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
            f"/passwords/{segment(password_id)}", {"show_password": "false"}
        )
        return Password.from_resource(body.data)

    async def password_value(self, password_id: str) -> SecretStr:
        """The password itself. Only for a caller allowed to see it; audit the reveal."""
        return (await self.reveal_password(password_id)).value

    async def reveal_password(self, password_id: str) -> RevealedPassword:
        """Metadata and value (`show_password=true`); the value stays a `SecretStr`."""
        body = await self._get_document(
            f"/passwords/{segment(password_id)}", {"show_password": "true"}
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
        """Documents at the root of the organization, as IT Glue lists them by default; pass
        `document_folder_id=ALL_DOCUMENTS` for every document, or a folder's id."""
        return self.records(
            DOCUMENTS, organization_id=organization_id, updated_since=updated_since, **kwargs
        )

    async def document_folders(self, organization_id: str) -> list[DocumentFolder]:
        """An organization's folder tree, every level (one request per 1000 folders). Raises
        `NotFound` on a tenant where IT Glue has not rolled the resource out."""
        return await self._all(DOCUMENT_FOLDERS, organization_id=organization_id)

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
        body = await self._get_document(spec.show_path.format(id=segment(record_id)), params)
        record = spec.model.from_resource(body.data)
        related, others = split_related(body.included)
        return RecordWithRelated(record=record, related_items=related, included=others)

    async def get(self, path: str, params: Mapping[str, FilterValue] | None = None) -> Any:
        """A raw GET (JSON body) with the same limiter, retries and errors: an escape hatch for
        endpoints the registry does not cover."""
        response = await self._transport.get(path, {k: param(v) for k, v in (params or {}).items()})
        try:
            return response.json()
        except ValueError as exc:
            raise UpstreamError(f"IT Glue sent a body that is not JSON for GET {path}") from exc

    # ----------------------------------------------------------------------- internals
    def _query(
        self,
        resource: str | ResourceSpec[Any],
        filters: Mapping[str, FilterValue],
        updated_since: datetime | None = None,
        page_size: int | None = None,
        sort: str | None = None,
        include: str | None = None,
    ) -> ListQuery:
        return ListQuery.build(
            resource,
            filters,
            page_size=page_size or self.page_size,
            updated_since=updated_since,
            sort=sort,
            include=include,
        )

    async def _all(self, spec: ResourceSpec[R], **filters: FilterValue) -> list[R]:
        found: list[R] = []
        async for page in self._pages(self._query(spec, filters), 1):
            found.extend(page.records)
        return found

    async def _pages(self, query: ListQuery, start_page: int) -> AsyncIterator[Page[Any]]:
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

    async def _page(self, query: ListQuery, number: int, *, verify: bool = True) -> Page[Any]:
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
        response = await self._transport.get(path, {k: param(v) for k, v in params.items()})
        try:
            return parse_page(spec, response.content, number)
        except MalformedPage:
            self.stats.malformed_pages += 1
            raise

    async def _get_document(self, path: str, params: Mapping[str, str]) -> SingleDocument:
        response = await self._transport.get(path, dict(params))
        return parse_document(path, response.content)
