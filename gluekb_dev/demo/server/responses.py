"""The JSON:API documents the demo server answers: a list page described by `meta` and
`links`, one record (a password's value only with `show_password=true`), and the side-loads
`include=` asks for (configuration interfaces, flexible asset fields, related items)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from gluekb_dev.demo.server.errors import JSONAPI, not_found
from gluekb_dev.demo.server.faults import corrupt_page
from gluekb_dev.demo.server.resources import RELATED_NAMES, RESOURCES
from gluekb_dev.demo.server.selection import int_param, select
from gluekb_dev.demo.server.state import DemoState
from gluekb_dev.demo.server.view import TenantView
from gluekb_dev.demo.tenant import Resource

MAX_PAGE_SIZE = 1000

# include= name -> (resource type that can include it, relationship name, child resource type)
_CHILD_INCLUDES = {
    "configuration_interfaces": (
        "configurations",
        "configuration-interfaces",
        "configuration_interfaces",
    ),
    "flexible_asset_fields": (
        "flexible_asset_types",
        "flexible-asset-fields",
        "flexible_asset_fields",
    ),
}


def list_response(
    state: DemoState,
    view: TenantView,
    resource_type: str,
    params: Mapping[str, str],
    parent: tuple[str, str] | None,
    path: str,
) -> Response:
    """Page `page[number]` of the records the request selects (`page[size]` up to 1000)."""
    spec = RESOURCES.get(resource_type)
    if spec is None or (parent is None and not spec.listable):
        raise not_found()
    records = select(state, view, resource_type, params, parent)
    size = min(int_param(params, "page[size]", state.config.default_page_size), MAX_PAGE_SIZE)
    number = int_param(params, "page[number]", 1)
    chunk = records[(number - 1) * size : number * size]
    includes = _includes(params)
    included: list[Resource] = []
    data = [with_includes(view, resource_type, r, includes, included) for r in chunk]
    body = _page_body(data, number, size, len(records), path)
    if included:
        body["included"] = included
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(corrupt_page(state, number, body, payload), 200, media_type=JSONAPI)


def _page_body(
    data: list[Resource], number: int, size: int, total: int, path: str
) -> dict[str, Any]:
    total_pages = math.ceil(total / size)
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
    return body


def _includes(params: Mapping[str, str]) -> set[str]:
    return set(filter(None, params.get("include", "").split(",")))


def with_includes(
    view: TenantView,
    resource_type: str,
    record: Resource,
    includes: set[str],
    included: list[Resource],
) -> Resource:
    """`record` with the relationships `includes` asks for; the related records go to
    `included`."""
    if not includes:
        return record
    out = dict(record)
    relationships: dict[str, Any] = {}
    for name, (owner_type, relationship, child_type) in _CHILD_INCLUDES.items():
        if name in includes and resource_type == owner_type:
            children = view.children.get((owner_type, str(record["id"])), {})
            linked = children.get(child_type, [])
            relationships[relationship] = {
                "data": [{"id": child["id"], "type": child["type"]} for child in linked]
            }
            included.extend(linked)
    if "related_items" in includes and resource_type in RELATED_NAMES:
        items = view.related.get((resource_type, str(record["id"])), [])
        relationships["related-items"] = {
            "data": [{"id": item["id"], "type": item["type"]} for item in items]
        }
        included.extend(items)
    if relationships:
        out["relationships"] = relationships
    return out


def show_response(
    state: DemoState,
    view: TenantView,
    resource_type: str,
    record_id: str,
    params: Mapping[str, str],
) -> Response:
    spec = RESOURCES.get(resource_type)
    if spec is None or not spec.showable:
        raise not_found()
    record = view.find(resource_type, record_id)
    if record is None:
        raise not_found(f"{resource_type} {record_id} not found")
    return show_record(state, view, resource_type, record, params)


def show_record(
    state: DemoState,
    view: TenantView,
    resource_type: str,
    record: Resource,
    params: Mapping[str, str],
) -> Response:
    """One record; a password with its value only if `show_password` says so."""
    included: list[Resource] = []
    data = with_includes(view, resource_type, record, _includes(params), included)
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
