"""IT Glue records: flat, typed, tolerant of new attributes; passwords never hold a value unless
explicitly revealed, and a revealed value never prints."""

from __future__ import annotations

from gluekb.models.itglue import (
    Configuration,
    ConfigurationInterface,
    ErrorDocument,
    FlexibleAsset,
    ListDocument,
    Password,
    RevealedPassword,
)

SECRET = "Tr0ub4dor&3-horse"


def test_a_configuration_is_flat_typed_and_keeps_attributes_it_glue_adds_later() -> None:
    # Given a configuration as IT Glue sends it, with numeric ids and an unknown attribute
    resource = {
        "id": "455",
        "type": "configurations",
        "attributes": {
            "organization-id": 2,
            "name": "HF-SF-CJ452JK",
            "primary-ip": "10.10.2.231",
            "configuration-type-id": 65,
            "updated-at": "2016-09-29T20:55:16.000Z",
            "mitp-end-of-life-date": "2030-01-01",
        },
    }
    # When it becomes a record
    config = Configuration.from_resource(resource)
    # Then ids are strings, attributes are snake_case, and the new attribute survives a dump
    assert config.id == "455" and config.organization_id == "2"
    assert config.configuration_type_id == "65" and config.primary_ip == "10.10.2.231"
    assert config.updated_at is not None and config.updated_at.year == 2016
    assert config.attribute_dump()["mitp-end-of-life-date"] == "2030-01-01"


def test_an_interface_takes_its_id_from_the_attributes_when_the_object_has_none() -> None:
    interface = ConfigurationInterface.from_resource(
        {"type": "configuration-interfaces", "attributes": {"id": 63, "ip-address": "10.1.1.1"}}
    )
    assert interface.id == "63" and interface.ip_address == "10.1.1.1"


def test_password_metadata_drops_a_value_even_when_a_list_sends_one() -> None:
    # Given a list item that (as IT Glue sometimes does) carries the password
    resource = {
        "id": "222",
        "type": "passwords",
        "attributes": {
            "name": "UPS Web Interface",
            "username": "administrator",
            "password": SECRET,
            "otp-secret": "JBSWY3DPEHPK3PXP",
            "resource-type": "Configuration",
            "resource-id": 2282563,
        },
    }
    # When it becomes password metadata
    password = Password.from_resource(resource)
    # Then the value is nowhere: not a field, not an extra, not in a dump or repr
    assert password.embedded and password.resource_type_name == "Configuration"
    assert SECRET not in repr(password)
    assert SECRET not in password.model_dump_json(by_alias=True)
    assert "JBSWY3DPEHPK3PXP" not in repr(password)
    assert not password.model_extra


def test_a_revealed_password_never_prints_its_value() -> None:
    # Given a password fetched with show_password=true
    revealed = RevealedPassword.from_resource(
        {"id": "54", "type": "passwords", "attributes": {"name": "O365", "password": SECRET}}
    )
    # Then only get_secret_value() gives the value back
    assert revealed.value.get_secret_value() == SECRET
    for text in (
        repr(revealed),
        str(revealed),
        str(revealed.value),
        revealed.model_dump_json(),
        str(revealed.model_dump()),
        str(revealed.model_dump(mode="json", by_alias=True)),
    ):
        assert SECRET not in text


def test_tag_traits_are_the_edges_of_the_relationship_graph() -> None:
    # Given an Email flexible asset whose Tag fields point at a domain and a server
    asset = FlexibleAsset.from_resource(
        {
            "id": "401",
            "type": "flexible-assets",
            "attributes": {
                "organization-id": 2,
                "flexible-asset-type-id": 33,
                "name": "Exchange 2013",
                "traits": {
                    "type": "Exchange 2013",
                    "domains": {
                        "type": "Domains",
                        "values": [{"id": 347287, "name": "happyfrog.itglue.com"}],
                    },
                    "email-servers": {
                        "type": "Configurations",
                        "values": [{"id": 11303436, "name": "HF-SF-EXCH01", "hostname": "x"}],
                    },
                },
            },
        }
    )
    # When its links are read
    links = asset.tag_links()
    # Then each tagged record is one edge, and plain traits are not links
    assert [(link.trait, link.target_type, link.target_id) for link in links] == [
        ("domains", "Domains", "347287"),
        ("email-servers", "Configurations", "11303436"),
    ]
    assert set(asset.tag_traits()) == {"domains", "email-servers"}


def test_a_list_document_needs_data_and_meta() -> None:
    body = {
        "data": [],
        "meta": {"current-page": 1, "next-page": None, "total-pages": 0, "total-count": 0},
    }
    page = ListDocument.model_validate(body)
    assert page.meta.total_count == 0 and page.meta.next_page is None


def test_error_documents_give_the_detail_a_user_can_act_on() -> None:
    errors = ErrorDocument.model_validate(
        {"errors": [{"status": "422", "title": "Unprocessable", "detail": "Name can't be blank"}]}
    )
    assert errors.message() == "Name can't be blank"
