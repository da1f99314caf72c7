"""Records as a caller sees them: the card (never a password value) and the relationship graph.
A record of an organization the caller may not see is answered like a missing one."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from gluekb.adapters.catalog_store import CatalogStore
from gluekb.errors import NotFound
from gluekb.models.auth import Principal
from gluekb.models.catalog import CatalogRecord, Edge
from gluekb.models.documents import RecordField
from gluekb.services.access.auth import require_scope
from gluekb.services.access.organizations import OrganizationSource, resolve_organization

NOT_FOUND = "record not found"
Direction = Literal["depends_on", "depended_on_by"]


class Neighbour(BaseModel):
    id: str
    name: str
    relation: str
    kind: str
    distance: int = 1


class RecordView(BaseModel):
    id: str
    organization_id: str
    type: str
    type_label: str | None
    name: str
    url: str | None
    updated_at: datetime | None
    synced_at: datetime
    fields: list[RecordField]
    identifiers: dict[str, list[str]]
    depends_on: list[Neighbour] = Field(default_factory=list)
    depended_on_by: list[Neighbour] = Field(default_factory=list)
    passwords: list[Neighbour] = Field(default_factory=list, description="metadata only")


class RelatedView(BaseModel):
    id: str
    direction: Direction
    depth: int
    related: list[Neighbour]


def _visible(principal: Principal, catalog: CatalogStore, record_id: str) -> CatalogRecord:
    record = catalog.get(record_id)
    if record is None or not principal.can_see(record.organization_id):
        raise NotFound(NOT_FOUND)
    return record


def _neighbour(edge: Edge, other: str, name: str, distance: int = 1) -> Neighbour:
    return Neighbour(
        id=other, name=name or other, relation=edge.relation, kind=edge.kind, distance=distance
    )


def _with_name(record: CatalogRecord) -> list[RecordField]:
    """The card, led by the record's name (what answers quote for a person or a list)."""
    if any(f.name == "Name" for f in record.fields):
        return list(record.fields)
    return [RecordField(name="Name", value=record.name), *record.fields]


def get_record(principal: Principal, catalog: CatalogStore, record_id: str) -> RecordView:
    require_scope(principal, "search")
    record = _visible(principal, catalog, record_id)
    out_edges = catalog.edges(record_id, "depends_on")
    in_edges = catalog.edges(record_id, "depended_on_by")
    return RecordView(
        id=record.source_id,
        organization_id=record.organization_id,
        type=record.resource_type.removesuffix("s"),
        type_label=record.type_label,
        name=record.name,
        url=record.url,
        updated_at=record.updated_at,
        synced_at=record.synced_at,
        fields=_with_name(record),
        identifiers=record.identifiers,
        depends_on=[
            _neighbour(e, e.target_id, e.target_name) for e in out_edges if e.kind != "credential"
        ],
        depended_on_by=[
            _neighbour(e, e.source_id, e.source_name) for e in in_edges if e.kind != "credential"
        ],
        passwords=[
            _neighbour(e, e.source_id, e.source_name) for e in in_edges if e.kind == "credential"
        ],
    )


def related(
    principal: Principal, catalog: CatalogStore, record_id: str, direction: Direction, depth: int
) -> RelatedView:
    require_scope(principal, "search")
    record = _visible(principal, catalog, record_id)
    walked = catalog.walk(record.source_id, direction, depth)
    neighbours = []
    for distance, edge in walked:
        if not principal.can_see(edge.organization_id):
            continue  # edges never cross tenants; this guard keeps it so
        other, name = (
            (edge.target_id, edge.target_name)
            if direction == "depends_on"
            else (edge.source_id, edge.source_name)
        )
        neighbours.append(_neighbour(edge, other, name, distance))
    return RelatedView(id=record.source_id, direction=direction, depth=depth, related=neighbours)


class ConfigurationMatch(BaseModel):
    id: str
    name: str
    type: str | None = Field(description="the configuration type (Firewall, Server, ...)")
    status: str | None
    hostname: str | None
    primary_ip: str | None
    ips: list[str] = Field(description="every IP address of the device (interfaces included)")
    url: str | None


class ConfigurationSearch(BaseModel):
    organization_id: str
    organization_name: str
    matches: list[ConfigurationMatch]
    total: int = Field(description="matches before the limit")


def find_configurations(
    principal: Principal,
    state: OrganizationSource,
    catalog: CatalogStore,
    organization: str,
    *,
    type_label: str | None = None,
    name: str | None = None,
    ip: str | None = None,
    limit: int = 50,
) -> ConfigurationSearch:
    """An organization's configurations (devices), filtered by type, name or hostname, and IP:
    type and name match case-insensitive substrings; an IP matches any of a device's addresses."""
    require_scope(principal, "search")
    entry = resolve_organization(principal, state, organization)
    wanted_type = (type_label or "").strip().lower()
    wanted_name = (name or "").strip().lower()
    wanted_ip = (ip or "").strip().lower().split("/")[0]
    matches: list[ConfigurationMatch] = []
    for record in catalog.records_of(entry.id, "configurations"):
        fields = {f.name.lower(): f.value for f in record.fields}
        ips = record.identifiers.get("ip", [])
        hostname = fields.get("hostname")
        if wanted_type and wanted_type not in (record.type_label or "").lower():
            continue
        if wanted_name and not any(
            wanted_name in value.lower() for value in (record.name, hostname or "")
        ):
            continue
        if wanted_ip and wanted_ip not in ips:
            continue
        matches.append(
            ConfigurationMatch(
                id=record.source_id,
                name=record.name,
                type=record.type_label,
                status=fields.get("status"),
                hostname=hostname,
                primary_ip=fields.get("primary ip"),
                ips=ips,
                url=record.url,
            )
        )
    matches.sort(key=lambda m: m.name.lower())
    return ConfigurationSearch(
        organization_id=entry.id,
        organization_name=entry.name,
        matches=matches[:limit],
        total=len(matches),
    )
