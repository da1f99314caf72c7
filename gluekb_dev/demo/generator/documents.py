"""An organization's documents: a plan of titles in priority order (the profile's document count
keeps the first ones), each written as HTML sections (`sections`) and related to the
configurations it is about."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from gluekb_dev.demo import vocabulary
from gluekb_dev.demo.generator.builder import RecordBuilder
from gluekb_dev.demo.generator.org_assets import OrgAssets
from gluekb_dev.demo.generator.sections import document_sections
from gluekb_dev.demo.records import Resource

About = Sequence[tuple[str, Resource]]  # (related item type, record) the document is about
PlannedDocument = tuple[str, About]


def build_documents(builder: RecordBuilder, assets: OrgAssets) -> None:
    for title, about in document_plan(assets):
        doc = builder.document(assets.org, title, document_sections(builder, assets, title, about))
        assets.documents[title] = doc
        for kind, target in about:
            builder.relate(
                ("Document", doc), (kind, target), f"Document about {target['attributes']['name']}"
            )


def document_plan(assets: OrgAssets) -> list[PlannedDocument]:
    """Titles in priority order, each with the configurations the document is about."""
    plan = [
        *_key_documents(assets),
        *_generic_documents(assets),
        *_application_documents(assets),
        *_runbooks_and_guides(assets),
    ]
    plan.extend((f"Change Record CR-{number:04d}", []) for number in range(1, 200))
    return plan[: assets.profile.documents]


def _key_documents(assets: OrgAssets) -> Iterator[PlannedDocument]:
    """The network overview, each application's escalation path, the SQL server runbooks."""
    firewall = assets.firewall
    yield (
        "Network Overview",
        [
            ("Configuration", firewall),
            *[("Configuration", switch) for switch in assets.switches[:2]],
        ],
    )
    for app, _, _ in assets.profile.lob_apps:
        yield (
            f"{app} - Support and Escalation",
            [("Configuration", server) for server in assets.sql_servers[:1]],
        )
    for server in assets.sql_servers:
        yield (f"Server Runbook: {server['attributes']['name']}", [("Configuration", server)])


def _generic_documents(assets: OrgAssets) -> Iterator[PlannedDocument]:
    for title in vocabulary.GENERIC_DOCUMENTS[1:]:
        about: list[tuple[str, Resource]] = []
        if "Firewall" in title or "VPN" in title:
            about = [("Configuration", assets.firewall)]
        if "Backup" in title and "BKP01" in assets.servers:
            about = [("Configuration", assets.servers["BKP01"])]
        yield (title, about)


def _application_documents(assets: OrgAssets) -> Iterator[PlannedDocument]:
    for app, _, needs_sql in assets.profile.lob_apps:
        yield (f"{app} - Upgrade Procedure", [])
        if needs_sql and assets.sql_servers:
            yield (f"{app} - Database Maintenance", [("Configuration", assets.sql_servers[0])])


def _runbooks_and_guides(assets: OrgAssets) -> Iterator[PlannedDocument]:
    """Runbooks of the other servers, then site, printer and switch guides."""
    for suffix, server in assets.servers.items():
        if not suffix.startswith("SQL"):
            yield (f"Server Runbook: {server['attributes']['name']}", [("Configuration", server)])
    for location in assets.locations:
        yield (f"Site Guide: {location['attributes']['name']}", [])
    for printer in assets.printers:
        yield (f"Printer Guide: {printer['attributes']['name']}", [("Configuration", printer)])
    for switch in assets.switches:
        yield (
            f"Switch Configuration: {switch['attributes']['name']}",
            [("Configuration", switch)],
        )
