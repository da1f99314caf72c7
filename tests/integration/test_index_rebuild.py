"""The search index is derived data: a rebuild from the raw store and the tickets, through the
index queue and the worker, re-creates an index that gives the same results as the one the
sync and the service desk built."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.embedded_index import EmbeddedIndex
from gluekb.adapters.itglue import ItGlueClient
from gluekb.adapters.payload_store import PayloadStore
from gluekb.adapters.rate_limit import Unlimited
from gluekb.adapters.sqs_work_queue import SqsWorkQueue
from gluekb.adapters.ticket_store import TicketStore
from gluekb.models.documents import IndexJob, SourceDocument
from gluekb.models.sync import SyncJob
from gluekb.models.tickets import Ticket, TicketMessage
from gluekb.services.indexing.encoding import gated_encoder
from gluekb.services.indexing.gate import PriorityGate
from gluekb.services.indexing.index_worker import IndexWorker, LoopConfig
from gluekb.services.indexing.pipeline import IndexingService
from gluekb.services.indexing.rebuild import RECORD_TYPES, IndexRebuild
from gluekb.services.sync.organization_sync import (
    OrganizationSync,
    SyncStores,
    discover_organizations,
)
from gluekb.services.tickets.classification import IntentClassifier, load_examples
from gluekb.services.tickets.desk import TicketDesk
from gluekb.settings import ApiSettings, load_settings
from gluekb.wiring.rebuild import index_rebuild
from gluekb_dev.demo.server import DemoItGlueServer, DemoServerConfig
from gluekb_dev.demo.tenant import TenantStore
from gluekb_dev.stack.embedded import LOCAL_PARAMETERS
from gluekb_dev.stack.provision import Provisioner
from gluekb_dev.stack.template import Template
from tests.support import ROOT, environment, take_messages, template_sync_stores

ITGLUE_KEY = "ITG.rebuild-test"
QUERIES = ["firewall", "backup server", "printer", "VPN", "domain controller", "wifi password"]


@dataclass
class Rig:
    clients: AwsClients
    template: Template
    stores: SyncStores
    organization: str  # indexed through the worker (Initech: small, every kind of record)
    contoso: str  # rendered only (368 records): its sync's jobs, as they were queued
    contoso_jobs: dict[str, IndexJob]
    initech_jobs: dict[str, IndexJob]
    embedder: Any
    tmp: Path

    def rebuild(self) -> IndexRebuild:
        api = self.template.function_environment("api") | {
            "GLUEKB_SEARCH_BACKEND": "embedded",
            "GLUEKB_INDEX_PATH": str(self.tmp / "unused"),
        }
        with environment(api):
            return index_rebuild(load_settings(ApiSettings), self.clients)

    def take_jobs(self) -> dict[str, IndexJob]:
        url = self.template.physical["IndexQueue"].ref
        jobs = [IndexJob.model_validate_json(b) for b in take_messages(self.clients.sqs, url)]
        return {job.source_id: job for job in jobs}

    def document(self, job: IndexJob) -> SourceDocument:
        return job.document or self.stores.documents.get(job.document_key or "")

    def drain_into(self, index: EmbeddedIndex) -> None:
        """What the embedding worker does: index every queued job, then delete it."""
        worker = IndexWorker(
            SqsWorkQueue(self.clients.sqs, self.template.physical["IndexQueue"].ref),
            IndexingService(
                index,
                gated_encoder(self.embedder, PriorityGate(), 64),
                PayloadStore(self.clients.s3, self.template.physical["RawBucket"].ref),
            ),
            LoopConfig(poll_wait_s=0, visibility_timeout_s=60),
        )
        while messages := worker.receive():
            worker.process(messages)

    def index(self, name: str) -> EmbeddedIndex:
        return EmbeddedIndex(self.tmp / name, dimension=self.embedder.dimension, writer=True)


@pytest.fixture(scope="module")
def rig(
    demo_tenant_dir: Path, embedder: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Rig]:
    tmp = tmp_path_factory.mktemp("rebuild")
    tenant = TenantStore(demo_tenant_dir).load()
    server = DemoItGlueServer(demo_tenant_dir, DemoServerConfig(api_key=ITGLUE_KEY))
    with mock_aws(), server.running():
        template = Template(ROOT / "template.yaml", LOCAL_PARAMETERS)
        clients = AwsClients("us-east-1")
        Provisioner(
            template,
            clients,
            {"WebhookSecret": '{"signing_secret":"x"}', "ConsoleSessionSecret": "{}"},
            tls=False,
        ).provision()
        stores = template_sync_stores(template, clients)
        contoso, initech = (tenant.facts_for(n).id for n in ("Contoso", "Initech"))
        rig = Rig(clients, template, stores, initech, contoso, {}, {}, embedder, tmp)
        asyncio.run(_sync(server.url, stores, contoso))
        rig.contoso_jobs = rig.take_jobs()
        asyncio.run(_sync(server.url, stores, initech))
        rig.initech_jobs = rig.take_jobs()
        yield rig


async def _sync(url: str, stores: SyncStores, organization: str) -> None:
    async with ItGlueClient(url, ITGLUE_KEY, limiter=Unlimited()) as client:
        await discover_organizations(client, stores.state, datetime.now(UTC))
        job = SyncJob(organization_id=organization, mode="full", requested_at=datetime.now(UTC))
        await OrganizationSync(client, stores).run(job)


def test_a_stored_record_renders_the_document_the_sync_indexed(rig: Rig) -> None:
    # Given the jobs Contoso's sync queued (every kind of record, 368 of them)
    # When the rebuild renders the same records again from the raw store
    (report,) = rig.rebuild().rebuild([rig.contoso])
    again = rig.take_jobs()
    # Then it queues one job per record, each with exactly the document the sync queued
    assert report.unreadable == [] and report.records == len(rig.contoso_jobs) == len(again)
    for source_id, job in rig.contoso_jobs.items():
        assert again[source_id].content_hash == job.content_hash, source_id
        assert rig.document(again[source_id]) == rig.document(job)


def _file_a_ticket(rig: Rig) -> str:
    """A ticket filed the way the desk files one: stored, then indexed through the queue."""
    store = TicketStore(rig.clients.dynamodb, rig.template.physical["TicketsTable"].ref)
    desk = TicketDesk(
        store=store,
        index_queue=rig.stores.index_queue,
        documents=rig.stores.documents,
        classifier=IntentClassifier(rig.embedder, load_examples()),
        support_address="support@example.com",
    )
    now = datetime.now(UTC)
    ticket = Ticket(
        id=store.allocate_id(),
        organization_id=rig.organization,
        subject="VPN drops every hour at the branch office",
        created_at=now,
        updated_at=now,
        last_message_at=now,
        message_count=1,
    )
    message = TicketMessage(
        message_id="vpn-1@example.com",
        direction="inbound",
        text="Since Monday the VPN disconnects every hour; the firewall was updated last week.",
        received_at=now,
    )
    store.create(ticket, message, intake_key=None)
    desk.index(ticket.id)
    return ticket.id


def _results(index: EmbeddedIndex, organization: str) -> list[list[tuple[float, str, str]]]:
    """Every match of each query, best first; equal scores (ties keep insertion order, which a
    rebuild does not reproduce) by source and chunk."""
    return [
        sorted(
            (-round(hit.score, 6), hit.chunk.source_id, hit.chunk.content_hash)
            for hit in index.bm25(query, [organization], k=1000)
        )
        for query in QUERIES
    ]


def test_a_rebuilt_index_gives_the_same_search_results(rig: Rig) -> None:
    # Given the organization's records and a ticket indexed as the sync and the desk index them
    rig.stores.index_queue.send_all(list(rig.initech_jobs.values()))
    ticket = _file_a_ticket(rig)
    built = rig.index("built")
    rig.drain_into(built)
    assert built.count([rig.organization]) > 50
    # When the index is lost and `gluekb index rebuild` re-creates it into an empty one
    (report,) = rig.rebuild().rebuild([rig.organization])
    rebuilt = rig.index("rebuilt")
    rig.drain_into(rebuilt)
    # Then every record and the ticket were queued, none unreadable
    catalog = [
        record
        for kind in RECORD_TYPES
        for record in rig.stores.catalog.records_of(rig.organization, kind)
    ]
    assert report.unreadable == [] and report.tickets == 1 and report.records == len(catalog)
    # And the rebuilt index holds exactly the same chunks and answers searches the same way
    assert rebuilt.count([rig.organization]) == built.count([rig.organization])
    sources = [*(r.source_id for r in catalog), f"ticket:{ticket}"]
    assert rebuilt.source_hashes(sources) == built.source_hashes(sources)
    assert _results(rebuilt, rig.organization) == _results(built, rig.organization)
    assert any(_results(built, rig.organization))
