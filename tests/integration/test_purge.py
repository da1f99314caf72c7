"""Organizations IT Glue no longer has are purged after a complete discovery, and only then
(issue 14): their records leave the catalog, the raw store and the index; keys that named them
keep working for the rest; the discovery status says what was purged, or why nothing was."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from gluekb.adapters.itglue import ItGlueClient
from gluekb.adapters.rate_limit import Unlimited
from gluekb.adapters.sqs import JobQueue
from gluekb.adapters.state_store import StateStore
from gluekb.errors import UpstreamError
from gluekb.models.auth import Principal
from gluekb.models.sync import PurgeJob
from gluekb.services.access import organizations
from gluekb.services.sync.discovery import OrganizationPurge, discover
from gluekb.services.sync.jobs import OrganizationDiscovery, QueuedPurge, SyncJobs
from gluekb_dev.demo.server import Faults
from tests.integration.test_sync import KEY, Rig
from tests.integration.test_sync import rig as sync_rig  # noqa: F401 - a fixture

INITECH, BLUEBIRD = "1006", "1007"


@pytest.fixture
def synced(sync_rig: Rig) -> Rig:  # noqa: F811 - the imported fixture
    """Two small organizations discovered and synced; the index queue drained."""
    asyncio.run(discover_with(sync_rig, None))
    for org in (INITECH, BLUEBIRD):
        asyncio.run(sync_rig.sync(org))
    sync_rig.index_jobs()
    return sync_rig


async def discover_with(rig: Rig, purge: Any, **client_options: Any) -> Any:
    async with rig.client(**client_options) as client:
        return await discover(client, rig.stores.state, datetime.now(UTC), purge)


def state_table(rig: Rig) -> StateStore:
    """The state table the rig's sync writes, with its reads (discovery status, purges)."""
    return StateStore(rig.clients.dynamodb, rig.settings.state_table)


def registered(rig: Rig) -> set[str]:
    return {o.id for o in rig.stores.state.organizations()}


def remove_from_itglue(rig: Rig, organization_id: str) -> None:
    with rig.tenant.lock():
        tenant = rig.tenant.load()
        assert tenant.remove_organization(organization_id) > 1
        rig.tenant.save(tenant)


def test_an_organization_gone_from_it_glue_is_purged_after_the_next_discovery(
    synced: Rig,
) -> None:
    # Given Bluebird synced (records in the catalog, the raw store and the index)
    rig = synced
    before = set(rig.catalog(BLUEBIRD))
    initech = rig.catalog(INITECH)
    assert before and rig.stores.raw.keys(BLUEBIRD)
    key = Principal(
        key_id="k1",
        name="both",
        organizations=frozenset({INITECH, BLUEBIRD}),
        scopes=frozenset({"search"}),
    )

    # When IT Glue deletes Bluebird and the next discovery runs
    remove_from_itglue(rig, BLUEBIRD)
    status = asyncio.run(discover_with(rig, OrganizationPurge(rig.stores)))

    # Then its records left the catalog, the raw store and (by delete jobs) the index
    assert [p.organization_id for p in status.purged] == [BLUEBIRD]
    assert status.purged[0].records == len(before) and status.purged[0].name == "Bluebird Bakery"
    assert rig.catalog(BLUEBIRD) == {} and rig.stores.raw.keys(BLUEBIRD) == []
    jobs = rig.index_jobs()
    assert {j.source_id for j in jobs if j.op == "delete"} == before
    assert all(j.op == "delete" for j in jobs)
    # ... and its registry entry, checkpoints and sync status
    assert BLUEBIRD not in registered(rig)
    assert rig.stores.state.checkpoint(BLUEBIRD, "documents").high_water is None
    assert rig.stores.state.sync_status(BLUEBIRD).state == "never"
    # ... while the other organization is untouched and a key naming both still works for it
    assert rig.catalog(INITECH) == initech
    assert [o.id for o in organizations.list_organizations(key, rig.stores.state)] == [INITECH]
    # ... and the discovery status says what was purged (to a key that named it)
    seen = organizations.discovery_status(key, state_table(rig))
    assert [p.organization_id for p in seen.recent_purges] == [BLUEBIRD]
    assert seen.purged[0].records == len(before)
    other = Principal(
        key_id="k2", name="x", organizations=frozenset({INITECH}), scopes=frozenset({"search"})
    )
    assert organizations.discovery_status(other, state_table(rig)).recent_purges == []


def test_a_failed_discovery_purges_nothing(synced: Rig) -> None:
    # Given Bluebird deleted in IT Glue, and IT Glue failing every request
    rig = synced
    before = rig.catalog(BLUEBIRD)
    remove_from_itglue(rig, BLUEBIRD)
    rig.server.set_faults(Faults(p_500=1.0, seed=1))

    # When the discovery runs, Then it fails and nothing is purged
    with pytest.raises(UpstreamError):
        asyncio.run(discover_with(rig, OrganizationPurge(rig.stores)))
    assert rig.catalog(BLUEBIRD) == before
    assert BLUEBIRD in registered(rig)
    assert rig.index_jobs() == []
    status = state_table(rig).discovery_status()
    assert status.error and status.purged == [] and state_table(rig).recent_purges() == []


def test_a_partial_discovery_purges_nothing(synced: Rig) -> None:
    # Given an IT Glue whose organization list holds fewer organizations than its total-count
    # (one deleted while the pages were read shifts another off them)
    rig = synced
    before = rig.catalog(BLUEBIRD)
    listed = [
        {"id": INITECH, "type": "organizations", "attributes": {"name": "Initech"}},
    ]

    def answer(request: httpx.Request) -> httpx.Response:
        meta = {"current-page": 1, "next-page": None, "total-pages": 1, "total-count": 2}
        return httpx.Response(200, content=json.dumps({"data": listed, "meta": meta}).encode())

    # When the discovery runs
    async def scenario() -> Any:
        transport = httpx.MockTransport(answer)
        async with ItGlueClient(
            "http://itglue.test", KEY, limiter=Unlimited(), transport=transport
        ) as client:
            return await discover(
                client, rig.stores.state, datetime.now(UTC), OrganizationPurge(rig.stores)
            )

    status = asyncio.run(scenario())

    # Then it says it was incomplete, names what it kept, and purged nothing
    assert not status.complete and status.purged == []
    assert BLUEBIRD in status.vanished and "incomplete" in (status.purge_skipped or "")
    assert rig.catalog(BLUEBIRD) == before and rig.index_jobs() == []


def test_the_scheduled_discovery_has_the_sync_worker_purge(synced: Rig) -> None:
    # Given Bluebird deleted in IT Glue, and the scheduled discovery with its sync queue
    rig = synced
    remove_from_itglue(rig, BLUEBIRD)
    sqs = rig.clients.sqs
    queue_url = sqs.create_queue(QueueName="purge-test-sync")["QueueUrl"]
    queue = JobQueue(sqs, queue_url)
    discovery = OrganizationDiscovery(rig.client, state_table(rig), queue, QueuedPurge(queue))

    # When it runs, Then it queues the purge instead of deleting in a one-minute Lambda
    status = asyncio.run(discovery.run())
    assert status.purge_queued == [BLUEBIRD] and rig.catalog(BLUEBIRD)
    (message,) = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    job = PurgeJob.model_validate_json(message["Body"])

    # When the sync worker runs the job, Then IT Glue is asked once more, and the purge done
    report = asyncio.run(SyncJobs(rig.client, rig.stores).run(job))
    assert report.summary == "organization purged" and rig.catalog(BLUEBIRD) == {}
    # ... and a purge job for an organization IT Glue has again deletes nothing
    again = PurgeJob(organization_id=INITECH, requested_at=datetime.now(UTC))
    kept = asyncio.run(SyncJobs(rig.client, rig.stores).run(again))
    assert "not purged" in kept.summary and rig.catalog(INITECH)
