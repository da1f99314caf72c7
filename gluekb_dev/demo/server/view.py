"""`TenantView`: the tenant as the server reads it: records by type in id order, children by
parent for the nested routes, related items by record; reloaded when the tenant file changes
(a `TenantStore.mutate` in another process shows up without a restart)."""

from __future__ import annotations

import threading
import zlib

from gluekb_dev.demo.server.errors import ApiError
from gluekb_dev.demo.server.resources import NESTED, RELATED_NAMES, RELATED_TYPES, TAG_TYPES
from gluekb_dev.demo.tenant import Resource, Tenant, TenantStore

RelatedIndex = dict[tuple[str, str], list[Resource]]  # (resource type, id) -> related items
Typed = tuple[str, Resource]  # (resource type, record)


class TenantView:
    """The tenant as the server reads it: indexed, and reloaded when its file changes."""

    def __init__(self, store: TenantStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._signature: tuple[int, int, int] | None = None
        self.tenant: Tenant | None = None
        self.sorted: dict[str, list[Resource]] = {}
        self.related: RelatedIndex = {}
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

    def find(self, resource_type: str, record_id: str) -> Resource | None:
        assert self.tenant is not None
        return self.tenant.get(resource_type, record_id)

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
        self.related = _related_index(tenant, self.sorted)
        self._signature = signature


def _related_index(tenant: Tenant, records: dict[str, list[Resource]]) -> RelatedIndex:
    """Related items by record: Tag links first, then the tenant's own, each both ways."""
    index: RelatedIndex = {}
    _add_tag_links(index, tenant, records.get("flexible_assets", []))
    _add_manual_links(index, tenant, records.get("related_items", []))
    return index


def _add_tag_links(index: RelatedIndex, tenant: Tenant, assets: list[Resource]) -> None:
    """A flexible asset's Tag traits, as related items both ways."""
    for asset in assets:
        at = asset["attributes"]["updated-at"]
        type_name = asset["attributes"]["flexible-asset-type-name"]
        for trait, value in asset["attributes"]["traits"].items():
            if not (isinstance(value, dict) and isinstance(value.get("values"), list)):
                continue
            target_type = TAG_TYPES.get(value.get("type", ""))
            for item in value["values"]:
                target = tenant.get(target_type, str(item["id"])) if target_type else None
                if target is None or target_type is None:
                    continue
                notes = f"Tagged in {type_name}: {trait}"
                _link_both_ways(index, ("flexible_assets", asset), (target_type, target), notes, at)


def _add_manual_links(index: RelatedIndex, tenant: Tenant, items: list[Resource]) -> None:
    """The tenant's own related items (documents about configurations), both ways."""
    for item in items:
        attrs = item["attributes"]
        source_type = RELATED_TYPES.get(attrs["resource-type"])
        target_type = RELATED_TYPES.get(attrs["destination-type"])
        if source_type is None or target_type is None:
            continue
        source = tenant.get(source_type, str(attrs["resource-id"]))
        target = tenant.get(target_type, str(attrs["destination-id"]))
        if source is None or target is None:
            continue
        notes = attrs.get("notes") or ""
        _link_both_ways(
            index, (source_type, source), (target_type, target), notes, attrs["updated-at"]
        )


def _link_both_ways(index: RelatedIndex, source: Typed, target: Typed, notes: str, at: str) -> None:
    for start, end in ((source, target), (target, source)):
        index.setdefault((start[0], str(start[1]["id"])), []).append(
            _related_item(start, end, notes, at)
        )


def _related_item(source: Typed, target: Typed, notes: str, at: str) -> Resource:
    """A related item as IT Glue side-loads it; its id is stable across reloads."""
    (source_type, source_record), (target_type, target_record) = source, target
    key = f"{source_type}:{source_record['id']}>{target_type}:{target_record['id']}:{notes}"
    return {
        "id": str(zlib.crc32(key.encode()) + 3_000_000_000),
        "type": "related-items",
        "attributes": {
            "resource-id": int(source_record["id"]),
            "resource-type": RELATED_NAMES[source_type],
            "resource-name": source_record["attributes"].get("name"),
            "destination-id": int(target_record["id"]),
            "destination-type": RELATED_NAMES[target_type],
            "destination-name": target_record["attributes"].get("name"),
            "destination-url": target_record["attributes"].get("resource-url"),
            "notes": notes,
            "created-at": at,
            "updated-at": at,
        },
    }
