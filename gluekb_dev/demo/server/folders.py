"""Documents and their folders, as IT Glue serves them: a document list holds only the
documents at the root of the organization unless `filter[document_folder_id]` names a folder
(that folder's documents) or is `null` (every document, foldered ones included), and
`/organizations/:id/relationships/document_folders` lists the folder tree.

Two switches (`DemoServerConfig`) play a tenant IT Glue has not rolled folders out to yet: no
folders endpoint (404 there), and no `null` (a 422: IT Glue validates the filter as a number).
"""

from __future__ import annotations

from gluekb.adapters.itglue.resources import ALL_DOCUMENTS
from gluekb_dev.demo.server.config import DemoServerConfig
from gluekb_dev.demo.server.errors import not_found, unprocessable
from gluekb_dev.demo.tenant import Resource

FOLDERS_ROUTE = "document_folders"
_FOLDER_ATTRIBUTE = "document-folder-id"


def documents_in_scope(
    config: DemoServerConfig, documents: list[Resource], folder: str | None
) -> list[Resource]:
    """The documents a list answers for `filter[document_folder_id]` (None: not given)."""
    if folder is None:
        return [d for d in documents if d["attributes"].get(_FOLDER_ATTRIBUTE) is None]
    if folder.strip().lower() == ALL_DOCUMENTS:
        if not config.all_documents_filter:
            raise unprocessable("filter[document_folder_id] must be a number")
        return documents
    wanted = {value.strip() for value in folder.split(",")}
    return [d for d in documents if str(d["attributes"].get(_FOLDER_ATTRIBUTE)) in wanted]


def check_folders_route(config: DemoServerConfig, child: str) -> None:
    """404 for the folders route on a tenant without it, as IT Glue answers an unknown route."""
    if child == FOLDERS_ROUTE and not config.document_folders_endpoint:
        raise not_found("The page you were looking for doesn't exist")
