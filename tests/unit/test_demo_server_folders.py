"""The demo server files documents in folders as IT Glue does (issue 14): a plain list holds the
root documents only, `filter[document_folder_id]=null` every document, a folder's id that
folder's documents; the folder tree has its own route; and two switches play a tenant IT Glue
has not rolled folders out to yet."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from gluekb.adapters.itglue import ALL_DOCUMENTS, ItGlueClient
from gluekb.adapters.rate_limit import Unlimited
from gluekb.errors import InvalidInput, NotFound
from gluekb_dev.demo.server import DemoServerConfig, create_app
from gluekb_dev.demo.tenant import Tenant, TenantStore

T = TypeVar("T")
KEY = "ITG.folders-test-key"


@pytest.fixture(scope="module")
def tenant(demo_tenant_dir: Path) -> Tenant:
    return TenantStore(demo_tenant_dir).load()


def run(
    tenant_dir: Path,
    scenario: Callable[[ItGlueClient], Awaitable[T]],
    config: DemoServerConfig | None = None,
) -> T:
    app = create_app(tenant_dir, config or DemoServerConfig(api_key=KEY))

    async def main() -> T:
        transport = httpx.ASGITransport(app=app)
        async with ItGlueClient(
            "http://itglue.test", KEY, limiter=Unlimited(), transport=transport
        ) as client:
            return await scenario(client)

    return asyncio.run(main())


async def document_ids(
    client: ItGlueClient, org: str, document_folder_id: str | None = None
) -> set[str]:
    if document_folder_id is None:
        return {d.id async for d in client.documents(org)}
    return {d.id async for d in client.documents(org, document_folder_id=document_folder_id)}


def test_a_plain_list_holds_root_documents_and_null_holds_every_one(
    demo_tenant_dir: Path, tenant: Tenant
) -> None:
    # Given Acme's documents, most of them in folders
    acme = tenant.facts_for("Acme Corp").id
    documents = tenant.of_organization("documents", acme)
    folder_of = {d["id"]: str(d["attributes"]["document-folder-id"]) for d in documents}
    at_root = {i for i, folder in folder_of.items() if folder == "None"}
    runbook = tenant.named("documents", "Server Runbook: ACME-SQL01")
    runbooks = folder_of[runbook["id"]]

    # When the client lists them plainly, with the folder filter null, and for one folder
    async def scenario(client: ItGlueClient) -> tuple[set[str], set[str], set[str]]:
        return (
            await document_ids(client, acme),
            await document_ids(client, acme, document_folder_id=ALL_DOCUMENTS),
            await document_ids(client, acme, document_folder_id=runbooks),
        )

    plain, every, in_folder = run(demo_tenant_dir, scenario)

    # Then the plain list is the root, null is everything, a folder is its own documents
    assert plain == at_root and len(plain) < len(documents)
    assert every == set(folder_of)
    assert runbook["id"] in in_folder
    assert {folder_of[i] for i in in_folder} == {runbooks}


def test_the_folder_tree_is_listed_with_names_and_parents(
    demo_tenant_dir: Path, tenant: Tenant
) -> None:
    acme = tenant.facts_for("Acme Corp").id
    folders = run(demo_tenant_dir, lambda client: client.document_folders(acme))
    by_id = {f.id: f for f in folders}
    assert {f.organization_id for f in folders} == {acme}
    runbooks = next(f for f in folders if f.name == "Runbooks")
    assert runbooks.parent_id is not None and by_id[runbooks.parent_id].name == "Servers"
    assert by_id[runbooks.parent_id].parent_id is None
    assert len(folders) == len(tenant.of_organization("document_folders", acme))


def test_a_tenant_without_the_folders_endpoint_answers_404(
    demo_tenant_dir: Path, tenant: Tenant
) -> None:
    # Given a tenant IT Glue has not rolled the folder tree out to
    acme = tenant.facts_for("Acme Corp").id
    config = DemoServerConfig(api_key=KEY, document_folders_endpoint=False)
    # When the client asks for the folder tree, Then it is not found
    with pytest.raises(NotFound):
        run(demo_tenant_dir, lambda client: client.document_folders(acme), config)
    # ... and documents are still listed (root only unless asked for all)
    every = run(
        demo_tenant_dir,
        lambda client: document_ids(client, acme, document_folder_id=ALL_DOCUMENTS),
        config,
    )
    assert len(every) == len(tenant.of_organization("documents", acme))


def test_a_tenant_without_the_null_filter_refuses_it(demo_tenant_dir: Path, tenant: Tenant) -> None:
    # Given a tenant that validates filter[document_folder_id] as a number
    acme = tenant.facts_for("Acme Corp").id
    config = DemoServerConfig(api_key=KEY, all_documents_filter=False)
    # When every document is asked for, Then IT Glue's 422 becomes InvalidInput
    with pytest.raises(InvalidInput, match="document_folder_id"):
        run(
            demo_tenant_dir,
            lambda client: document_ids(client, acme, document_folder_id=ALL_DOCUMENTS),
            config,
        )
    # ... while the root and each folder can still be listed
    plain = run(demo_tenant_dir, lambda client: document_ids(client, acme), config)
    assert plain
