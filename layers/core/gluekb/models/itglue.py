"""IT Glue records and the JSON:API documents that carry them.

IT Glue speaks JSON:API: a resource object is `{"id", "type", "attributes", "relationships"}` with
kebab-case attribute names (`organization-id`, `updated-at`). The record models here are flat: the
resource's `id` and `type` sit next to its attributes (`config.primary_ip`), ids are strings
(IT Glue sends numbers in attributes and strings at the top level), and attributes IT Glue adds
later are kept as extras instead of failing validation.

Passwords are the exception to "keep everything": `Password` drops a `password` (or OTP secret)
attribute even when IT Glue sends one in a list, and only `RevealedPassword`, built from an
explicit `show_password=true` request, holds the value - as a `SecretStr` that is never printed,
never in `repr`, and never in `model_dump`.

Long because it is one schema: a flat model per IT Glue resource type, a few lines each, on
shared base classes, and the JSON:API envelopes they arrive in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, ClassVar, Generic, Self, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    model_validator,
)


def to_kebab(name: str) -> str:
    """`organization_id` -> `organization-id` (IT Glue's attribute spelling)."""
    return name.replace("_", "-")


def _id_to_str(value: object) -> object:
    # IT Glue sends ids as JSON numbers inside attributes and as strings at the top level.
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    return value


ItGlueId = Annotated[str, BeforeValidator(_id_to_str)]
"""An IT Glue id, always a string (`"455"`), whichever way the API spelled it."""

_JSONAPI = ConfigDict(alias_generator=to_kebab, populate_by_name=True, extra="allow")


# --------------------------------------------------------------------------- JSON:API documents
class ResourceObject(BaseModel):
    """One JSON:API resource object as IT Glue sends it."""

    model_config = ConfigDict(extra="allow")

    id: ItGlueId | None = None
    type: str
    attributes: dict[str, Any] = Field(default_factory=dict)
    relationships: dict[str, Any] = Field(default_factory=dict)


class PageMeta(BaseModel):
    """IT Glue's pagination facts. Pagination is driven from here, never from `links`."""

    model_config = ConfigDict(alias_generator=to_kebab, populate_by_name=True, extra="allow")

    current_page: int
    next_page: int | None = None
    prev_page: int | None = None
    total_pages: int
    total_count: int


class ListDocument(BaseModel):
    """The body of a list request (`GET /configurations`)."""

    model_config = ConfigDict(extra="allow")

    data: list[ResourceObject]
    included: list[ResourceObject] = Field(default_factory=list)
    meta: PageMeta
    links: dict[str, Any] = Field(default_factory=dict)


class SingleDocument(BaseModel):
    """The body of a show request (`GET /configurations/455`)."""

    model_config = ConfigDict(extra="allow")

    data: ResourceObject
    included: list[ResourceObject] = Field(default_factory=list)


class ErrorObject(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: str | None = None
    title: str | None = None
    detail: str | None = None


class ErrorDocument(BaseModel):
    """IT Glue's error body: `{"errors": [{"status", "title", "detail"}]}`."""

    model_config = ConfigDict(extra="allow")

    errors: list[ErrorObject] = Field(default_factory=list)

    def message(self) -> str | None:
        """The details (or titles) joined, for a message a user can act on."""
        parts = [e.detail or e.title for e in self.errors if e.detail or e.title]
        return "; ".join(p for p in parts if p) or None


# --------------------------------------------------------------------------- records
class ItGlueRecord(BaseModel):
    """Base of every IT Glue record: flat attributes plus `id`, `type` and relationships."""

    model_config = _JSONAPI
    resource_type: ClassVar[str] = ""

    id: ItGlueId
    type: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    relationships: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_resource(cls, resource: ResourceObject | Mapping[str, Any]) -> Self:
        """Build the record from a JSON:API resource object."""
        obj = resource if isinstance(resource, ResourceObject) else ResourceObject(**resource)
        data: dict[str, Any] = dict(obj.attributes)
        # Some resources (configuration interfaces) carry their id inside the attributes only.
        data["id"] = obj.id if obj.id is not None else data.get("id")
        data["type"] = obj.type
        data["relationships"] = obj.relationships
        return cls.model_validate(data)

    def attribute_dump(self) -> dict[str, Any]:
        """The record's attributes in IT Glue's spelling (for raw storage and hashing)."""
        return self.model_dump(mode="json", by_alias=True, exclude={"id", "type", "relationships"})


class OrganizationScoped(ItGlueRecord):
    organization_id: ItGlueId | None = None
    organization_name: str | None = None
    resource_url: str | None = None


class Organization(ItGlueRecord):
    resource_type: ClassVar[str] = "organizations"

    name: str
    short_name: str | None = None
    description: str | None = None
    alert: str | None = None
    quick_notes: str | None = None
    organization_type_id: ItGlueId | None = None
    organization_type_name: str | None = None
    organization_status_id: ItGlueId | None = None
    organization_status_name: str | None = None
    primary: bool | None = None
    parent_id: ItGlueId | None = None


class Configuration(OrganizationScoped):
    resource_type: ClassVar[str] = "configurations"

    name: str
    hostname: str | None = None
    primary_ip: str | None = None
    mac_address: str | None = None
    default_gateway: str | None = None
    serial_number: str | None = None
    asset_tag: str | None = None
    position: str | None = None
    notes: str | None = None
    operating_system_notes: str | None = None
    configuration_type_id: ItGlueId | None = None
    configuration_type_name: str | None = None
    configuration_type_kind: str | None = None
    configuration_status_id: ItGlueId | None = None
    configuration_status_name: str | None = None
    manufacturer_id: ItGlueId | None = None
    manufacturer_name: str | None = None
    model_id: ItGlueId | None = None
    model_name: str | None = None
    operating_system_id: ItGlueId | None = None
    operating_system_name: str | None = None
    location_id: ItGlueId | None = None
    location_name: str | None = None
    contact_id: ItGlueId | None = None
    contact_name: str | None = None
    installed_at: str | None = None
    purchased_at: str | None = None
    warranty_expires_at: str | None = None
    archived: bool | None = None


class ConfigurationInterface(ItGlueRecord):
    resource_type: ClassVar[str] = "configuration_interfaces"

    configuration_id: ItGlueId | None = None
    name: str | None = None
    ip_address: str | None = None
    mac_address: str | None = None
    primary: bool | None = None
    notes: str | None = None


class NamedRecord(ItGlueRecord):
    """The lookup resources: configuration types and statuses, manufacturers, models, OSes."""

    name: str


class ConfigurationType(NamedRecord):
    resource_type: ClassVar[str] = "configuration_types"


class ConfigurationStatus(NamedRecord):
    resource_type: ClassVar[str] = "configuration_statuses"


class Manufacturer(NamedRecord):
    resource_type: ClassVar[str] = "manufacturers"


class DeviceModel(NamedRecord):
    """IT Glue's `models` resource (a manufacturer's product line)."""

    resource_type: ClassVar[str] = "models"

    manufacturer_id: ItGlueId | None = None


class OperatingSystem(NamedRecord):
    resource_type: ClassVar[str] = "operating_systems"


class FlexibleAssetType(ItGlueRecord):
    resource_type: ClassVar[str] = "flexible_asset_types"

    name: str
    description: str | None = None
    icon: str | None = None
    enabled: bool | None = None
    show_in_menu: bool | None = None


class FlexibleAssetField(ItGlueRecord):
    resource_type: ClassVar[str] = "flexible_asset_fields"

    flexible_asset_type_id: ItGlueId | None = None
    order: int | None = None
    name: str
    name_key: str
    kind: str
    hint: str | None = None
    tag_type: str | None = None
    default_value: str | None = None
    required: bool | None = None
    use_for_title: bool | None = None
    show_in_list: bool | None = None
    expiration: bool | None = None  # a Date field IT Glue tracks as an expiration


class TaggedItem(BaseModel):
    """One item a Tag trait points at (`{"id": 11303436, "name": "HF-SF-EXCH01", ...}`)."""

    model_config = _JSONAPI

    id: ItGlueId
    name: str | None = None


class TagTrait(BaseModel):
    """A Tag field's value: `{"type": "Configurations", "values": [...]}`."""

    model_config = ConfigDict(extra="allow")

    type: str
    values: list[TaggedItem] = Field(default_factory=list)


@dataclass(frozen=True)
class TagLink:
    """One edge of the relationship graph: a flexible asset's Tag trait -> a tagged record."""

    trait: str
    target_type: str  # IT Glue's tag type: Configurations, Contacts, Passwords, Documents, ...
    target_id: str
    target_name: str | None


class FlexibleAsset(OrganizationScoped):
    resource_type: ClassVar[str] = "flexible_assets"

    name: str | None = None
    flexible_asset_type_id: ItGlueId
    flexible_asset_type_name: str | None = None
    traits: dict[str, Any] = Field(default_factory=dict)
    archived: bool | None = None
    restricted: bool | None = None

    def tag_traits(self) -> dict[str, TagTrait]:
        """The traits that are Tag fields (name-key -> tagged items)."""
        tags: dict[str, TagTrait] = {}
        for key, value in self.traits.items():
            if isinstance(value, Mapping) and isinstance(value.get("values"), list):
                tags[key] = TagTrait.model_validate(value)
        return tags

    def tag_links(self) -> list[TagLink]:
        """Every record this asset tags, in trait order: its edges in the relationship graph."""
        return [
            TagLink(trait=key, target_type=tag.type, target_id=item.id, target_name=item.name)
            for key, tag in self.tag_traits().items()
            for item in tag.values
        ]


_SECRET_ATTRIBUTES = ("password", "otp-secret", "otp_secret", "otpSecret")


class Password(OrganizationScoped):
    """Password *metadata*. Whatever the API sent, this model never holds a password value."""

    model_config = ConfigDict(alias_generator=to_kebab, populate_by_name=True, extra="ignore")
    resource_type: ClassVar[str] = "passwords"

    name: str
    username: str | None = None
    url: str | None = None
    notes: str | None = None
    password_category_id: ItGlueId | None = None
    password_category_name: str | None = None
    # Embedded passwords belong to a record: resource-type "Configuration", "Flexible Asset", ...
    resource_id: ItGlueId | None = None
    resource_type_name: str | None = Field(default=None, alias="resource-type")
    cached_resource_type_name: str | None = None
    cached_resource_name: str | None = None
    password_updated_at: datetime | None = None
    restricted: bool | None = None
    archived: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _drop_secrets(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return {k: v for k, v in data.items() if k not in _SECRET_ATTRIBUTES}
        return data

    @property
    def embedded(self) -> bool:
        """An embedded password belongs to one record (a configuration, an asset, ...)."""
        return self.resource_id is not None


class RevealedPassword(Password):
    """A password fetched with `show_password=true`. The value prints as `**********`, stays out
    of `repr` and out of `model_dump`; read it with `.value.get_secret_value()` only to hand it
    to someone allowed to see it."""

    value: SecretStr = Field(exclude=True, repr=False)

    @classmethod
    def from_resource(cls, resource: ResourceObject | Mapping[str, Any]) -> Self:
        obj = resource if isinstance(resource, ResourceObject) else ResourceObject(**resource)
        secret = obj.attributes.get("password")
        if not isinstance(secret, str):
            raise ValueError("IT Glue returned no password value (show_password not honoured?)")
        metadata = Password.from_resource(obj).model_dump()
        return cls.model_validate({**metadata, "value": SecretStr(secret)})


class Document(OrganizationScoped):
    resource_type: ClassVar[str] = "documents"

    name: str
    restricted: bool | None = None
    public: bool | None = None
    archived: bool | None = None
    published: bool | None = None
    document_folder_id: ItGlueId | None = None


class DocumentFolder(OrganizationScoped):
    """A folder of an organization's documents (`GET /organizations/:id/relationships/
    document_folders`). A top folder has no parent: `parent-id` null (some tenants say 0)."""

    resource_type: ClassVar[str] = "document_folders"

    name: str
    parent_id: ItGlueId | None = None


class DocumentSection(ItGlueRecord):
    """One block of a document: `Document::Heading`, `Document::Text`, `Document::Step`,
    `Document::Gallery`. `content` is HTML (a heading's is its text)."""

    resource_type: ClassVar[str] = "document_sections"

    document_id: ItGlueId | None = None
    section_type: str = Field(alias="resource-type")
    resource_id: ItGlueId | None = None
    content: str | None = None
    rendered_content: str | None = None
    level: int | None = None
    duration: int | None = None
    sort: int | None = None


class ContactEmail(BaseModel):
    model_config = _JSONAPI

    value: str
    primary: bool | None = None
    label_name: str | None = None


class ContactPhone(BaseModel):
    model_config = _JSONAPI

    value: str
    extension: str | None = None
    primary: bool | None = None
    label_name: str | None = None
    formatted_value: str | None = None


class Contact(OrganizationScoped):
    resource_type: ClassVar[str] = "contacts"

    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None
    contact_type_id: ItGlueId | None = None
    contact_type_name: str | None = None
    location_id: ItGlueId | None = None
    location_name: str | None = None
    important: bool | None = None
    notes: str | None = None
    contact_emails: list[ContactEmail] = Field(default_factory=list)
    contact_phones: list[ContactPhone] = Field(default_factory=list)

    @property
    def primary_email(self) -> str | None:
        ranked = sorted(self.contact_emails, key=lambda e: not e.primary)
        return ranked[0].value if ranked else None


class Location(OrganizationScoped):
    resource_type: ClassVar[str] = "locations"

    name: str
    primary: bool | None = None
    address_1: str | None = None
    address_2: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region_name: str | None = None
    country_name: str | None = None
    phone: str | None = None
    fax: str | None = None
    notes: str | None = None


class Domain(OrganizationScoped):
    resource_type: ClassVar[str] = "domains"

    name: str
    registrar_name: str | None = None
    expires_on: str | None = None
    notes: str | None = None


class RelatedItem(ItGlueRecord):
    """A link between two records (`include=related_items`); Tag traits show up here too."""

    resource_type: ClassVar[str] = "related_items"

    resource_id: ItGlueId | None = None
    resource_type_name: str | None = Field(default=None, alias="resource-type")
    destination_id: ItGlueId | None = None
    destination_type: str | None = None
    destination_name: str | None = None
    destination_url: str | None = None
    notes: str | None = None


# --------------------------------------------------------------------------- pages
RecordT = TypeVar("RecordT", bound=ItGlueRecord)


@dataclass(frozen=True)
class Page(Generic[RecordT]):
    """One page of a list request, with the meta that drives pagination."""

    resource_type: str
    number: int
    total_pages: int
    total_count: int
    next_page: int | None
    records: Sequence[RecordT]
    included: Sequence[ResourceObject] = ()  # with `include=...`: the side-loaded resources

    @property
    def last(self) -> bool:
        return self.next_page is None


@dataclass(frozen=True)
class RecordWithRelated(Generic[RecordT]):
    """A single record fetched with `include=related_items`, and whatever else was included."""

    record: RecordT
    related_items: list[RelatedItem] = field(default_factory=list)
    included: list[ResourceObject] = field(default_factory=list)
