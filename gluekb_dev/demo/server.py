"""A local IT Glue-compatible HTTP server over the demo tenant.

    server = DemoItGlueServer(tenant_dir, DemoServerConfig(faults=Faults(p_429=0.3)))
    async with server:                     # or: with server.running(): ... (background thread)
        client = ItGlueClient(server.url, server.config.api_key, limiter=...)

It behaves as IT Glue does where a client can tell: `x-api-key` (401 with a JSON:API error),
JSON:API documents with kebab-case attributes, pagination from `meta` (`page[size]` up to 1000),
`filter[...]` on the documented keys and *unknown keys silently ignored*, `filter[updated_at]`
and `filter[created_at]` ranges (`start,end`, open end `*`; a wildcard start is a 422),
`filter[flexible_asset_type_id]` required for flexible assets, password values only with
`show_password=true`, `include=related_items` (Tag links both ways, and document links),
documents listed per organization with their sections at
`/documents/:id/relationships/sections`, and 429 with `Retry-After` past the rate limit
(3000 requests per 300 s by default).

For tests it can also misbehave on purpose (`Faults`: random 429 / 500 / malformed pages /
latency, or malformed pages by number), and it records every request with its time
(`server.requests`, or `GET /_demo/requests` from another process). The tenant is re-read when
its file changes, so a `TenantStore.mutate` in another process shows up without a restart.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import random
import socket
import sys
import threading
import time
import zlib
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gluekb_dev.demo.tenant import Resource, Tenant, TenantStore, parse_iso

DEMO_API_KEY = "ITG.demo-key-0000"
JSONAPI = "application/vnd.api+json"
MAX_PAGE_SIZE = 1000


# --------------------------------------------------------------------------- configuration
@dataclass(frozen=True)
class Faults:
    """Misbehaviour on purpose. Probabilities apply per API request (after auth and the rate
    limit); `malformed_pages` corrupts list pages with those numbers, every time."""

    p_429: float = 0.0
    p_500: float = 0.0
    p_malformed: float = 0.0
    latency_s: float = 0.0
    latency_jitter_s: float = 0.0
    retry_after_s: int | None = 1  # Retry-After on an injected 429; None sends no header
    malformed_pages: frozenset[int] = frozenset()
    # Paths (prefixes, e.g. "/domains") answered 422 with a JSON:API detail, as IT Glue answers
    # a request it cannot process.
    unprocessable_paths: frozenset[str] = frozenset()
    seed: int | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Faults:
        values = dict(data)
        if "malformed_pages" in values:
            values["malformed_pages"] = frozenset(int(p) for p in values["malformed_pages"])
        if "unprocessable_paths" in values:
            values["unprocessable_paths"] = frozenset(values["unprocessable_paths"])
        return cls(**values)


@dataclass(frozen=True)
class DemoServerConfig:
    api_key: str = DEMO_API_KEY
    rate_limit: int = 3000  # requests per window, as IT Glue
    rate_window_s: float = 300.0
    default_page_size: int = 50
    faults: Faults = field(default_factory=Faults)
    # Resource types whose filter[updated_at] is ignored (to exercise a client's check).
    ignore_updated_at_for: frozenset[str] = frozenset()
    # The real API reveals a password on show unless show_password=false; the demo does not
    # unless show_password=true. Set True to mimic IT Glue's default.
    show_password_by_default: bool = False
    max_recorded_requests: int = 200_000


# --------------------------------------------------------------------------- resources
@dataclass(frozen=True)
class _Res:
    filters: frozenset[str]
    listable: bool = True  # GET /<type> at the top level
    showable: bool = True
    dated: bool = True  # supports filter[updated_at] / filter[created_at]
    sorts: frozenset[str] = frozenset({"id", "name", "created_at", "updated_at"})


_BASIC = frozenset({"id", "name"})
RESOURCES: dict[str, _Res] = {
    "organizations": _Res(_BASIC | {"organization_type_id", "organization_status_id"}),
    "configurations": _Res(
        _BASIC
        | {
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
    "configuration_interfaces": _Res(frozenset({"id", "ip_address"}), listable=False),
    "configuration_types": _Res(frozenset({"name"}), dated=False),
    "configuration_statuses": _Res(frozenset({"name"}), dated=False),
    "manufacturers": _Res(frozenset({"name"}), dated=False),
    "models": _Res(frozenset({"id", "manufacturer_id"}), dated=False),
    "operating_systems": _Res(frozenset({"name"}), dated=False),
    "flexible_asset_types": _Res(_BASIC | {"icon", "enabled"}),
    "flexible_asset_fields": _Res(frozenset({"id"}), listable=False),
    "flexible_assets": _Res(_BASIC | {"flexible_asset_type_id", "organization_id"}),
    "passwords": _Res(
        _BASIC
        | {"organization_id", "password_category_id", "url", "cached_resource_name", "archived"}
    ),
    "documents": _Res(frozenset({"id", "document_folder_id"}), listable=False),
    "document_sections": _Res(
        frozenset({"id", "resource_type"}), listable=False, showable=False, dated=False
    ),
    "contacts": _Res(
        frozenset({"id", "first_name", "last_name", "title", "contact_type_id", "important"})
        | {"primary_email", "organization_id"}
    ),
    "locations": _Res(_BASIC | {"city", "region_id", "country_id", "organization_id"}),
    "domains": _Res(frozenset({"id", "organization_id"}), showable=False),
}
# Nested list routes: parent -> {URL child segment: (resource type, attribute naming the parent)}
NESTED: dict[str, dict[str, tuple[str, str]]] = {
    "organizations": {
        child: (child, "organization-id")
        for child in (
            "configurations",
            "contacts",
            "locations",
            "domains",
            "passwords",
            "documents",
        )
    },
    "configurations": {
        "configuration_interfaces": ("configuration_interfaces", "configuration-id")
    },
    "flexible_asset_types": {
        "flexible_asset_fields": ("flexible_asset_fields", "flexible-asset-type-id")
    },
    "documents": {"sections": ("document_sections", "document-id")},
}
# IT Glue's names for resource types in related items, and Tag types -> resource types.
RELATED_NAMES = {
    "organizations": "Organization",
    "configurations": "Configuration",
    "contacts": "Contact",
    "documents": "Document",
    "passwords": "Password",
    "flexible_assets": "Flexible Asset",
    "locations": "Location",
    "domains": "Domain",
}
RELATED_TYPES = {v: k for k, v in RELATED_NAMES.items()}
TAG_TYPES = {
    "Configurations": "configurations",
    "Contacts": "contacts",
    "Documents": "documents",
    "Passwords": "passwords",
    "Locations": "locations",
    "Domains": "domains",
    "Organizations": "organizations",
}


class ApiError(Exception):
    """Becomes a JSON:API error response."""

    def __init__(
        self, status: int, title: str, detail: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = dict(headers or {})

    def response(self) -> Response:
        body = {
            "errors": [{"status": str(self.status), "title": self.title, "detail": self.detail}]
        }
        return JSONResponse(body, self.status, headers=self.headers, media_type=JSONAPI)


# --------------------------------------------------------------------------- request log
@dataclass(frozen=True)
class RequestRecord:
    at: float  # epoch seconds (time.time) when the request arrived
    method: str
    path: str
    query: str
    status: int


class RequestLog:
    """Every API request the server answered, in arrival order (thread-safe)."""

    def __init__(self, limit: int) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def all(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()


# --------------------------------------------------------------------------- tenant view
class TenantView:
    """The tenant as the server reads it: indexed, and reloaded when its file changes."""

    def __init__(self, store: TenantStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._signature: tuple[int, int, int] | None = None
        self.tenant: Tenant | None = None
        self.sorted: dict[str, list[Resource]] = {}
        self.related: dict[tuple[str, str], list[Resource]] = {}
        self.children: dict[tuple[str, str], dict[str, list[Resource]]] = {}

    def current(self) -> TenantView:
        signature = self.store.signature()
        if signature is None:
            raise ApiError(503, "Service Unavailable", "the demo tenant has not been generated")
        if signature != self._signature:
            with self._lock:
                if signature != self._signature:
                    self._load(signature)
        return self

    def _load(self, signature: tuple[int, int, int]) -> None:
        tenant = self.store.load()
        self.tenant = tenant
        self.sorted = {t: tenant.all(t) for t in tenant.records}
        children: dict[tuple[str, str], dict[str, list[Resource]]] = {}
        for parent, routes in NESTED.items():
            for child_type, attribute in routes.values():
                for record in self.sorted.get(child_type, []):
                    key = (parent, str(record["attributes"].get(attribute)))
                    children.setdefault(key, {}).setdefault(child_type, []).append(record)
        self.children = children
        self.related = self._related_index(tenant)
        self._signature = signature

    def _related_index(self, tenant: Tenant) -> dict[tuple[str, str], list[Resource]]:
        index: dict[tuple[str, str], list[Resource]] = {}

        def link(
            source: tuple[str, Resource], target: tuple[str, Resource], notes: str, at: str
        ) -> None:
            (s_type, s_rec), (t_type, t_rec) = source, target
            key = f"{s_type}:{s_rec['id']}>{t_type}:{t_rec['id']}:{notes}"
            item = {
                "id": str(zlib.crc32(key.encode()) + 3_000_000_000),
                "type": "related-items",
                "attributes": {
                    "resource-id": int(s_rec["id"]),
                    "resource-type": RELATED_NAMES[s_type],
                    "resource-name": s_rec["attributes"].get("name"),
                    "destination-id": int(t_rec["id"]),
                    "destination-type": RELATED_NAMES[t_type],
                    "destination-name": t_rec["attributes"].get("name"),
                    "destination-url": t_rec["attributes"].get("resource-url"),
                    "notes": notes,
                    "created-at": at,
                    "updated-at": at,
                },
            }
            index.setdefault((s_type, str(s_rec["id"])), []).append(item)

        for asset in self.sorted.get("flexible_assets", []):
            at = asset["attributes"]["updated-at"]
            for trait, value in asset["attributes"]["traits"].items():
                if not (isinstance(value, dict) and isinstance(value.get("values"), list)):
                    continue
                target_type = TAG_TYPES.get(value.get("type", ""))
                for item in value["values"]:
                    target = tenant.get(target_type, str(item["id"])) if target_type else None
                    if target is None or target_type is None:
                        continue
                    notes = f"Tagged in {asset['attributes']['flexible-asset-type-name']}: {trait}"
                    link(("flexible_assets", asset), (target_type, target), notes, at)
                    link((target_type, target), ("flexible_assets", asset), notes, at)
        for item in self.sorted.get("related_items", []):
            attrs = item["attributes"]
            s_type = RELATED_TYPES.get(attrs["resource-type"])
            t_type = RELATED_TYPES.get(attrs["destination-type"])
            if s_type is None or t_type is None:
                continue
            source = tenant.get(s_type, str(attrs["resource-id"]))
            target = tenant.get(t_type, str(attrs["destination-id"]))
            if source is None or target is None:
                continue
            link((s_type, source), (t_type, target), attrs.get("notes") or "", attrs["updated-at"])
            link((t_type, target), (s_type, source), attrs.get("notes") or "", attrs["updated-at"])
        return index


# --------------------------------------------------------------------------- the application
class DemoState:
    """What the app holds: the tenant view, the request log, the rate window, the faults."""

    def __init__(self, store: TenantStore, config: DemoServerConfig) -> None:
        self.view = TenantView(store)
        self.config = config
        self.faults = config.faults
        self.rng = random.Random(config.faults.seed)
        self.log = RequestLog(config.max_recorded_requests)
        self._window: deque[float] = deque()
        self._window_lock = threading.Lock()

    def set_faults(self, faults: Faults) -> None:
        self.faults = faults
        self.rng = random.Random(faults.seed)

    def take_rate_slot(self) -> float | None:
        """None if the request is within the limit; else the seconds until it would be."""
        now = time.monotonic()
        with self._window_lock:
            window = self._window
            while window and window[0] <= now - self.config.rate_window_s:
                window.popleft()
            if len(window) >= self.config.rate_limit:
                return window[0] + self.config.rate_window_s - now
            window.append(now)
            return None


def create_app(tenant_dir: Path, config: DemoServerConfig | None = None) -> Starlette:
    """The Starlette app serving the tenant stored under `tenant_dir`."""
    state = DemoState(TenantStore(tenant_dir), config or DemoServerConfig())

    async def api(request: Request) -> Response:
        started = time.time()
        try:
            response = await _handle(state, request)
        except ApiError as exc:
            response = exc.response()
        state.log.add(
            RequestRecord(
                at=started,
                method=request.method,
                path=request.url.path,
                query=request.url.query,
                status=response.status_code,
            )
        )
        return response

    async def requests_log(request: Request) -> Response:
        if request.method == "DELETE":
            state.log.clear()
            return JSONResponse({"cleared": True})
        records = [asdict(r) for r in state.log.all()]
        return JSONResponse({"count": len(records), "requests": records})

    async def faults(request: Request) -> Response:
        if request.method == "PUT":
            try:
                state.set_faults(Faults.from_json(await request.json()))
            except (TypeError, ValueError) as exc:
                return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse(_faults_json(state.faults))

    async def health(request: Request) -> Response:
        view = state.view.current()
        assert view.tenant is not None
        return JSONResponse({"status": "ok", "step": view.tenant.step, "seed": view.tenant.seed})

    app = Starlette(
        routes=[
            Route("/_demo/requests", requests_log, methods=["GET", "DELETE"]),
            Route("/_demo/faults", faults, methods=["GET", "PUT"]),
            Route("/_demo/health", health, methods=["GET"]),
            Route("/{path:path}", api, methods=["GET"]),
        ]
    )
    app.state.demo = state
    return app


def _faults_json(faults: Faults) -> dict[str, Any]:
    data = asdict(faults)
    data["malformed_pages"] = sorted(faults.malformed_pages)
    data["unprocessable_paths"] = sorted(faults.unprocessable_paths)
    return data


async def _handle(state: DemoState, request: Request) -> Response:
    config = state.config
    if request.headers.get("x-api-key") != config.api_key:
        raise ApiError(401, "Unauthorized", "Invalid or missing API key (x-api-key)")
    wait = state.take_rate_slot()
    if wait is not None:
        raise ApiError(
            429,
            "Too Many Requests",
            f"Rate limit of {config.rate_limit} requests per {config.rate_window_s:g} seconds "
            "exceeded",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    faults = state.faults
    if faults.latency_s or faults.latency_jitter_s:
        await asyncio.sleep(faults.latency_s + state.rng.random() * faults.latency_jitter_s)
    if faults.p_429 and state.rng.random() < faults.p_429:
        headers = {} if faults.retry_after_s is None else {"Retry-After": str(faults.retry_after_s)}
        raise ApiError(429, "Too Many Requests", "Rate limit exceeded (injected)", headers)
    if faults.p_500 and state.rng.random() < faults.p_500:
        raise ApiError(500, "Internal Server Error", "Something went wrong (injected)")
    if any(request.url.path.startswith(p) for p in faults.unprocessable_paths):
        raise ApiError(
            422, "Unprocessable Entity", f"{request.url.path} cannot be processed (injected)"
        )

    view = state.view.current()
    segments = [s for s in request.url.path.split("/") if s]
    params = request.query_params
    if len(segments) == 1:
        return _list_response(state, view, segments[0], params, None, request.url.path)
    if len(segments) == 2:
        return _show_response(state, view, segments[0], segments[1], params)
    if len(segments) in (4, 5) and segments[2] == "relationships":
        parent_type, parent_id, _, child = segments[:4]
        routes = NESTED.get(parent_type, {})
        if child not in routes:
            raise _not_found()
        if view.tenant is None or view.tenant.get(parent_type, parent_id) is None:
            raise _not_found(f"{parent_type} {parent_id} not found")
        resource_type, _attribute = routes[child]
        if len(segments) == 4:
            parent = (parent_type, parent_id)
            return _list_response(state, view, resource_type, params, parent, request.url.path)
        record = _find(view, resource_type, segments[4])
        if record is None or record not in view.children.get((parent_type, parent_id), {}).get(
            resource_type, []
        ):
            raise _not_found()
        return _show_record(state, view, resource_type, record, params)
    raise _not_found()


def _not_found(detail: str = "Record not found") -> ApiError:
    return ApiError(404, "Not Found", detail)


def _find(view: TenantView, resource_type: str, record_id: str) -> Resource | None:
    assert view.tenant is not None
    return view.tenant.get(resource_type, record_id)


def _int_param(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(422, "Unprocessable Entity", f"{name} must be a number") from None
    if value < 1:
        raise ApiError(422, "Unprocessable Entity", f"{name} must be at least 1")
    return value


def _date_range(name: str, raw: str) -> tuple[datetime, datetime | None]:
    parts = [p.strip() for p in raw.split(",")]
    if len(parts) != 2:
        raise ApiError(
            422,
            "Unprocessable Entity",
            f"filter[{name}] must be a date range 'start_date, end_date' (RFC 3339, UTC)",
        )
    start, end = parts
    if start == "*":
        raise ApiError(
            422, "Unprocessable Entity", f"filter[{name}]: the start date cannot be a wildcard"
        )
    try:
        begin = parse_iso(start)
        finish = None if end in ("*", "") else parse_iso(end)
    except ValueError:
        raise ApiError(
            422, "Unprocessable Entity", f"filter[{name}]: dates must be RFC 3339 (UTC)"
        ) from None
    if begin.tzinfo is None or (finish is not None and finish.tzinfo is None):
        raise ApiError(422, "Unprocessable Entity", f"filter[{name}]: dates must be in UTC")
    return begin, finish


def _filter_value(record: Resource, key: str) -> str:
    value = record["id"] if key == "id" else record["attributes"].get(key.replace("_", "-"))
    if key == "primary_email":
        emails = record["attributes"].get("contact-emails") or []
        value = next((e["value"] for e in emails if e.get("primary")), None)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _select(
    state: DemoState,
    view: TenantView,
    resource_type: str,
    params: Mapping[str, str],
    parent: tuple[str, str] | None,
) -> list[Resource]:
    spec = RESOURCES[resource_type]
    if parent is None:
        records = view.sorted.get(resource_type, [])
    else:
        records = view.children.get(parent, {}).get(resource_type, [])
    filters: dict[str, str] = {}
    for key, value in params.items():
        if key.startswith("filter[") and key.endswith("]"):
            filters[key[7:-1].replace("-", "_")] = value
    if resource_type == "flexible_assets" and not filters.get("flexible_asset_type_id"):
        raise ApiError(422, "Unprocessable Entity", "filter[flexible_asset_type_id] is required")
    for key, value in filters.items():
        if key in ("updated_at", "created_at"):
            if not spec.dated or resource_type in state.config.ignore_updated_at_for:
                continue  # as IT Glue: a filter it does not know is ignored
            begin, finish = _date_range(key, value)
            attribute = key.replace("_", "-")
            records = [
                r
                for r in records
                if begin <= parse_iso(r["attributes"][attribute])
                and (finish is None or parse_iso(r["attributes"][attribute]) <= finish)
            ]
        elif key in spec.filters:
            wanted = {v.strip().lower() for v in value.split(",")}
            records = [r for r in records if _filter_value(r, key).lower() in wanted]
        # Any other key is silently ignored, exactly like IT Glue.
    sort = params.get("sort")
    if sort:
        descending = sort.startswith("-")
        field_name = sort.lstrip("-")
        if field_name not in spec.sorts:
            raise ApiError(
                422,
                "Unprocessable Entity",
                f"sort must be one of {', '.join(sorted(spec.sorts))} (optionally with -)",
            )
        if field_name == "id":
            records = sorted(records, key=lambda r: int(r["id"]), reverse=descending)
        else:
            attribute = field_name.replace("_", "-")
            records = sorted(
                records,
                key=lambda r: (str(r["attributes"].get(attribute) or ""), int(r["id"])),
                reverse=descending,
            )
    return records


def _list_response(
    state: DemoState,
    view: TenantView,
    resource_type: str,
    params: Mapping[str, str],
    parent: tuple[str, str] | None,
    path: str,
) -> Response:
    spec = RESOURCES.get(resource_type)
    if spec is None or (parent is None and not spec.listable):
        raise _not_found()
    records = _select(state, view, resource_type, params, parent)
    size = min(_int_param(params, "page[size]", state.config.default_page_size), MAX_PAGE_SIZE)
    number = _int_param(params, "page[number]", 1)
    total = len(records)
    total_pages = math.ceil(total / size)
    chunk = records[(number - 1) * size : number * size]
    includes = set(filter(None, params.get("include", "").split(",")))
    included: list[Resource] = []
    data = [_with_includes(view, resource_type, r, includes, included) for r in chunk]
    body: dict[str, Any] = {
        "data": data,
        "meta": {
            "current-page": number,
            "next-page": number + 1 if number < total_pages else None,
            "prev-page": number - 1 if number > 1 else None,
            "total-pages": total_pages,
            "total-count": total,
            "filters": {},
        },
        "links": {
            "self": f"{path}?page[number]={number}&page[size]={size}",
            "first": f"{path}?page[number]=1&page[size]={size}",
            "last": f"{path}?page[number]={max(total_pages, 1)}&page[size]={size}",
        },
    }
    if number < total_pages:
        body["links"]["next"] = f"{path}?page[number]={number + 1}&page[size]={size}"
    if included:
        body["included"] = included
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    faults = state.faults
    if number in faults.malformed_pages:
        payload = payload[: len(payload) // 2]  # cut off mid-document: not JSON
    elif faults.p_malformed and state.rng.random() < faults.p_malformed:
        payload = _malform(body, payload, state.rng)
    return Response(payload, 200, media_type=JSONAPI)


def _malform(body: dict[str, Any], payload: bytes, rng: random.Random) -> bytes:
    variant = rng.randrange(3)
    if variant == 0:
        return payload[: len(payload) // 2]
    broken = dict(body)
    broken.pop("meta" if variant == 1 else "data")
    return json.dumps(broken).encode()


def _with_includes(
    view: TenantView,
    resource_type: str,
    record: Resource,
    includes: set[str],
    included: list[Resource],
) -> Resource:
    if not includes:
        return record
    out = dict(record)
    relationships: dict[str, Any] = {}
    if "configuration_interfaces" in includes and resource_type == "configurations":
        children = view.children.get(("configurations", str(record["id"])), {})
        interfaces = children.get("configuration_interfaces", [])
        relationships["configuration-interfaces"] = {
            "data": [{"id": i["id"], "type": i["type"]} for i in interfaces]
        }
        included.extend(interfaces)
    if "flexible_asset_fields" in includes and resource_type == "flexible_asset_types":
        children = view.children.get(("flexible_asset_types", str(record["id"])), {})
        fields = children.get("flexible_asset_fields", [])
        relationships["flexible-asset-fields"] = {
            "data": [{"id": f["id"], "type": f["type"]} for f in fields]
        }
        included.extend(fields)
    if "related_items" in includes and resource_type in RELATED_NAMES:
        items = view.related.get((resource_type, str(record["id"])), [])
        relationships["related-items"] = {
            "data": [{"id": i["id"], "type": i["type"]} for i in items]
        }
        included.extend(items)
    if relationships:
        out["relationships"] = relationships
    return out


def _show_response(
    state: DemoState,
    view: TenantView,
    resource_type: str,
    record_id: str,
    params: Mapping[str, str],
) -> Response:
    spec = RESOURCES.get(resource_type)
    if spec is None or not spec.showable:
        raise _not_found()
    record = _find(view, resource_type, record_id)
    if record is None:
        raise _not_found(f"{resource_type} {record_id} not found")
    return _show_record(state, view, resource_type, record, params)


def _show_record(
    state: DemoState,
    view: TenantView,
    resource_type: str,
    record: Resource,
    params: Mapping[str, str],
) -> Response:
    includes = set(filter(None, params.get("include", "").split(",")))
    included: list[Resource] = []
    data = _with_includes(view, resource_type, record, includes, included)
    if resource_type == "passwords":
        default = "true" if state.config.show_password_by_default else "false"
        if params.get("show_password", default).lower() == "true":
            assert view.tenant is not None
            data = dict(data)
            data["attributes"] = {
                **record["attributes"],
                "password": view.tenant.secrets.get(str(record["id"]), ""),
            }
    body: dict[str, Any] = {"data": data}
    if included:
        body["included"] = included
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(payload, 200, media_type=JSONAPI)


# --------------------------------------------------------------------------- running it
class DemoItGlueServer:
    """The app on uvicorn at 127.0.0.1 (ephemeral port by default). Start it from async code
    (`async with server:`) or in a background thread (`with server.running():`)."""

    def __init__(
        self,
        tenant_dir: Path,
        config: DemoServerConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.tenant_dir = Path(tenant_dir)
        self.config = config or DemoServerConfig()
        self.host = host
        self.port = port
        self.app = create_app(self.tenant_dir, self.config)
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    # ---------------------------------------------------------------- state for tests
    @property
    def state(self) -> DemoState:
        state: DemoState = self.app.state.demo
        return state

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def requests(self) -> list[RequestRecord]:
        return self.state.log.all()

    def set_faults(self, faults: Faults) -> None:
        self.state.set_faults(faults)

    # ---------------------------------------------------------------- async lifecycle
    def _bind(self) -> socket.socket:
        # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so, and without
        # it every response waits ~40 ms for the client's delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        self._socket = sock
        return sock

    def _uvicorn(self) -> uvicorn.Server:
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            loop="asyncio",
            http="h11",
            timeout_graceful_shutdown=2,
        )
        return uvicorn.Server(config)

    async def start(self) -> None:
        sock = self._bind()
        self._server = self._uvicorn()
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server = None
        self._task = None
        self._close_socket()

    async def wait(self) -> None:
        """Until the server stops (a signal, or `stop()` from another task)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ---------------------------------------------------------------- thread lifecycle
    def start_in_thread(self, timeout_s: float = 10.0) -> None:
        sock = self._bind()
        server = self._server = self._uvicorn()
        failure: list[BaseException] = []

        def serve() -> None:
            try:
                asyncio.run(server.serve(sockets=[sock]))
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)

        self._thread = threading.Thread(target=serve, name="demo-itglue", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not server.started:
            if failure:
                raise RuntimeError("the demo IT Glue server failed to start") from failure[0]
            if time.monotonic() > deadline:
                raise TimeoutError("the demo IT Glue server did not start")
            time.sleep(0.01)

    def stop_thread(self, timeout_s: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout_s)
        self._server = None
        self._thread = None
        self._close_socket()

    @contextlib.contextmanager
    def running(self) -> Iterator[DemoItGlueServer]:
        self.start_in_thread()
        try:
            yield self
        finally:
            self.stop_thread()

    def _close_socket(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


@contextlib.asynccontextmanager
async def serving(
    tenant_dir: Path, config: DemoServerConfig | None = None
) -> AsyncIterator[DemoItGlueServer]:
    """`async with serving(dir) as server:` - the server on an ephemeral port."""
    server = DemoItGlueServer(tenant_dir, config)
    async with server:
        yield server


# --------------------------------------------------------------------------- command line
def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    """`python -m gluekb_dev.demo.server serve|mutate --dir DIR ...`"""
    parser = argparse.ArgumentParser(prog="python -m gluekb_dev.demo.server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the tenant (generated on first use)")
    serve.add_argument("--dir", type=Path, required=True)
    serve.add_argument("--seed", type=int, default=42)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--api-key", default=DEMO_API_KEY)
    serve.add_argument("--rate-limit", type=int, default=3000)
    serve.add_argument("--rate-window-s", type=float, default=300.0)
    serve.add_argument("--p-429", type=float, default=0.0)
    serve.add_argument("--p-500", type=float, default=0.0)
    serve.add_argument("--p-malformed", type=float, default=0.0)
    serve.add_argument("--latency-s", type=float, default=0.0)
    mutate = sub.add_parser("mutate", help="apply the next mutation step and print its report")
    mutate.add_argument("--dir", type=Path, required=True)
    mutate.add_argument("--step", type=int, default=None)
    mutate.add_argument("--at", default=None, help="RFC 3339 time for updated-at (default: now)")
    args = parser.parse_args(argv)

    store = TenantStore(args.dir)
    if args.command == "mutate":
        if not store.exists():
            parser.error(f"no tenant in {args.dir}; run 'serve' first")
        at = parse_iso(args.at) if args.at else None
        out(json.dumps(store.mutate(args.step, at=at).to_json()))
        return 0

    store.ensure(args.seed)
    config = DemoServerConfig(
        api_key=args.api_key,
        rate_limit=args.rate_limit,
        rate_window_s=args.rate_window_s,
        faults=Faults(
            p_429=args.p_429,
            p_500=args.p_500,
            p_malformed=args.p_malformed,
            latency_s=args.latency_s,
        ),
    )
    server = DemoItGlueServer(args.dir, config, host=args.host, port=args.port)

    async def run() -> None:
        async with server:
            out(json.dumps({"ready": True, "url": server.url}))
            sys.stdout.flush()
            await server.wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0


def with_faults(config: DemoServerConfig, **changes: Any) -> DemoServerConfig:
    """A copy of `config` with some fault settings changed."""
    return replace(config, faults=replace(config.faults, **changes))


if __name__ == "__main__":
    raise SystemExit(main())
