"""The IT Glue sync against the demo IT Glue server (real HTTP) and template.yaml on moto."""

from __future__ import annotations

import asyncio
import random
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.itglue import ItGlueAuthError, ItGlueClient
from gluekb.adapters.rate_limit import DynamoDbTokenBucket, RateLimiter, Unlimited
from gluekb.adapters.raw_store import RawRecordStore
from gluekb.models.documents import IndexJob
from gluekb.models.sync import ResourceSummary, SyncJob, SyncStatus
from gluekb.services.sync.organization_sync import (
    OrganizationSync,
    SyncCrashed,
    SyncOptions,
    SyncStores,
    discover_organizations,
)
from gluekb.settings import SyncWorkerSettings
from gluekb.wiring.sync import sync_stores
from gluekb_dev.demo.server import DemoItGlueServer, DemoServerConfig, Faults
from gluekb_dev.demo.tenant import TenantStore
from gluekb_dev.stack.embedded import LOCAL_PARAMETERS
from gluekb_dev.stack.provision import Provisioner
from gluekb_dev.stack.template import Template
from tests.integration.test_itglue_rate_limit_dynamodb import max_in_any_window
from tests.support import ROOT, take_messages, template_sync_settings

KEY = "ITG.sync-test-key"
TYPES = (
    "configurations",
    "flexible_assets",
    "passwords",
    "documents",
    "contacts",
    "locations",
    "domains",
)


@dataclass
class Rig:
    clients: AwsClients
    settings: SyncWorkerSettings
    stores: SyncStores
    server: DemoItGlueServer
    tenant: TenantStore
    stack: str
    environments: dict[str, dict[str, str]] = field(default_factory=dict)  # per function

    @classmethod
    def of(
        cls, template: Template, clients: AwsClients, server: DemoItGlueServer, tenant: TenantStore
    ) -> Rig:
        """A rig over `template`'s stack, with the sync's stores built as sync_worker does."""
        settings = template_sync_settings(template)
        stores = sync_stores(settings, clients)
        return cls(clients, settings, stores, server, tenant, template.stack_name)

    @property
    def raw(self) -> RawRecordStore:
        """The raw records the sync stored, read back."""
        return RawRecordStore(self.clients.s3, self.settings.raw_bucket)

    def client(
        self, *, limiter: RateLimiter | None = None, page_size: int = 1000, key: str = KEY
    ) -> ItGlueClient:
        return ItGlueClient(
            self.server.url,
            key,
            limiter=limiter or Unlimited(),
            page_size=page_size,
            backoff_base_s=0.01,
            backoff_max_s=0.2,
        )

    async def sync(self, org: str, mode: str = "incremental", **options: Any) -> SyncStatus:
        async with self.client(
            **{k: options.pop(k) for k in ("limiter", "page_size", "key") if k in options}
        ) as c:
            job = SyncJob(
                organization_id=org, mode=mode, reason="cli", requested_at=datetime.now(UTC)
            )
            return await OrganizationSync(c, self.stores, SyncOptions(**options)).run(job)

    async def sync_all(self, mode: str = "incremental") -> dict[str, SyncStatus]:
        async with self.client() as c:
            orgs = await discover_organizations(c, self.stores.state, datetime.now(UTC))
        return {org: await self.sync(org, mode) for org in orgs}

    async def sync_record(self, org: str, kind: str, record_id: str) -> ResourceSummary:
        async with self.client() as c:
            job = SyncJob.model_validate(
                {
                    "organization_id": org,
                    "reason": "webhook",
                    "requested_at": datetime.now(UTC),
                    "resource_type": kind,
                    "record_id": record_id,
                }
            )
            summary = await OrganizationSync(c, self.stores).sync_record(job)
            summary.requests = c.stats.requests
            return summary

    def index_jobs(self) -> list[IndexJob]:
        """Everything on the index queue, taken off it."""
        bodies = take_messages(self.clients.sqs, self.settings.index_queue_url)
        return [IndexJob.model_validate_json(body) for body in bodies]

    def catalog(self, org: str, kind: str | None = None) -> dict[str, str]:
        """source_id -> hash of an organization's records (of one type), from one query."""
        every = {
            sid: digest
            for group in self.stores.catalog.hashes_by_group(org).values()
            for sid, digest in group.items()
        }
        return {s: h for s, h in every.items() if kind is None or s.split(":")[1] == kind}

    def catalog_ids(self, org: str) -> dict[str, set[str]]:
        by_kind: dict[str, set[str]] = {}
        for source in self.catalog(org):
            by_kind.setdefault(source.split(":")[1], set()).add(source)
        return by_kind


@pytest.fixture
def rig(moto_stack: dict[str, Any], demo_tenant_dir: Path, tmp_path: Path) -> Iterator[Rig]:
    tenant_dir = tmp_path / "tenant"
    shutil.copytree(demo_tenant_dir, tenant_dir)
    server = DemoItGlueServer(tenant_dir, DemoServerConfig(api_key=KEY, rate_limit=1_000_000))
    with server.running():
        yield Rig.of(moto_stack["template"], moto_stack["clients"], server, TenantStore(tenant_dir))


def tenant_ids(rig: Rig, org: str, kind: str) -> set[str]:
    tenant = rig.tenant.load()
    return {f"itglue:{kind}:{r['id']}" for r in tenant.of_organization(kind, org)}


def test_a_full_sync_stores_every_record_exactly_once(rig: Rig) -> None:
    # When every organization is synced for the first time
    statuses = asyncio.run(rig.sync_all())
    assert len(statuses) >= 6
    assert all(s.state == "ok" for s in statuses.values()), {
        o: s.errors for o, s in statuses.items()
    }
    jobs = rig.index_jobs()
    # Then the catalog holds exactly IT Glue's records, per organization and type
    for org in statuses:
        stored = rig.catalog_ids(org)
        for kind in TYPES:
            assert stored.get(kind, set()) == tenant_ids(rig, org, kind), (org, kind)
    # And each record has one raw object and was queued for indexing once
    catalog_total = sum(len(rig.catalog(o)) for o in statuses)
    assert len(rig.raw.keys(next(iter(statuses)))) > 0
    raw_total = sum(len(rig.raw.keys(o)) for o in statuses)
    assert raw_total == catalog_total
    upserts = Counter(j.source_id for j in jobs if j.op == "upsert")
    assert len(upserts) == catalog_total and set(upserts.values()) == {1}
    # And a password's index document never carries its value
    secrets = rig.tenant.load().secrets
    bodies = " ".join(j.model_dump_json() for j in jobs if ":passwords:" in j.source_id)
    assert secrets and not any(str(v) in bodies for v in secrets.values())


def test_nothing_changed_costs_one_request_per_resource_type(rig: Rig) -> None:
    asyncio.run(rig.sync_all())
    rig.index_jobs()
    # When nothing changed in IT Glue and the sync runs again
    statuses = asyncio.run(rig.sync_all())
    # Then each resource type of each organization took at most one request
    for org, status in statuses.items():
        for kind, summary in status.resources.items():
            if kind == "flexible_assets":
                types = len(rig.tenant.load().all("flexible_asset_types"))
                assert summary.requests <= 1 + types, (
                    org,
                    kind,
                )  # the types list, then one per type
            else:
                assert summary.requests <= 1, (org, kind, summary.requests)
            assert summary.created == summary.updated == summary.deleted == 0, (org, kind)
    # And nothing was re-queued for indexing
    assert rig.index_jobs() == []


def test_an_incremental_sync_picks_up_exactly_what_changed(rig: Rig) -> None:
    asyncio.run(rig.sync_all())
    rig.index_jobs()
    # Given IT Glue changed: records updated, created and deleted
    report = rig.tenant.mutate()
    # When the incremental sync runs
    asyncio.run(rig.sync_all())
    jobs = rig.index_jobs()
    upserted = {j.source_id for j in jobs if j.op == "upsert"}
    deleted = {j.source_id for j in jobs if j.op == "delete"}
    # Then exactly the created and updated records were re-indexed, and the deleted ones removed
    expected_upserts: set[str] = set()
    expected_deletes: set[str] = set()
    for kind in TYPES:
        expected_upserts |= {
            f"itglue:{kind}:{i}" for i in report.ids("created", kind) + report.ids("updated", kind)
        }
        expected_deletes |= {f"itglue:{kind}:{i}" for i in report.ids("deleted", kind)}
    assert expected_upserts and expected_deletes
    assert upserted == expected_upserts
    assert deleted == expected_deletes
    tenant = rig.tenant.load()
    for org in {o.id for o in rig.stores.state.organizations()}:
        stored = rig.catalog_ids(org)
        for kind in TYPES:
            expected = {f"itglue:{kind}:{r['id']}" for r in tenant.of_organization(kind, org)}
            assert stored.get(kind, set()) == expected, (org, kind)


def test_a_sync_killed_mid_pagination_resumes_to_the_same_store(
    rig: Rig, moto_stack: dict[str, Any]
) -> None:
    acme = "1001"
    crash_at = random.Random(7).randint(2, 8)

    def crash(resource: str, page: int) -> None:
        if resource == "configurations" and page == crash_at:
            raise SyncCrashed(f"killed at page {page}")

    asyncio.run(discover(rig))
    # When the worker dies on a random page of Acme's 452 configurations (50 per page)
    with pytest.raises(SyncCrashed):
        asyncio.run(rig.sync(acme, "full", page_size=50, crash_hook=crash))
    checkpoint = rig.stores.state.checkpoint(acme, "configurations")
    assert checkpoint.in_progress is not None and checkpoint.in_progress.next_page == crash_at + 1
    # Then the next run resumes there and finishes
    status = asyncio.run(rig.sync(acme, "full", page_size=50))
    assert status.state == "ok", status.errors
    assert rig.stores.state.checkpoint(acme, "configurations").in_progress is None
    # And the store equals a clean full sync into a second stack
    clean_clients = moto_stack["clients"]
    clean_template = Template(ROOT / "template.yaml", LOCAL_PARAMETERS, stack_name="clean")
    secrets = {"WebhookSecret": "{}", "ConsoleSessionSecret": "{}"}
    Provisioner(clean_template, clean_clients, secrets, tls=False).provision()
    clean = Rig.of(clean_template, clean_clients, rig.server, rig.tenant)
    asyncio.run(discover(clean))
    asyncio.run(clean.sync(acme, "full", page_size=50))
    assert rig.catalog(acme) == clean.catalog(acme)
    assert len(rig.catalog(acme)) == 1 + sum(len(tenant_ids(rig, acme, kind)) for kind in TYPES)
    resumed_raw = {k: rig.raw.get(k) for k in rig.raw.keys(acme)}
    clean_raw = {k: clean.raw.get(k) for k in clean.raw.keys(acme)}
    assert resumed_raw == clean_raw


async def discover(rig: Rig) -> list[str]:
    async with rig.client() as client:
        return await discover_organizations(client, rig.stores.state, datetime.now(UTC))


def test_throttled_sync_completes_and_never_exceeds_the_shared_rate(rig: Rig) -> None:
    # Given IT Glue answers 30% of requests with 429
    rig.server.set_faults(Faults(p_429=0.3, retry_after_s=0, seed=11))
    asyncio.run(discover(rig))
    started = datetime.now(UTC).timestamp()
    limiter = DynamoDbTokenBucket(
        rig.clients.dynamodb, "gluekb-local-state", rate_per_s=15, burst=1
    )

    # When two organizations sync concurrently through one shared limiter
    async def both() -> list[SyncStatus]:
        return list(
            await asyncio.gather(
                rig.sync("1006", "full", limiter=limiter), rig.sync("1007", "full", limiter=limiter)
            )
        )

    statuses = asyncio.run(both())
    # Then both complete, and no one-second window saw more requests than the rate allows
    assert all(s.state == "ok" for s in statuses), [s.errors for s in statuses]
    times = [r.at for r in rig.server.requests if r.at >= started]
    assert len(times) > 30
    assert sum(1 for r in rig.server.requests if r.at >= started and r.status == 429) > 5
    assert max_in_any_window(times, 1.0) <= 15 + 1


def test_an_invalid_api_key_is_one_clear_error_not_a_retry_storm(rig: Rig) -> None:
    asyncio.run(discover(rig))
    before = len(rig.server.requests)
    with pytest.raises(ItGlueAuthError, match="API key"):
        asyncio.run(rig.sync("1001", key="ITG.wrong"))
    assert len(rig.server.requests) - before == 1
    status = rig.stores.state.sync_status("1001")
    assert status.state == "failed" and any("API key" in e for e in status.errors)


def test_a_422_is_reported_with_itglue_detail_and_the_rest_syncs(rig: Rig) -> None:
    asyncio.run(discover(rig))
    rig.server.set_faults(Faults(unprocessable_paths=frozenset({"/domains"})))
    status = asyncio.run(rig.sync("1003"))
    assert status.state == "failed"
    assert any("/domains cannot be processed (injected)" in e for e in status.errors)
    assert set(rig.catalog("1003", "contacts")) == tenant_ids(rig, "1003", "contacts")


def test_a_malformed_page_is_logged_and_the_sync_continues(rig: Rig) -> None:
    asyncio.run(discover(rig))
    rig.server.set_faults(Faults(malformed_pages=frozenset({2})))
    status = asyncio.run(rig.sync("1001", "full", page_size=100))
    assert any("malformed" in e for e in status.errors)
    synced = set(rig.catalog("1001", "configurations"))
    expected = tenant_ids(rig, "1001", "configurations")
    # Every page but the broken one (100 records) was stored, and nothing was swept
    assert len(expected) - 100 <= len(synced) < len(expected)
    assert synced <= expected


# ---------------------------------------------------------------------------- one record (webhooks)
def test_resyncing_each_changed_record_alone_leaves_what_a_full_sync_would(rig: Rig) -> None:
    asyncio.run(rig.sync_all())
    rig.index_jobs()
    # Given IT Glue changed records of every type (created, updated, deleted)
    report = rig.tenant.mutate()
    tenant = rig.tenant.load()
    changed: list[tuple[str, str, str, str]] = []
    for kind in TYPES:
        for record_id in report.ids("created", kind) + report.ids("updated", kind):
            record = tenant.get(kind, record_id)
            assert record is not None
            org = str(record["attributes"]["organization-id"])
            changed.append((kind, record_id, org, "upsert"))
        for record_id in report.ids("deleted", kind):
            stored = rig.stores.catalog.get(f"itglue:{kind}:{record_id}")
            assert stored is not None
            changed.append((kind, record_id, stored.organization_id, "delete"))
    assert {op for *_, op in changed} == {"upsert", "delete"}
    # When a workflow webhook re-syncs each of them, one at a time
    for kind, record_id, org, op in changed:
        asyncio.run(rig.sync_record(org, kind, record_id))
        # Then each queues exactly its own index job
        jobs = rig.index_jobs()
        assert [(j.op, j.source_id) for j in jobs] == [(op, f"itglue:{kind}:{record_id}")]
    # And the catalog holds exactly IT Glue's records, as after a sync of everything
    for org in {o.id for o in rig.stores.state.organizations()}:
        by_kind = rig.catalog_ids(org)
        for kind in TYPES:
            expected = {f"itglue:{kind}:{r['id']}" for r in tenant.of_organization(kind, org)}
            assert by_kind.get(kind, set()) == expected, (org, kind)
    # And the next scheduled sync finds nothing left to index
    asyncio.run(rig.sync_all())
    assert rig.index_jobs() == []


def test_resyncing_an_unchanged_record_is_one_request_and_queues_nothing(rig: Rig) -> None:
    asyncio.run(rig.sync("1001"))
    rig.index_jobs()
    summary = asyncio.run(rig.sync_record("1001", "configurations", "200001"))
    assert (summary.fetched, summary.unchanged, summary.requests) == (1, 1, 1)
    assert rig.index_jobs() == []


def test_a_record_named_under_another_organization_is_not_stored_there(rig: Rig) -> None:
    asyncio.run(rig.sync("1001"))
    rig.index_jobs()
    # 200001 belongs to 1001: a webhook claiming it for 1002 must not file it under 1002
    summary = asyncio.run(rig.sync_record("1002", "configurations", "200001"))
    assert summary.fetched == 0
    assert "itglue:configurations:200001" not in rig.catalog("1002")
    assert rig.stores.catalog.get("itglue:configurations:200001") is not None
    assert rig.index_jobs() == []
