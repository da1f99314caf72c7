"""The IT Glue resources the client knows: one `ResourceSpec` per type, saying where it is listed
and shown, which `filter[...]` keys IT Glue honours for it, and how a page can be checked for a
filter IT Glue ignored. The demo server (`gluekb_dev.demo.server`) serves from this same table,
so the paths and filters the client sends are exactly the ones the demo honours.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from gluekb.errors import InvalidInput
from gluekb.models.itglue import (
    Configuration,
    ConfigurationInterface,
    ConfigurationStatus,
    ConfigurationType,
    Contact,
    DeviceModel,
    Document,
    DocumentFolder,
    DocumentSection,
    Domain,
    FlexibleAsset,
    FlexibleAssetField,
    FlexibleAssetType,
    ItGlueRecord,
    Location,
    Manufacturer,
    OperatingSystem,
    Organization,
    Password,
)

R = TypeVar("R", bound=ItGlueRecord)


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
# IT Glue lists only the documents at the root of an organization unless
# filter[document_folder_id] says otherwise: a folder's id for that folder's documents, or
# ALL_DOCUMENTS (`null`) for every document, foldered ones included. Each document carries its
# `document-folder-id`.
ALL_DOCUMENTS = "null"
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
# The folder tree of one organization (tenants where IT Glue has rolled it out; 404 elsewhere).
DOCUMENT_FOLDERS = ResourceSpec(
    "document_folders",
    DocumentFolder,
    "/organizations/{organization_id}/relationships/document_folders",
    None,
    filters=frozenset({"id", "parent_id"}),
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
        DOCUMENT_FOLDERS,
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


def iter_resource_types() -> Sequence[str]:
    """The resource type names `pages()` and `record()` accept."""
    return tuple(RESOURCES)
