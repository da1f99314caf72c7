"""A stored raw record rendered again exactly as the sync rendered it when it fetched it: the
sync stores `{"id", "type", "attributes"}` (plus a configuration's `interfaces`, a document's
`sections` and, for one filed in an IT Glue folder, its `folder_path`), and the same record
cards are made from that. The index is derived data; `gluekb index rebuild` re-creates it from
here."""

from __future__ import annotations

from typing import Any, TypeVar

from gluekb.errors import InvalidInput
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
from gluekb.ports.raw_records import RawRecord
from gluekb.services.sync.record_cards import (
    RenderedRecord,
    render,
    render_configuration,
    render_document,
)

Part = TypeVar("Part", bound=ItGlueRecord)

# Catalog resource type -> the record's model (as the sync's listings parse it).
MODELS: dict[str, type[ItGlueRecord]] = {
    "organizations": Organization,
    "configurations": Configuration,
    "flexible_assets": FlexibleAsset,
    "passwords": Password,
    "documents": Document,
    "contacts": Contact,
    "locations": Location,
    "domains": Domain,
}


def render_stored(resource_type: str, raw: RawRecord) -> RenderedRecord:
    """The record card (and index document) of a stored record. InvalidInput when the stored
    body is not one the sync writes."""
    model = MODELS.get(resource_type)
    if model is None:
        raise InvalidInput(f"no stored records of type {resource_type!r}")
    try:
        record = model.from_resource(_resource(raw))
        if isinstance(record, Configuration):
            interfaces = [
                _part(ConfigurationInterface, "configuration-interfaces", i)
                for i in _list(raw, "interfaces")
            ]
            return render_configuration(record, interfaces)
        if isinstance(record, Document):
            sections = [
                _part(DocumentSection, "document-sections", s) for s in _list(raw, "sections")
            ]
            return render_document(record, sections, _strings(raw, "folder_path"))
        if isinstance(record, FlexibleAsset):
            record = _in_stored_order(record, raw.get("trait_order"))
        return render(record)
    except (ValueError, TypeError, KeyError) as exc:  # pydantic's ValidationError is a ValueError
        raise InvalidInput(f"stored {resource_type} record cannot be read: {exc}") from exc


def _resource(raw: RawRecord) -> dict[str, Any]:
    return {"id": raw["id"], "type": raw["type"], "attributes": raw.get("attributes") or {}}


def _list(raw: RawRecord, name: str) -> list[dict[str, Any]]:
    value = raw.get(name) or []
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _strings(raw: RawRecord, name: str) -> list[str]:
    value = raw.get(name) or []
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _in_stored_order(asset: FlexibleAsset, order: object) -> FlexibleAsset:
    """The traits in IT Glue's order (the stored JSON sorts keys; the order is kept beside)."""
    if not isinstance(order, list):
        return asset
    ranked = {key: n for n, key in enumerate(order)}
    traits = dict(sorted(asset.traits.items(), key=lambda kv: ranked.get(kv[0], len(ranked))))
    return asset.model_copy(update={"traits": traits})


def _part(model: type[Part], kind: str, attributes: dict[str, Any]) -> Part:
    """A side-loaded part (interface, section), stored as its attributes plus its id."""
    return model.from_resource({"id": attributes.get("id"), "type": kind, "attributes": attributes})
