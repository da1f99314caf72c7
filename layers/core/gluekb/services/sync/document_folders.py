"""Documents in folders: how IT Glue lets the sync see every document, and each one's folder path.

IT Glue lists only the documents at the root of an organization unless asked otherwise
(`filter[document_folder_id]=null` returns every document, each with its `document-folder-id`),
and serves the folder tree at `/organizations/:id/relationships/document_folders` on tenants it
has rolled that out to. Tenants differ, so the sync picks, per organization, the first listing
that works and remembers it in the documents checkpoint:

- `all`: one listing with `filter[document_folder_id]=null` (incremental and resumable like
  every other resource type);
- `by_folder`: the root, then each folder of the tree, one listing each (when `null` is refused);
- `root_only`: the root alone, with a warning in the sync status (neither works): documents in
  folders cannot be seen, and only root documents are ever swept.

The tree turns a document's folder id into its path (`("Servers", "Runbooks")`), which becomes
the breadcrumb of its chunks and is kept in the catalog.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from gluekb.adapters.itglue import ALL_DOCUMENTS as ALL
from gluekb.adapters.itglue import DOCUMENTS, ItGlueClient
from gluekb.errors import InvalidInput, NotFound
from gluekb.models.itglue import DocumentFolder
from gluekb.models.sync import SyncCheckpoint

Listing = Literal["all", "by_folder", "root_only"]
FolderPath = tuple[str, ...]

ROOT_ONLY_WARNING = (
    "documents: IT Glue lists only the documents at the root of this organization (no folder "
    "tree, and filter[document_folder_id]=null refused); documents in folders are not synced"
)
NO_TREE_WARNING = (
    "documents: IT Glue has no document folder tree for this tenant (404); every document is "
    "synced, without the names of its folders"
)
BY_FOLDER_WARNING = (
    "documents: IT Glue refused filter[document_folder_id]=null; documents are listed folder by "
    "folder (one request per folder and run)"
)


def _parent(folder: DocumentFolder) -> str | None:
    # A top folder has no parent: null, or 0 on some tenants.
    return folder.parent_id if folder.parent_id not in (None, "", "0") else None


class FolderTree:
    """An organization's document folders: id -> path, names from the top folder down. A folder
    whose parent is missing starts its path where the tree is known; a loop ends it."""

    def __init__(self, folders: Iterable[DocumentFolder]) -> None:
        by_id = {folder.id: folder for folder in folders}
        self.paths: dict[str, FolderPath] = {
            folder_id: _path(by_id, folder_id) for folder_id in sorted(by_id, key=_numeric)
        }

    @classmethod
    def from_paths(cls, paths: Mapping[str, Iterable[str]]) -> FolderTree:
        tree = cls(())
        tree.paths = {folder_id: tuple(path) for folder_id, path in paths.items()}
        return tree

    def path_of(self, folder_id: str | None) -> FolderPath:
        """The folder's path; `()` for the root or a folder the tree does not know."""
        return self.paths.get(folder_id, ()) if folder_id else ()

    def knows(self, folder_id: str | None) -> bool:
        return folder_id is None or folder_id in self.paths

    def folder_ids(self) -> list[str]:
        return list(self.paths)

    def as_json(self) -> dict[str, list[str]]:
        """What the documents checkpoint keeps (and compares, to notice a renamed folder)."""
        return {folder_id: list(path) for folder_id, path in self.paths.items()}


def _path(by_id: Mapping[str, DocumentFolder], folder_id: str) -> FolderPath:
    names: list[str] = []
    seen: set[str] = set()
    current: str | None = folder_id
    while current is not None and current in by_id and current not in seen:
        seen.add(current)
        names.append(by_id[current].name)
        current = _parent(by_id[current])
    return tuple(reversed(names))


def _numeric(folder_id: str) -> tuple[int, str]:
    return (int(folder_id), folder_id) if folder_id.isdigit() else (0, folder_id)


def breadcrumb(path: Iterable[str]) -> str:
    """`("Servers", "Runbooks")` -> `Servers > Runbooks` (how chunk titles join their parts)."""
    return " > ".join(path)


# ---------------------------------------------------------------------------- the plan of a run
@dataclass
class DocumentsPlan:
    """How this run lists an organization's documents, and with which folder tree."""

    listing: Listing
    tree: FolderTree | None  # None: IT Glue has no folder tree for this tenant (404)
    tree_changed: bool  # a folder was added, renamed or moved: every breadcrumb is re-read
    checked_at: datetime | None
    warnings: list[str] = field(default_factory=list)


async def folder_tree(client: ItGlueClient, organization_id: str) -> FolderTree | None:
    """The organization's folder tree (one request), or None where IT Glue has none (404)."""
    try:
        return FolderTree(await client.document_folders(organization_id))
    except NotFound:
        return None


async def plan_documents(
    client: ItGlueClient,
    checkpoint: SyncCheckpoint,
    now: datetime,
    recheck_every: timedelta,
) -> DocumentsPlan:
    """The folder tree (one request), and the listing: the one remembered, else the first that
    IT Glue accepts (`all` costs one more request to find out). A listing other than `all` is
    checked again after `recheck_every`, so a tenant IT Glue rolls folders out to moves on."""
    org = checkpoint.organization_id
    tree = await folder_tree(client, org)
    listing, checked_at = checkpoint.document_listing, checkpoint.listing_checked_at
    stale = checked_at is None or now - checked_at >= recheck_every
    if listing is None or (listing != "all" and stale):
        listing, checked_at = await _first_listing_that_works(client, org, tree), now
    current = tree.as_json() if tree is not None else None
    warnings = {
        "all": [NO_TREE_WARNING] if tree is None else [],
        "by_folder": [BY_FOLDER_WARNING],
        "root_only": [ROOT_ONLY_WARNING],
    }[listing]
    return DocumentsPlan(listing, tree, current != checkpoint.folder_paths, checked_at, warnings)


async def _first_listing_that_works(
    client: ItGlueClient, organization_id: str, tree: FolderTree | None
) -> Listing:
    try:
        await client.page(
            DOCUMENTS, 1, page_size=1, organization_id=organization_id, document_folder_id=ALL
        )
    except InvalidInput:  # IT Glue validates the filter as a folder id here
        return "by_folder" if tree is not None else "root_only"
    return "all"


def remember(checkpoint: SyncCheckpoint, plan: DocumentsPlan, complete: bool) -> None:
    """Keep the listing (forgotten after an incomplete `all`, so the next run checks again) and,
    after a complete listing only, the tree the breadcrumbs were rendered with."""
    checkpoint.document_listing = plan.listing if complete or plan.listing != "all" else None
    checkpoint.listing_checked_at = plan.checked_at
    if complete:
        checkpoint.folder_paths = plan.tree.as_json() if plan.tree is not None else None
