"""Documents in folders (issue 14), synced from the demo IT Glue server over HTTP into
template.yaml's stores on moto: every document, whichever listing the tenant allows, each with
its folder path in the catalog and in what is indexed."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gluekb.models.auth import Principal
from gluekb.models.documents import SourceDocument
from gluekb.services.access import organizations
from gluekb.services.sync.document_folders import (
    BY_FOLDER_WARNING,
    NO_TREE_WARNING,
    ROOT_ONLY_WARNING,
)
from gluekb_dev.demo.server import DemoItGlueServer, DemoServerConfig
from gluekb_dev.demo.tenant import Tenant, TenantStore
from tests.integration.test_sync import KEY, Rig, discover

FABRIKAM = "1003"  # 35 documents, 24 of them in folders


@pytest.fixture
def make_rig(
    moto_stack: dict[str, Any], demo_tenant_dir: Path, tmp_path: Path
) -> Iterator[Callable[..., Rig]]:
    """A rig whose demo server runs with the given config switches."""
    tenant_dir = tmp_path / "tenant"
    shutil.copytree(demo_tenant_dir, tenant_dir)
    servers: list[DemoItGlueServer] = []

    def make(*, document_folders_endpoint: bool = True, all_documents_filter: bool = True) -> Rig:
        config = DemoServerConfig(
            api_key=KEY,
            rate_limit=1_000_000,
            document_folders_endpoint=document_folders_endpoint,
            all_documents_filter=all_documents_filter,
        )
        server = DemoItGlueServer(tenant_dir, config)
        server.start_in_thread()
        servers.append(server)
        tenant = TenantStore(tenant_dir)
        return Rig.of(moto_stack["template"], moto_stack["clients"], server, tenant)

    yield make
    for server in servers:
        server.stop_thread()


def folder_paths(tenant: Tenant, org: str) -> dict[str, list[str]]:
    """source id -> folder path of each of the organization's documents, from the tenant."""
    folders = {f["id"]: f["attributes"] for f in tenant.all("document_folders")}

    def path(folder_id: object) -> list[str]:
        names: list[str] = []
        while folder_id is not None:
            folder = folders[str(folder_id)]
            names.insert(0, folder["name"])
            folder_id = folder["parent-id"]
        return names

    return {
        f"itglue:documents:{d['id']}": path(d["attributes"]["document-folder-id"])
        for d in tenant.of_organization("documents", org)
    }


def indexed_documents(rig: Rig) -> dict[str, SourceDocument]:
    found: dict[str, SourceDocument] = {}
    for job in rig.index_jobs():
        if job.op == "upsert" and ":documents:" in job.source_id:
            document = job.document or rig.stores.documents.get(job.document_key or "")
            found[job.source_id] = document
    return found


def test_every_document_is_synced_with_its_folder_path(make_rig: Callable[..., Rig]) -> None:
    # Given a tenant where most of Fabrikam's documents live in folders, two levels deep
    rig = make_rig()
    expected = folder_paths(rig.tenant.load(), FABRIKAM)
    in_folders = sum(1 for path in expected.values() if path)
    assert in_folders >= 0.4 * len(expected) and any(len(p) == 2 for p in expected.values())
    asyncio.run(discover(rig))

    # When it is synced
    status = asyncio.run(rig.sync(FABRIKAM))

    # Then the catalog holds every document, each with its folder path
    assert status.state == "ok" and status.warnings == [], status.errors
    stored = {s: rig.stores.catalog.get(s) for s in rig.catalog(FABRIKAM, "documents")}
    assert {s: r.folder_path for s, r in stored.items() if r} == expected
    # ... each indexed with the path as its breadcrumb
    indexed = indexed_documents(rig)
    assert set(indexed) == set(expected)
    for source, path in expected.items():
        assert indexed[source].metadata.get("folder_path", "") == " > ".join(path)
    # ... and the status counts them
    assert status.counts["documents"] == len(expected)
    assert status.counts["documents_in_folders"] == in_folders
    assert status.resources["document_folders"].fetched == len(
        rig.tenant.load().of_organization("document_folders", FABRIKAM)
    )
    # ... and so do the organizations a key lists (GET /v1/organizations)
    key = Principal(
        key_id="k", name="fabrikam", organizations=frozenset({FABRIKAM}), scopes=frozenset()
    )
    (listed,) = organizations.list_organizations(key, rig.stores.state)
    assert listed.counts["documents_in_folders"] == in_folders
    assert listed.counts["documents"] == len(expected)


def test_a_renamed_folder_re_indexes_exactly_the_documents_under_it(
    make_rig: Callable[..., Rig],
) -> None:
    # Given Fabrikam synced
    rig = make_rig()
    asyncio.run(discover(rig))
    asyncio.run(rig.sync(FABRIKAM))
    rig.index_jobs()

    # When IT Glue renames its top Servers folder (the documents themselves do not change)
    with rig.tenant.lock():
        tenant = rig.tenant.load()
        servers = next(
            f
            for f in tenant.of_organization("document_folders", FABRIKAM)
            if f["attributes"]["name"] == "Servers"
        )
        servers["attributes"]["name"] = "Server Room"
        rig.tenant.save(tenant)
    before = len(rig.server.requests)
    status = asyncio.run(rig.sync(FABRIKAM))

    # Then the documents under it (Servers > Runbooks) are re-indexed with the new breadcrumb,
    # and no other record
    expected = folder_paths(rig.tenant.load(), FABRIKAM)
    moved = {s for s, path in expected.items() if path[:1] == ["Server Room"]}
    indexed = indexed_documents(rig)
    assert moved and set(indexed) == moved, status.errors
    assert {d.metadata["folder_path"] for d in indexed.values()} == {"Server Room > Runbooks"}
    assert all(rig.stores.catalog.get(s).folder_path[0] == "Server Room" for s in moved)  # type: ignore[union-attr]
    # ... at the cost of one full listing and the moved documents' sections
    assert len(rig.server.requests) - before < 20 + len(moved)


def test_a_tenant_without_the_folder_tree_still_syncs_every_document(
    make_rig: Callable[..., Rig],
) -> None:
    # Given a tenant IT Glue has not rolled the folder tree out to (404)
    rig = make_rig(document_folders_endpoint=False)
    asyncio.run(discover(rig))
    # When Fabrikam is synced
    status = asyncio.run(rig.sync(FABRIKAM))
    # Then every document arrives (null still lists them all), without folder names
    expected = folder_paths(rig.tenant.load(), FABRIKAM)
    assert status.state == "ok", status.errors
    assert set(rig.catalog(FABRIKAM, "documents")) == set(expected)
    assert status.warnings == [NO_TREE_WARNING]
    assert status.counts["documents_in_folders"] == sum(1 for p in expected.values() if p)


def test_a_tenant_refusing_null_is_listed_folder_by_folder(make_rig: Callable[..., Rig]) -> None:
    # Given a tenant that answers filter[document_folder_id]=null with a 422
    rig = make_rig(all_documents_filter=False)
    asyncio.run(discover(rig))
    # When Fabrikam is synced
    status = asyncio.run(rig.sync(FABRIKAM))
    # Then every document arrives through the root and folder listings, with its path
    expected = folder_paths(rig.tenant.load(), FABRIKAM)
    assert status.state == "ok", status.errors
    stored = {s: rig.stores.catalog.get(s) for s in rig.catalog(FABRIKAM, "documents")}
    assert {s: r.folder_path for s, r in stored.items() if r} == expected
    assert status.warnings == [BY_FOLDER_WARNING]


def test_neither_listing_syncs_the_root_warns_and_deletes_nothing_unseen(
    make_rig: Callable[..., Rig],
) -> None:
    # Given Fabrikam fully synced while IT Glue still listed every document
    full = make_rig()
    asyncio.run(discover(full))
    asyncio.run(full.sync(FABRIKAM))
    expected = folder_paths(full.tenant.load(), FABRIKAM)
    full.server.stop_thread()
    # When the tenant offers neither the folder tree nor null any more
    rig = make_rig(document_folders_endpoint=False, all_documents_filter=False)
    refused = asyncio.run(rig.sync(FABRIKAM))
    status = asyncio.run(rig.sync(FABRIKAM, "full"))
    # Then the first run reports IT Glue's refusal, the next falls back to the root listing,
    # says what it could not see, and sweeps no document it could not see
    assert refused.state == "failed"
    assert any("document_folder_id" in e for e in refused.errors), refused.errors
    assert status.state == "ok" and status.warnings == [ROOT_ONLY_WARNING], status.errors
    assert status.resources["documents"].deleted == 0
    assert set(rig.catalog(FABRIKAM, "documents")) == set(expected)
    assert status.resources["documents"].fetched == sum(1 for p in expected.values() if not p)


def test_a_webhook_resync_of_a_foldered_document_keeps_its_path(
    make_rig: Callable[..., Rig],
) -> None:
    # Given Fabrikam synced, and a document in a folder edited in IT Glue
    rig = make_rig()
    asyncio.run(discover(rig))
    asyncio.run(rig.sync(FABRIKAM))
    rig.index_jobs()
    expected = folder_paths(rig.tenant.load(), FABRIKAM)
    source = next(s for s, path in expected.items() if len(path) == 2)
    with rig.tenant.lock():
        tenant = rig.tenant.load()
        document = tenant.get("documents", source.rsplit(":", 1)[1])
        assert document is not None
        document["attributes"]["updated-at"] = "2027-01-01T00:00:00.000Z"
        rig.tenant.save(tenant)
    # When its workflow webhook re-syncs it alone
    summary = asyncio.run(rig.sync_record(FABRIKAM, "documents", source.rsplit(":", 1)[1]))
    # Then it is found wherever it is filed, re-indexed with its path, the tree read from the
    # last sync (a listing and its sections: two requests)
    assert (summary.fetched, summary.updated, summary.requests) == (1, 1, 2)
    indexed = indexed_documents(rig)
    assert indexed[source].metadata["folder_path"] == " > ".join(expected[source])
