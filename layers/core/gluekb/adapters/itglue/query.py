"""A list request, validated before it is sent: the path with its ids, the `filter[...]`
parameters IT Glue honours for the resource (an unknown one is refused: IT Glue would ignore it
and return everything), and the check that each page it answers respects those filters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gluekb.adapters.itglue.errors import FilterIgnored
from gluekb.adapters.itglue.resources import ResourceSpec, resource_spec
from gluekb.errors import InvalidInput
from gluekb.models.itglue import Page

MAX_PAGE_SIZE = 1000

FilterValue = str | int | bool


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


@dataclass(frozen=True)
class ListQuery:
    """A validated list request: path, query parameters, and how to check its pages."""

    spec: ResourceSpec[Any]
    path: str
    params: dict[str, str]
    filters: dict[str, str]
    updated_since: datetime | None

    @classmethod
    def build(
        cls,
        resource: str | ResourceSpec[Any],
        filters: Mapping[str, FilterValue],
        *,
        page_size: int,
        updated_since: datetime | None = None,
        sort: str | None = None,
        include: str | None = None,
    ) -> ListQuery:
        """Raises `InvalidInput` for a missing path id, a filter IT Glue does not honour for the
        resource, a missing required filter, an unsupported `updated_since`, or a page size
        outside 1..1000."""
        spec = resource if isinstance(resource, ResourceSpec) else resource_spec(resource)
        missing = [p for p in spec.path_params if p not in filters]
        if missing:
            raise InvalidInput(f"{spec.name} needs {', '.join(missing)}")
        path = spec.list_path.format(**{p: segment(str(filters[p])) for p in spec.path_params})
        query = {k: param(v) for k, v in filters.items() if k not in spec.path_params}
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
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidInput(f"IT Glue page size must be 1..{MAX_PAGE_SIZE}")
        params["page[size]"] = str(page_size)
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


def segment(value: str) -> str:
    """An id placed in a URL path: digits only, so nothing can change the path."""
    if not re.fullmatch(r"[0-9]{1,20}", value):
        raise InvalidInput(f"not an IT Glue id: {value!r}")
    return value


def param(value: FilterValue) -> str:
    """A query parameter value as IT Glue spells it (booleans in lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
