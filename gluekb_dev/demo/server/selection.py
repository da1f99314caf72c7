"""Which records a list request gets, as IT Glue picks them: documents at the root unless a
folder filter says otherwise (`folders`), `filter[...]` on the keys the resource honours (values
compared case-insensitively, commas meaning "any of"), date ranges on `updated_at` /
`created_at`, any other key silently ignored, then `sort`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from gluekb_dev.demo.server.errors import unprocessable
from gluekb_dev.demo.server.folders import documents_in_scope
from gluekb_dev.demo.server.resources import RESOURCES, ServedResource
from gluekb_dev.demo.server.state import DemoState
from gluekb_dev.demo.server.view import TenantView
from gluekb_dev.demo.tenant import Resource, parse_iso

_DATE_FILTERS = ("updated_at", "created_at")


def select(
    state: DemoState,
    view: TenantView,
    resource_type: str,
    params: Mapping[str, str],
    parent: tuple[str, str] | None,
) -> list[Resource]:
    """The records of `resource_type` (under `parent`, for a nested route) that the request's
    filters keep, in the order its `sort` asks for (id order by default)."""
    spec = RESOURCES[resource_type]
    if parent is None:
        records = view.sorted.get(resource_type, [])
    else:
        records = view.children.get(parent, {}).get(resource_type, [])
    filters = _filters(params)
    if resource_type == "documents":  # root documents only, unless a folder filter says
        records = documents_in_scope(state.config, records, filters.pop("document_folder_id", None))
    for name in sorted(spec.required_filters):
        if not filters.get(name):
            raise unprocessable(f"filter[{name}] is required")
    honours_dates = spec.dated and resource_type not in state.config.ignore_updated_at_for
    for key, value in filters.items():
        if key in _DATE_FILTERS:
            if honours_dates:  # as IT Glue: a filter it does not know is ignored
                records = _in_date_range(records, key, value)
        elif key in spec.filters:
            wanted = {v.strip().lower() for v in value.split(",")}
            records = [r for r in records if filter_value(r, key).lower() in wanted]
        # Any other key is silently ignored, exactly like IT Glue.
    sort = params.get("sort")
    return _sorted(records, spec, sort) if sort else records


def _filters(params: Mapping[str, str]) -> dict[str, str]:
    """`filter[organization-id]=1` -> {"organization_id": "1"}."""
    return {
        key[7:-1].replace("-", "_"): value
        for key, value in params.items()
        if key.startswith("filter[") and key.endswith("]")
    }


def _in_date_range(records: list[Resource], key: str, value: str) -> list[Resource]:
    begin, finish = date_range(key, value)
    attribute = key.replace("_", "-")
    return [
        r
        for r in records
        if begin <= parse_iso(r["attributes"][attribute])
        and (finish is None or parse_iso(r["attributes"][attribute]) <= finish)
    ]


def _sorted(records: list[Resource], spec: ServedResource, sort: str) -> list[Resource]:
    descending = sort.startswith("-")
    field_name = sort.lstrip("-")
    if field_name not in spec.sorts:
        raise unprocessable(
            f"sort must be one of {', '.join(sorted(spec.sorts))} (optionally with -)"
        )
    if field_name == "id":
        return sorted(records, key=lambda r: int(r["id"]), reverse=descending)
    attribute = field_name.replace("_", "-")
    return sorted(
        records,
        key=lambda r: (str(r["attributes"].get(attribute) or ""), int(r["id"])),
        reverse=descending,
    )


def filter_value(record: Resource, key: str) -> str:
    """The record's value for filter `key`, spelled as a query parameter."""
    value = record["id"] if key == "id" else record["attributes"].get(key.replace("_", "-"))
    if key == "primary_email":
        emails = record["attributes"].get("contact-emails") or []
        value = next((e["value"] for e in emails if e.get("primary")), None)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def int_param(params: Mapping[str, str], name: str, default: int) -> int:
    """A positive integer query parameter (`page[number]`), or 422."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise unprocessable(f"{name} must be a number") from None
    if value < 1:
        raise unprocessable(f"{name} must be at least 1")
    return value


def date_range(name: str, raw: str) -> tuple[datetime, datetime | None]:
    """`start,end` in RFC 3339 UTC; `*` or nothing for an open end. A wildcard start is a 422."""
    parts = [p.strip() for p in raw.split(",")]
    if len(parts) != 2:
        raise unprocessable(
            f"filter[{name}] must be a date range 'start_date, end_date' (RFC 3339, UTC)"
        )
    start, end = parts
    if start == "*":
        raise unprocessable(f"filter[{name}]: the start date cannot be a wildcard")
    try:
        begin = parse_iso(start)
        finish = None if end in ("*", "") else parse_iso(end)
    except ValueError:
        raise unprocessable(f"filter[{name}]: dates must be RFC 3339 (UTC)") from None
    if begin.tzinfo is None or (finish is not None and finish.tzinfo is None):
        raise unprocessable(f"filter[{name}]: dates must be in UTC")
    return begin, finish
