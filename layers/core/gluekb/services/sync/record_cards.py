"""IT Glue records → what gluekb stores and indexes: a record card (field name → value, copied
verbatim), identifiers for exact lookups, relationship edges, and a source document.

Password values never pass through here: `Password` cannot hold one, and password notes are left
out of the card and the index (notes are where people paste secrets).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from gluekb.models.catalog import Edge
from gluekb.models.documents import RecordField, RelatedItem, Section, SourceDocument
from gluekb.models.itglue import (
    Configuration,
    ConfigurationInterface,
    Contact,
    Document,
    DocumentSection,
    Domain,
    FlexibleAsset,
    ItGlueRecord,
    Location,
    Organization,
    Password,
)
from gluekb.models.itglue import RelatedItem as ItGlueRelatedItem
from gluekb.services.sync.document_folders import breadcrumb
from gluekb.services.text.html import html_to_text
from gluekb.services.text.identifiers import extract_identifiers, merge_identifiers, normalise_mac

MAX_FIELD_CHARS = 500  # longer values (rich text) go to the notes, not the card

# IT Glue's tag / resource type names → gluekb resource types (catalog / source ids).
_TAG_TYPES = {
    "configurations": "configurations",
    "configuration": "configurations",
    "contacts": "contacts",
    "contact": "contacts",
    "passwords": "passwords",
    "password": "passwords",
    "documents": "documents",
    "document": "documents",
    "domains": "domains",
    "domain": "domains",
    "locations": "locations",
    "location": "locations",
    "flexible assets": "flexible_assets",
    "flexible asset": "flexible_assets",
    "flexibleassets": "flexible_assets",
    "flexible_assets": "flexible_assets",
    "organizations": "organizations",
    "organization": "organizations",
}

FieldPair = tuple[str, object]  # a card field and its value, as IT Glue gave it


def source_id(resource_type: str, record_id: str) -> str:
    return f"itglue:{resource_type}:{record_id}"


def resource_type_of(tag_type: str | None) -> str | None:
    if not tag_type:
        return None
    return _TAG_TYPES.get(tag_type.strip().lower().replace("-", " "))


@dataclass
class RenderedRecord:
    resource_type: str
    record_id: str
    organization_id: str
    name: str
    type_label: str
    fields: list[RecordField]
    identifiers: dict[str, list[str]]
    url: str | None
    notes: str | None = None
    sections: list[Section] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    folder_id: str | None = None  # a document's IT Glue folder, and its path from the top
    folder_path: list[str] = field(default_factory=list)

    @property
    def source_id(self) -> str:
        return source_id(self.resource_type, self.record_id)

    def document(self, organization_name: str | None) -> SourceDocument:
        related = [
            RelatedItem(
                source_id=e.target_id, name=e.target_name or e.target_id, relation=e.relation
            )
            for e in self.edges
            if e.kind != "credential"
        ]
        metadata = {"type_label": self.type_label, "resource_type": self.resource_type}
        if organization_name:
            metadata["organization_name"] = organization_name
        if self.folder_path:  # the breadcrumb of the document's chunks
            metadata["folder_path"] = breadcrumb(self.folder_path)
        return SourceDocument(
            source_id=self.source_id,
            organization_id=self.organization_id,
            source_type=self.resource_type.removesuffix("s"),
            kind="article" if self.sections else "record",
            title=self.name,
            url=self.url,
            fields=self.fields,
            notes=self.notes,
            sections=self.sections,
            identifiers=self.identifiers,
            related=related,
            metadata=metadata,
        )


def _fields(pairs: Iterable[FieldPair]) -> list[RecordField]:
    out = []
    for name, value in pairs:
        if value is None or value == "" or value == []:
            continue
        text = ("yes" if value else "no") if isinstance(value, bool) else str(value).strip()
        if text:
            out.append(RecordField(name=name, value=text))
    return out


def _humanise(key: str) -> str:
    text = re.sub(r"[-_]+", " ", key).strip()
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------------------- configurations
def render_configuration(
    config: Configuration, interfaces: Sequence[ConfigurationInterface] = ()
) -> RenderedRecord:
    org = config.organization_id or ""
    type_label = config.configuration_type_name or "Configuration"
    pairs: list[FieldPair] = [
        ("Type", config.configuration_type_name),
        ("Status", config.configuration_status_name),
        ("Hostname", config.hostname),
        ("Primary IP", config.primary_ip),
        ("MAC address", config.mac_address),
        ("Default gateway", config.default_gateway),
        ("Serial number", config.serial_number),
        ("Asset tag", config.asset_tag),
        ("Manufacturer", config.manufacturer_name),
        ("Model", config.model_name),
        ("Operating system", config.operating_system_name),
        ("Location", config.location_name),
        ("Contact", config.contact_name),
        ("Installed", config.installed_at),
        ("Purchased", config.purchased_at),
        ("Warranty expires", config.warranty_expires_at),
        ("Archived", config.archived or None),
    ]
    ips = [config.primary_ip] if config.primary_ip else []
    macs = [config.mac_address] if config.mac_address else []
    for interface in interfaces:
        label = interface.name or "interface"
        details = ", ".join(v for v in (interface.ip_address, interface.mac_address) if v)
        if details:
            pairs.append(
                (f"Interface {label}", details + (" (primary)" if interface.primary else ""))
            )
        if interface.ip_address:
            ips.append(interface.ip_address)
        if interface.mac_address:
            macs.append(interface.mac_address)
    identifiers = merge_identifiers(
        {
            "ip": [ip.split("/")[0] for ip in ips],
            "mac": [normalise_mac(m) for m in macs if len(re.sub(r"[^0-9A-Fa-f]", "", m)) == 12],
            "serial": [config.serial_number or ""],
            "asset_tag": [config.asset_tag or ""],
            "hostname": [config.hostname or "", config.name],
        }
    )
    notes = "\n\n".join(n for n in (config.notes, config.operating_system_notes) if n) or None
    return RenderedRecord(
        resource_type="configurations",
        record_id=config.id,
        organization_id=org,
        name=config.name,
        type_label=type_label,
        fields=_fields(pairs),
        identifiers=identifiers,
        url=config.resource_url,
        notes=notes,
    )


# ---------------------------------------------------------------------------- flexible assets
def render_flexible_asset(asset: FlexibleAsset) -> RenderedRecord:
    org = asset.organization_id or ""
    type_label = asset.flexible_asset_type_name or "Flexible asset"
    name = asset.name or f"{type_label} {asset.id}"
    tags = asset.tag_traits()
    pairs: list[FieldPair] = []
    long_texts: list[str] = []
    for key, value in asset.traits.items():
        label = _humanise(key)
        if key in tags:
            names = [item.name or item.id for item in tags[key].values]
            pairs.append((label, ", ".join(names)))
            continue
        if isinstance(value, dict | list):
            continue  # attachments, uploads and the like carry no text worth a card line
        text = str(value)
        if "<" in text and ">" in text:
            text = html_to_text(text)
        if len(text) > MAX_FIELD_CHARS or "\n" in text.strip():
            long_texts.append(f"<h3>{label}</h3><p>{_escape(text)}</p>")
        else:
            pairs.append((label, text))
    edges = []
    for link in asset.tag_links():
        target_type = resource_type_of(link.target_type)
        if target_type is None:
            continue
        edges.append(
            Edge(
                source_id=source_id("flexible_assets", asset.id),
                target_id=source_id(target_type, link.target_id),
                kind="depends_on",
                relation=f"{_humanise(link.trait)} in {type_label}",
                organization_id=org,
                source_name=name,
                target_name=link.target_name or "",
            )
        )
    card = _fields(pairs)
    identifiers = extract_identifiers("\n".join(f.value for f in card))
    return RenderedRecord(
        resource_type="flexible_assets",
        record_id=asset.id,
        organization_id=org,
        name=name,
        type_label=type_label,
        fields=card,
        identifiers=identifiers,
        url=asset.resource_url,
        notes="".join(long_texts) or None,
        edges=edges,
    )


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")
    )


# ---------------------------------------------------------------------------- passwords
def render_password(password: Password) -> RenderedRecord:
    org = password.organization_id or ""
    pairs: list[FieldPair] = [
        ("Category", password.password_category_name),
        ("Username", password.username),
        ("URL", password.url),
        ("Belongs to", password.cached_resource_name),
        ("Password changed", password.password_updated_at),
    ]
    edges = []
    target_type = resource_type_of(
        password.resource_type_name or password.cached_resource_type_name
    )
    if password.embedded and target_type and password.resource_id:
        edges.append(
            Edge(
                source_id=source_id("passwords", password.id),
                target_id=source_id(target_type, password.resource_id),
                kind="credential",
                relation="password for",
                organization_id=org,
                source_name=password.name,
                target_name=password.cached_resource_name or "",
            )
        )
    return RenderedRecord(
        resource_type="passwords",
        record_id=password.id,
        organization_id=org,
        name=password.name,
        type_label="Password",
        fields=_fields(pairs),
        identifiers={},
        url=password.resource_url,
        edges=edges,
    )


# ---------------------------------------------------------------------------- documents
def render_document(
    document: Document, sections: Sequence[DocumentSection], folder_path: Sequence[str] = ()
) -> RenderedRecord:
    """A document as an article: headings fold into the blocks after them, steps are numbered;
    `folder_path` is where it lives in IT Glue (empty at the root)."""
    rendered: list[Section] = []
    steps = 0
    for section in sorted(sections, key=lambda s: (s.sort or 0, s.id)):
        kind = (section.section_type or "").rsplit("::", 1)[-1].lower()
        content = section.rendered_content or section.content or ""
        if kind == "heading":
            rendered.append(
                Section(heading=html_to_text(content) or None, level=section.level or 2)
            )
        elif kind == "step":
            steps += 1
            rendered.append(Section(html=f"<p><b>Step {steps}.</b></p>{content}", level=3))
        elif content:
            rendered.append(Section(html=content, level=3))
    # Headings open sections: fold each heading into the blocks that follow it.
    folded: list[Section] = []
    for block in rendered:
        if block.html is None and block.heading:
            folded.append(Section(heading=block.heading, level=block.level, html=""))
        elif folded and folded[-1].heading is not None:
            folded[-1].html = (folded[-1].html or "") + (block.html or "")
        else:
            folded.append(block)
    text = " ".join(html_to_text(s.html or "") for s in folded)
    return RenderedRecord(
        resource_type="documents",
        record_id=document.id,
        organization_id=document.organization_id or "",
        name=document.name,
        type_label="Document",
        fields=[],
        identifiers=extract_identifiers(text),
        url=document.resource_url,
        sections=folded or [Section(heading=None, html="")],
        folder_id=document.document_folder_id,
        folder_path=list(folder_path),
    )


# ---------------------------------------------------------------------------- the rest
def render_contact(contact: Contact) -> RenderedRecord:
    name = (
        contact.name
        or " ".join(n for n in (contact.first_name, contact.last_name) if n)
        or contact.id
    )
    pairs: list[FieldPair] = [
        ("Title", contact.title),
        ("Contact type", contact.contact_type_name),
        ("Important", contact.important or None),
        ("Location", contact.location_name),
    ]
    for email in sorted(contact.contact_emails, key=lambda e: not e.primary):
        pairs.append((f"Email ({email.label_name or 'work'})", email.value))
    for phone in sorted(contact.contact_phones, key=lambda p: not p.primary):
        number = phone.formatted_value or phone.value
        pairs.append(
            (
                f"Phone ({phone.label_name or 'work'})",
                number + (f" x{phone.extension}" if phone.extension else ""),
            )
        )
    emails = [e.value for e in contact.contact_emails]
    return RenderedRecord(
        resource_type="contacts",
        record_id=contact.id,
        organization_id=contact.organization_id or "",
        name=name,
        type_label=contact.contact_type_name or "Contact",
        fields=_fields(pairs),
        identifiers=merge_identifiers(
            {"email": emails, "domain": [e.rsplit("@", 1)[-1] for e in emails]}
        ),
        url=contact.resource_url,
        notes=contact.notes,
    )


def render_location(location: Location) -> RenderedRecord:
    address = ", ".join(
        p
        for p in (
            location.address_1,
            location.address_2,
            location.city,
            location.region_name,
            location.postal_code,
            location.country_name,
        )
        if p
    )
    pairs: list[FieldPair] = [
        ("Primary location", location.primary or None),
        ("Address", address),
        ("Phone", location.phone),
        ("Fax", location.fax),
    ]
    return RenderedRecord(
        resource_type="locations",
        record_id=location.id,
        organization_id=location.organization_id or "",
        name=location.name,
        type_label="Location",
        fields=_fields(pairs),
        identifiers={},
        url=location.resource_url,
        notes=location.notes,
    )


def render_domain(domain: Domain) -> RenderedRecord:
    pairs: list[FieldPair] = [
        ("Registrar", domain.registrar_name),
        ("Expires", domain.expires_on),
    ]
    return RenderedRecord(
        resource_type="domains",
        record_id=domain.id,
        organization_id=domain.organization_id or "",
        name=domain.name,
        type_label="Domain",
        fields=_fields(pairs),
        identifiers={"domain": [domain.name.lower()]},
        url=domain.resource_url,
        notes=domain.notes,
    )


def render_organization(organization: Organization) -> RenderedRecord:
    pairs: list[FieldPair] = [
        ("Short name", organization.short_name),
        ("Type", organization.organization_type_name),
        ("Status", organization.organization_status_name),
        ("Description", organization.description),
        ("Alert", organization.alert),
    ]
    return RenderedRecord(
        resource_type="organizations",
        record_id=organization.id,
        organization_id=organization.id,
        name=organization.name,
        type_label="Organization",
        fields=_fields(pairs),
        identifiers={},
        url=None,
        notes=organization.quick_notes,
    )


def related_item_edges(rendered: RenderedRecord, items: Iterable[ItGlueRelatedItem]) -> list[Edge]:
    """`include=related_items`: undirected links, stored as `related` edges."""
    edges = []
    for item in items:
        target_type = resource_type_of(item.destination_type)
        if target_type is None or item.destination_id is None:
            continue
        edges.append(
            Edge(
                source_id=rendered.source_id,
                target_id=source_id(target_type, item.destination_id),
                kind="related",
                relation="related item",
                organization_id=rendered.organization_id,
                source_name=rendered.name,
                target_name=item.destination_name or "",
            )
        )
    return edges


def render(record: ItGlueRecord) -> RenderedRecord:
    """A record whose rendering needs nothing else (not configurations or documents)."""
    if isinstance(record, FlexibleAsset):
        return render_flexible_asset(record)
    if isinstance(record, Password):
        return render_password(record)
    if isinstance(record, Contact):
        return render_contact(record)
    if isinstance(record, Location):
        return render_location(record)
    if isinstance(record, Domain):
        return render_domain(record)
    if isinstance(record, Organization):
        return render_organization(record)
    if isinstance(record, Configuration):
        return render_configuration(record)
    raise TypeError(f"no renderer for {type(record).__name__}")
