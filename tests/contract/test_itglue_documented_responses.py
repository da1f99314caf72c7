"""The IT Glue client against responses IT Glue itself documented (issue 14).

The demo server is gluekb's own reading of IT Glue; these fixtures are IT Glue's: the example
return values of its API reference, byte for byte (`tests/fixtures/itglue/README.md` says where
each came from). Every record in them must parse with the client's models and render through the
sync's record cards, so a shape the real API sends and the demo server does not fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from gluekb.adapters.itglue import (
    CONFIGURATION_INTERFACES,
    CONFIGURATIONS,
    CONTACTS,
    DOMAINS,
    FLEXIBLE_ASSET_FIELDS,
    FLEXIBLE_ASSET_TYPES,
    FLEXIBLE_ASSETS,
    LOCATIONS,
    ORGANIZATIONS,
    PASSWORDS,
    ResourceSpec,
)
from gluekb.models.itglue import (
    Configuration,
    ConfigurationInterface,
    Contact,
    Domain,
    FlexibleAsset,
    FlexibleAssetField,
    FlexibleAssetType,
    ItGlueRecord,
    Location,
    Organization,
    Password,
)
from gluekb.services.sync.record_cards import render, render_configuration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "itglue"

DOCUMENTED: dict[str, ResourceSpec[Any]] = {
    "organizations.index.json": ORGANIZATIONS,
    "configurations.index.json": CONFIGURATIONS,
    "configuration_interfaces.index.json": CONFIGURATION_INTERFACES,
    "flexible_asset_types.index.json": FLEXIBLE_ASSET_TYPES,
    "flexible_asset_types.show.json": FLEXIBLE_ASSET_TYPES,
    "flexible_asset_fields.index.json": FLEXIBLE_ASSET_FIELDS,
    "flexible_assets.index.txt": FLEXIBLE_ASSETS,
    "passwords.index.json": PASSWORDS,
    "contacts.index.json": CONTACTS,
    "locations.index.json": LOCATIONS,
    "domains.index.json": DOMAINS,
}
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def documented(name: str) -> dict[str, Any]:
    """A fixture's body; `.txt` ones are kept as IT Glue documented them, not valid JSON: their
    trailing commas are removed here (and nothing else)."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    if name.endswith(".txt"):
        with pytest.raises(json.JSONDecodeError):
            json.loads(text)  # still exactly as documented
        text = _TRAILING_COMMA.sub(r"\1", text)
    body: dict[str, Any] = json.loads(text)
    return body


def records(name: str) -> list[Any]:
    """Every record of a fixture's `data` (a list, or one object as a show answers), parsed."""
    data = documented(name)["data"]
    items = data if isinstance(data, list) else [data]
    return [DOCUMENTED[name].model.from_resource(item) for item in items]


def test_every_fixture_is_described_and_every_described_file_is_here() -> None:
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    present = {p.name for p in FIXTURES.iterdir() if p.name != "README.md"}
    assert present == set(DOCUMENTED)
    assert all(f"`{name}`" in readme for name in DOCUMENTED)


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_every_documented_record_parses_and_renders(name: str) -> None:
    # Given a response IT Glue documented, When the client's model reads each of its records
    parsed = records(name)
    # Then each is a typed record with its id, and the sync can render the ones it stores
    assert parsed and all(isinstance(r, ItGlueRecord) and r.id for r in parsed)
    for record in parsed:
        if isinstance(record, Configuration):
            assert render_configuration(record, []).name == record.name
        elif not isinstance(
            record, FlexibleAssetType | FlexibleAssetField | ConfigurationInterface
        ):
            assert render(record).record_id == record.id


def test_interfaces_carry_their_id_inside_the_attributes() -> None:
    interfaces: list[ConfigurationInterface] = records("configuration_interfaces.index.json")
    assert [(i.id, i.ip_address, i.primary) for i in interfaces] == [
        ("63", "10.10.1.111", True),
        ("64", "10.0.1.23", False),
    ]


def test_a_password_value_in_a_list_never_reaches_a_record() -> None:
    # Given the documented list, one entry of which carries its password value
    text = (FIXTURES / "passwords.index.json").read_text(encoding="utf-8")
    assert '"password": "p4ssw0rd"' in text
    passwords: list[Password] = records("passwords.index.json")
    # Then neither the record, nor what is stored, nor what is indexed holds it
    for password in passwords:
        rendered = render(password)
        stored = json.dumps(password.attribute_dump())
        indexed = rendered.document("Happy Frog").model_dump_json()
        assert "p4ssw0rd" not in stored + indexed + repr(password)
    # ... and an embedded password links to its configuration, a flexible-asset-trait to nothing
    edges = {p.name: [e.target_id for e in render(p).edges] for p in passwords}
    assert edges["UPS Web Interface"] == ["itglue:configurations:2282563"]
    assert edges["Pre-Shared Key"] == []


def test_shapes_the_demo_server_does_not_send_still_read() -> None:
    # A domain without created-at, expiring at a timestamp
    domains: list[Domain] = records("domains.index.json")
    assert domains[0].created_at is None and domains[0].expires_on == "2020-09-14T04:00:00.000Z"
    # A MAC address with dashes and a non-hex digit is kept, and not taken for an identifier
    configs: list[Configuration] = records("configurations.index.json")
    card = render_configuration(configs[0], [])
    assert configs[0].mac_address == "18-5E-0F-ED-99-9J" and "mac" not in card.identifiers
    # ... interfaces named in relationships but not included leave the card without them
    assert configs[0].relationships["configuration-interfaces"]["data"][0]["id"] == "68"
    # Organizations: parent-id and ancestor-ids as strings
    organizations: list[Organization] = records("organizations.index.json")
    assert organizations[0].parent_id == "1" and organizations[0].name == "Happy Frog"
    # Side-loaded fields with numeric ids
    included = documented("flexible_asset_types.show.json")["included"]
    fields = [FlexibleAssetField.from_resource(item) for item in included]
    assert [f.id for f in fields][:2] == ["401", "402"] and fields[0].tag_type == "Domains"


def test_a_flexible_assets_tags_become_edges_of_the_graph() -> None:
    (asset,) = records("flexible_assets.index.txt")
    assert isinstance(asset, FlexibleAsset)
    links = {(link.trait, link.target_type, link.target_id) for link in asset.tag_links()}
    assert links == {
        ("domains", "Domains", "347287"),
        ("email-servers", "Configurations", "11303436"),
    }
    targets = {edge.target_id for edge in render(asset).edges}
    assert targets == {"itglue:domains:347287", "itglue:configurations:11303436"}


def test_contacts_and_locations_keep_what_a_technician_reads() -> None:
    contacts: list[Contact] = records("contacts.index.json")
    morgan = render(contacts[1])
    assert ("Email (Home)", "john@home.com") in {(f.name, f.value) for f in morgan.fields}
    assert "happyfrog.itglue.com" in morgan.identifiers["domain"]
    locations: list[Location] = records("locations.index.json")
    address = {f.name: f.value for f in render(locations[0]).fields}["Address"]
    assert address == "120 Kearny Street, Unit 508, San Francisco, California, 94108, United States"
