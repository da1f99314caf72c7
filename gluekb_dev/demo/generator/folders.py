"""An organization's document folders, as an MSP files its documents in IT Glue: server runbooks
under Servers > Runbooks, each application's documents under Applications > <application>,
network, site and printer guides in their own folders, user procedures under Procedures; the
overview, policies and change records stay at the root.

Built after everything else and from the documents' titles alone: no random draw is made here,
so every record generated before keeps its attributes byte for byte (the demo data is pinned).
What changes is only what folders add: the `document_folders` records and the documents'
`document-folder-id`. A folder's timestamps are those of the oldest document under it.
"""

from __future__ import annotations

from collections.abc import Iterable

from gluekb_dev.demo.generator.builder import RecordBuilder
from gluekb_dev.demo.generator.org_assets import OrgAssets
from gluekb_dev.demo.records import Resource, parse_iso

FolderPath = tuple[str, ...]

_BY_PREFIX: tuple[tuple[str, FolderPath], ...] = (
    ("Server Runbook: ", ("Servers", "Runbooks")),
    ("Switch Configuration: ", ("Network", "Switches")),
    ("Site Guide: ", ("Sites",)),
    ("Printer Guide: ", ("Printers",)),
)
_BY_TITLE: dict[str, FolderPath] = {
    "Printer Troubleshooting": ("Printers",),
    "Firewall Configuration Backup": ("Network",),
    "Remote Access VPN Setup": ("Network",),
    "Wi-Fi Troubleshooting": ("Network",),
    "Switch Configuration Standards": ("Network", "Switches"),
    "New User Onboarding": ("Procedures", "User Lifecycle"),
    "User Offboarding Checklist": ("Procedures", "User Lifecycle"),
    "Backup and Restore Procedure": ("Procedures", "Backup and Recovery"),
    "Disaster Recovery Plan": ("Procedures", "Backup and Recovery"),
}


def folder_path_for(title: str, applications: Iterable[str]) -> FolderPath:
    """The folder a document with this title is filed in (`()`: the root)."""
    if title in _BY_TITLE:
        return _BY_TITLE[title]
    for prefix, path in _BY_PREFIX:
        if title.startswith(prefix):
            return path
    for application in applications:
        if title.startswith(f"{application} - "):
            return ("Applications", application)
    return ()


def build_document_folders(builder: RecordBuilder, assets: OrgAssets) -> None:
    """Create the folders the organization's documents need (parents first, in the order the
    documents first need them) and file each document in its folder."""
    applications = [app for app, _, _ in assets.profile.lob_apps]
    filed: list[tuple[Resource, FolderPath]] = []
    for document in assets.documents.values():
        path = folder_path_for(document["attributes"]["name"], applications)
        if path:
            filed.append((document, path))
    folders: dict[FolderPath, Resource] = {}
    for _, path in filed:
        for depth in range(1, len(path) + 1):
            prefix = path[:depth]
            if prefix not in folders:
                under = [doc for doc, doc_path in filed if doc_path[:depth] == prefix]
                folders[prefix] = _folder(builder, assets.org, prefix, folders, under)
    for document, path in filed:
        document["attributes"]["document-folder-id"] = int(folders[path]["id"])


def _folder(
    builder: RecordBuilder,
    org: Resource,
    path: FolderPath,
    folders: dict[FolderPath, Resource],
    documents: list[Resource],
) -> Resource:
    parent = folders.get(path[:-1]) if len(path) > 1 else None
    oldest = min(parse_iso(doc["attributes"]["created-at"]) for doc in documents)
    return builder.add(
        "document_folders",
        {
            "organization-id": int(org["id"]),
            "name": path[-1],
            "parent-id": int(parent["id"]) if parent is not None else None,
        },
        created=oldest,
        updated=oldest,
    )
