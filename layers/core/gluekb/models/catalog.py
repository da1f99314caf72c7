"""The catalog: what gluekb knows about each synced record, and how records relate."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from gluekb.models.documents import RecordField

EdgeKind = Literal["depends_on", "related", "credential"]


class CatalogRecord(BaseModel):
    source_id: str = Field(description="itglue:<resource_type>:<id>")
    organization_id: str
    resource_type: str
    record_id: str
    name: str
    type_label: str | None = None
    content_hash: str
    raw_key: str
    url: str | None = None
    updated_at: datetime | None = None
    synced_at: datetime
    identifiers: dict[str, list[str]] = Field(default_factory=dict)
    # The listing a record comes from (a flexible asset's type): counts and sweeps are per group.
    group: str | None = None
    # The record card, verbatim (field name -> value): what answers quote. Never a password value.
    fields: list[RecordField] = Field(default_factory=list)
    # A document's IT Glue folder (its id, and its path from the top folder down); the root: none.
    folder_id: str | None = None
    folder_path: list[str] = Field(default_factory=list)


class Edge(BaseModel):
    """`source_id` depends on (or relates to) `target_id`: a Tag field, a related item, or the
    resource an embedded password belongs to (kind `credential`)."""

    source_id: str
    target_id: str
    kind: EdgeKind
    relation: str
    organization_id: str
    source_name: str = ""
    target_name: str = ""


# Where the sync keeps the flexible asset types' definitions (account-wide, in the raw bucket).
ASSET_TYPES_KEY = "definitions/flexible_asset_types.json"


class AssetFieldDefinition(BaseModel):
    name: str
    name_key: str
    kind: str
    required: bool = False
    expiration: bool = False  # a Date field IT Glue tracks as an expiration (an SSL certificate)
    tag_type: str | None = None


class AssetTypeDefinition(BaseModel):
    """A flexible asset type as IT Glue defines it: which fields are required, which expire."""

    id: str
    name: str
    fields: list[AssetFieldDefinition] = Field(default_factory=list)


class AssetTypeDefinitions(BaseModel):
    types: list[AssetTypeDefinition] = Field(default_factory=list)
    synced_at: datetime | None = None
