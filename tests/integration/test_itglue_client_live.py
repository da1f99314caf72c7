"""The IT Glue client against the demo server over real HTTP: a sync-shaped walk through a
throttling IT Glue, concurrent clients sharing the DynamoDB limiter as measured by the server,
and an incremental pass that picks up exactly what changed."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gluekb.adapters.itglue import ALL_DOCUMENTS, ItGlueClient
from gluekb.adapters.rate_limit import DynamoDbTokenBucket, TokenBucket, Unlimited
from gluekb_dev.demo.server import DemoItGlueServer, DemoServerConfig, Faults
from gluekb_dev.demo.tenant import Tenant, TenantStore
from tests.integration.test_itglue_rate_limit_dynamodb import max_in_any_window

KEY = "ITG.live-test-key"
ORG_SCOPED = (
    "configurations",
    "flexible_assets",
    "passwords",
    "documents",
    "contacts",
    "locations",
    "domains",
)


@pytest.fixture
def throttling_server(demo_tenant_dir: Path) -> Iterator[DemoItGlueServer]:
    faults = Faults(p_429=0.3, retry_after_s=0, seed=2024)
    with DemoItGlueServer(demo_tenant_dir, DemoServerConfig(api_key=KEY, faults=faults)).running(
    ) as server:  # fmt: skip
        yield server


async def walk_organization(client: ItGlueClient, organization_id: str) -> dict[str, int]:
    """What a sync of one organization fetches, counted by resource type."""
    counts: dict[str, int] = {}
    configurations = [c async for c in client.configurations(organization_id)]
    counts["configurations"] = len(configurations)
    counts["configuration_interfaces"] = 0
    for config in configurations:
        counts["configuration_interfaces"] += len(await client.configuration_interfaces(config.id))
    counts["flexible_assets"] = 0
    for asset_type in await client.flexible_asset_types():
        await client.flexible_asset_fields(asset_type.id)
        async for _ in client.flexible_assets(asset_type.id, organization_id=organization_id):
            counts["flexible_assets"] += 1
    counts["passwords"] = len([p async for p in client.passwords(organization_id)])
    documents = [
        d async for d in client.documents(organization_id, document_folder_id=ALL_DOCUMENTS)
    ]
    counts["documents"] = len(documents)
    counts["document_sections"] = 0
    for document in documents:
        counts["document_sections"] += len(await client.document_sections(document.id))
    counts["contacts"] = len([c async for c in client.contacts(organization_id)])
    counts["locations"] = len([loc async for loc in client.locations(organization_id)])
    counts["domains"] = len([d async for d in client.domains(organization_id)])
    return counts


def expected_counts(tenant: Tenant, organization_id: str) -> dict[str, int]:
    config_ids = {int(c["id"]) for c in tenant.of_organization("configurations", organization_id)}
    doc_ids = {int(d["id"]) for d in tenant.of_organization("documents", organization_id)}
    counts = {t: len(tenant.of_organization(t, organization_id)) for t in ORG_SCOPED}
    counts["configuration_interfaces"] = sum(
        1
        for i in tenant.all("configuration_interfaces")
        if i["attributes"]["configuration-id"] in config_ids
    )
    counts["document_sections"] = sum(
        1 for s in tenant.all("document_sections") if s["attributes"]["document-id"] in doc_ids
    )
    return counts


def test_a_sync_shaped_walk_completes_through_30_percent_429s(
    throttling_server: DemoItGlueServer, demo_tenant_dir: Path
) -> None:
    # Given an IT Glue that answers 30% of requests with 429 (Retry-After: 0)
    tenant = TenantStore(demo_tenant_dir).load()
    globex = tenant.organization_named("Globex")["id"]

    async def scenario() -> tuple[dict[str, int], Any]:
        async with ItGlueClient(
            throttling_server.url, KEY, limiter=Unlimited(), max_retries=10, backoff_base_s=0.01
        ) as client:
            return await walk_organization(client, globex), client.stats

    # When everything of one organization is fetched, one call per record where IT Glue needs it
    counts, stats = asyncio.run(scenario())

    # Then every record arrived, and the throttling shows in the counters and at the server
    assert counts == expected_counts(tenant, globex)
    seen = throttling_server.requests
    throttled = sum(1 for r in seen if r.status == 429)
    assert stats.requests == len(seen) and stats.rate_limited == throttled == stats.retries
    assert 0.2 < throttled / len(seen) < 0.4


def test_clients_sharing_the_dynamodb_limiter_stay_under_the_rate_at_the_server(
    demo_tenant_dir: Path, moto_stack: dict[str, Any]
) -> None:
    # Given three sync workers, each with its own client and limiter on the shared bucket
    rate, burst = 10.0, 1
    table = str(moto_stack["env"]["sync_worker"]["GLUEKB_STATE_TABLE"])
    emulator = ThreadPoolExecutor(max_workers=1)  # see test_itglue_rate_limit_dynamodb

    async def worker(server: DemoItGlueServer, organization_id: str) -> int:
        limiter = DynamoDbTokenBucket(
            moto_stack["clients"].dynamodb, table, rate_per_s=rate, burst=burst, executor=emulator
        )
        async with ItGlueClient(server.url, KEY, limiter=limiter, page_size=20) as client:
            pages = 0
            async for _ in client.pages("configurations", organization_id=organization_id):
                pages += 1
                if pages == 6:
                    break
            return pages

    async def run_all(server: DemoItGlueServer) -> list[int]:
        return list(
            await asyncio.gather(*(worker(server, org) for org in ("1001", "1002", "1003")))
        )

    # When they page through IT Glue at the same time
    with DemoItGlueServer(demo_tenant_dir, DemoServerConfig(api_key=KEY)).running() as server:
        pages = asyncio.run(run_all(server))
        arrivals = sorted(r.at for r in server.requests)
    emulator.shutdown()

    # Then the server saw them, together, keep to the shared rate. The limiter's own guarantee
    # is exact (test_itglue_rate_limit_dynamodb); at the server a request can arrive late by
    # its client's send jitter (a new connection, a busy event loop), so one request of slack
    assert pages == [6, 6, 6] and len(arrivals) == 18
    assert max_in_any_window(arrivals, 1.0) <= rate + burst + 1
    assert arrivals[-1] - arrivals[0] >= (len(arrivals) - burst - 2) / rate


def test_the_client_rate_seen_by_the_server_matches_its_bucket(demo_tenant_dir: Path) -> None:
    async def scenario(server: DemoItGlueServer) -> None:
        limiter = TokenBucket(40, burst=1)
        async with ItGlueClient(server.url, KEY, limiter=limiter, page_size=10) as client:
            async for _ in client.pages("configurations", organization_id="1002"):
                pass

    with DemoItGlueServer(demo_tenant_dir, DemoServerConfig(api_key=KEY)).running() as server:
        asyncio.run(scenario(server))
        arrivals = sorted(r.at for r in server.requests)
    assert len(arrivals) == 27  # 262 configurations, 10 to a page
    spread = arrivals[-1] - arrivals[0]
    assert spread >= (len(arrivals) - 2) / 40  # one request of send jitter at the start


def test_an_incremental_pass_picks_up_exactly_what_a_mutation_changed(
    demo_tenant_dir: Path, tmp_path: Path
) -> None:
    # Given a synced tenant, and a checkpoint taken before IT Glue changed
    directory = tmp_path / "tenant"
    shutil.copytree(demo_tenant_dir, directory)
    store = TenantStore(directory)
    before = store.load()
    checkpoint = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

    with DemoItGlueServer(directory, DemoServerConfig(api_key=KEY)).running() as server:
        # When IT Glue changes (another process could do this just the same)
        report = store.mutate(at=checkpoint)

        async def changed_since() -> dict[str, set[str]]:
            found: dict[str, set[str]] = {}
            async with ItGlueClient(server.url, KEY, limiter=Unlimited()) as client:
                for resource_type in ("configurations", "passwords", "contacts"):
                    found[resource_type] = {
                        r.id
                        async for page in client.pages(resource_type, updated_since=checkpoint)
                        for r in page.records
                    }
                found["documents"] = set()
                for org in before.all("organizations"):
                    async for doc in client.documents(
                        org["id"], updated_since=checkpoint, document_folder_id=ALL_DOCUMENTS
                    ):
                        found["documents"].add(doc.id)
                found["flexible_assets"] = set()
                for asset_type in await client.flexible_asset_types():
                    async for asset in client.flexible_assets(
                        asset_type.id, updated_since=checkpoint
                    ):
                        found["flexible_assets"].add(asset.id)
                found["all_configurations"] = {
                    r.id async for page in client.pages("configurations") for r in page.records
                }
            return found

        found = asyncio.run(changed_since())

    # Then the incremental queries return exactly the created and updated records
    for resource_type in (
        "configurations",
        "passwords",
        "contacts",
        "documents",
        "flexible_assets",
    ):
        assert found[resource_type] == set(report.changed(resource_type)), resource_type
    # ... and deletions, which no incremental query can show, appear in a full id listing
    old_ids = set(before.records["configurations"])
    assert found["all_configurations"] == (
        old_ids - set(report.ids("deleted", "configurations"))
    ) | set(report.ids("created", "configurations"))
