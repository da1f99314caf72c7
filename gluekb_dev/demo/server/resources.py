"""What the demo server serves, derived from the client's own table
(`gluekb.adapters.itglue.resources.RESOURCES`): the same resource types, the same `filter[...]`
keys and required filters, `filter[updated_at]` where the client may send it, top-level lists
where the client lists at the top level, shows where it has a show path, and the nested list
routes of its nested list paths. So the paths and filters the client uses are exactly the ones
this server honours; `tests/unit/test_demo_server_resources.py` checks it by request.

Only what the client has no say in is the server's own: the sort keys, the organization-scoped
list routes IT Glue also offers, and the names of resource types in related items and Tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gluekb.adapters.itglue.resources import RESOURCES as CLIENT_RESOURCES
from gluekb.adapters.itglue.resources import ResourceSpec

_NESTED_LIST_PATH = re.compile(r"/(\w+)/\{(\w+)\}/relationships/(\w+)")


@dataclass(frozen=True)
class ServedResource:
    """How the server answers for one resource type."""

    filters: frozenset[str]
    required_filters: frozenset[str] = frozenset()
    listable: bool = True  # GET /<type> at the top level
    showable: bool = True  # GET /<type>/<id>
    dated: bool = True  # supports filter[updated_at] / filter[created_at]
    sorts: frozenset[str] = frozenset({"id", "name", "created_at", "updated_at"})

    @classmethod
    def of(cls, spec: ResourceSpec[Any]) -> ServedResource:
        return cls(
            filters=spec.filters,
            required_filters=spec.required_filters,
            listable=spec.list_path == f"/{spec.name}",
            showable=spec.show_path == f"/{spec.name}/{{id}}",
            dated=spec.supports_updated_since,
        )


RESOURCES: dict[str, ServedResource] = {
    name: ServedResource.of(spec) for name, spec in CLIENT_RESOURCES.items()
}

# IT Glue also lists these under their organization; the client filters by organization_id.
_ORGANIZATION_CHILDREN = ("configurations", "contacts", "locations", "domains", "passwords")


def _nested_routes() -> dict[str, dict[str, tuple[str, str]]]:
    """parent type -> {URL child segment: (resource type, attribute naming the parent)}: the
    client's nested list paths (`/documents/{document_id}/relationships/sections`), and the
    organization-scoped lists."""
    routes: dict[str, dict[str, tuple[str, str]]] = {
        "organizations": {child: (child, "organization-id") for child in _ORGANIZATION_CHILDREN}
    }
    for spec in CLIENT_RESOURCES.values():
        match = _NESTED_LIST_PATH.fullmatch(spec.list_path)
        if match is not None:
            parent, placeholder, segment = match.groups()
            routes.setdefault(parent, {})[segment] = (spec.name, placeholder.replace("_", "-"))
    return routes


NESTED: dict[str, dict[str, tuple[str, str]]] = _nested_routes()

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
RELATED_TYPES = {name: resource_type for resource_type, name in RELATED_NAMES.items()}
TAG_TYPES = {
    "Configurations": "configurations",
    "Contacts": "contacts",
    "Documents": "documents",
    "Passwords": "passwords",
    "Locations": "locations",
    "Domains": "domains",
    "Organizations": "organizations",
}
