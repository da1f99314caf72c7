"""Document folders in the sync (issue 14): a folder id becomes a path from the top folder down,
the path travels with the document to its chunks as their breadcrumb."""

from __future__ import annotations

from datetime import UTC, datetime

from gluekb.models.index import SearchHit
from gluekb.models.itglue import Document, DocumentFolder, DocumentSection
from gluekb.services.indexing.chunking import chunk_document
from gluekb.services.query.rerank import record_from_hits
from gluekb.services.sync.document_folders import FolderTree, breadcrumb
from gluekb.services.sync.record_cards import render_document


def folder(folder_id: str, name: str, parent: str | int | None = None) -> DocumentFolder:
    return DocumentFolder.from_resource(
        {
            "id": folder_id,
            "type": "document-folders",
            "attributes": {"organization-id": 1001, "name": name, "parent-id": parent},
        }
    )


def test_a_folder_path_runs_from_the_top_folder_down() -> None:
    # Given a tree two levels deep, its top folders' parent spelled null by one tenant, 0 by another
    tree = FolderTree(
        [folder("3", "Runbooks", 1), folder("1", "Servers", None), folder("2", "Sites", 0)]
    )
    # Then each folder's path names its ancestors first, and the root has none
    assert tree.path_of("3") == ("Servers", "Runbooks")
    assert tree.path_of("2") == ("Sites",)
    assert tree.path_of(None) == ()
    assert tree.folder_ids() == ["1", "2", "3"]
    assert breadcrumb(tree.path_of("3")) == "Servers > Runbooks"


def test_a_broken_tree_still_gives_every_folder_a_finite_path() -> None:
    # Given a folder whose parent IT Glue did not list, and two folders that name each other
    tree = FolderTree([folder("5", "Orphan", 99), folder("6", "A", 7), folder("7", "B", 6)])
    # Then the orphan's path starts where the tree is known, and the loop ends
    assert tree.path_of("5") == ("Orphan",)
    assert tree.path_of("6") == ("B", "A")
    assert tree.path_of("404") == () and not tree.knows("404") and tree.knows(None)
    # And a tree kept as JSON comes back the same
    assert FolderTree.from_paths(tree.as_json()).paths == tree.paths


def test_a_document_in_a_folder_carries_its_path_to_its_chunks() -> None:
    # Given a runbook filed under Servers > Runbooks
    document = Document.from_resource(
        {
            "id": "900004",
            "type": "documents",
            "attributes": {
                "organization-id": 1001,
                "name": "Server Runbook: ACME-SQL01",
                "document-folder-id": 60006,
                "updated-at": datetime(2026, 7, 1, tzinfo=UTC).isoformat(),
            },
        }
    )
    sections = [
        DocumentSection.from_resource(
            {
                "id": str(i),
                "type": "document-sections",
                "attributes": {"resource-type": kind, "content": content, "sort": i, "level": 2},
            }
        )
        for i, (kind, content) in enumerate(
            [("Document::Heading", "Restart"), ("Document::Text", "<p>Stop SQL first.</p>")]
        )
    ]
    # When it is rendered and chunked
    rendered = render_document(document, sections, ("Servers", "Runbooks"))
    chunks = chunk_document(rendered.document("Acme Corp"))
    # Then the catalog keeps the folder, and every chunk's title is its breadcrumb
    assert (rendered.folder_id, rendered.folder_path) == ("60006", ["Servers", "Runbooks"])
    assert chunks and all(c.metadata["folder_path"] == "Servers > Runbooks" for c in chunks)
    assert chunks[0].title == "Servers > Runbooks > Server Runbook: ACME-SQL01 > Restart"
    # ... while the document's own title and its folder stay readable apart
    assert all(c.document_title == "Server Runbook: ACME-SQL01" for c in chunks)
    assert all(c.folder == "Servers > Runbooks" for c in chunks)
    # ... so the search reranker names the record by its title, not its top folder
    record, _ = record_from_hits(
        [SearchHit(chunk=c, score=1.0, matched_by=["bm25"]) for c in chunks]
    )
    assert record.name == "Server Runbook: ACME-SQL01"


def test_a_document_at_the_root_keeps_the_title_it_always_had() -> None:
    document = Document.from_resource(
        {
            "id": "1",
            "type": "documents",
            "attributes": {"organization-id": 1001, "name": "Network Overview"},
        }
    )
    chunks = chunk_document(render_document(document, []).document("Acme Corp"))
    assert [c.title for c in chunks] == ["Network Overview"]
    assert "folder_path" not in chunks[0].metadata
    assert (chunks[0].document_title, chunks[0].folder) == ("Network Overview", None)
