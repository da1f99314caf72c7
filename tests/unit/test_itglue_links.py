"""IT Glue web links name exactly one record."""

from __future__ import annotations

import pytest

from gluekb.errors import InvalidInput
from gluekb.services.webhooks.itglue_links import parse_record_link


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://acme.itglue.com/2233445/docs/1234567", ("2233445", "documents", "1234567")),
        ("https://demo-msp.itglue.com/1001/documents/900001", ("1001", "documents", "900001")),
        ("https://acme.eu.itglue.com/2233445/passwords/99/", ("2233445", "passwords", "99")),
        ("https://acme.itglue.com/1/configurations/42/edit", ("1", "configurations", "42")),
        ("https://acme.itglue.com/1/contacts/7?tab=notes#top", ("1", "contacts", "7")),
        (
            "https://demo-msp.itglue.com/1001/assets/31-network/records/700001",
            ("1001", "flexible_assets", "700001"),
        ),
    ],
)
def test_record_links(url: str, expected: tuple[str, str, str]) -> None:
    link = parse_record_link(url)
    assert (link.organization_id, link.resource_type, link.record_id) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.itglue.com/2233445/docs",  # a listing, not a record
        "https://acme.itglue.com/2233445/docs/folder/12/345",
        "https://acme.itglue.com/acme/docs/12",  # the organization is not an id
        "https://acme.itglue.com/1/checklists/5",  # not something gluekb syncs
        "ftp://acme.itglue.com/1/docs/5",
        "[resource_url]",  # the workflow's variable was not filled in
        "",
    ],
)
def test_anything_else_is_refused(url: str) -> None:
    with pytest.raises(InvalidInput):
        parse_record_link(url)
