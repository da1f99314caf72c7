"""The index rebuild's composition (`gluekb index rebuild`): the stores it reads and the queues
it feeds, from the api's settings (it sees every table, bucket and queue it needs)."""

from __future__ import annotations

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.catalog_store import CatalogStore
from gluekb.adapters.payload_store import PayloadStore
from gluekb.adapters.raw_store import RawRecordStore
from gluekb.adapters.repo_registry import RepoRegistry
from gluekb.adapters.sqs import JobQueue
from gluekb.adapters.state_store import StateStore
from gluekb.adapters.ticket_store import TicketStore
from gluekb.services.indexing.rebuild import IndexRebuild
from gluekb.settings import ApiSettings


def index_rebuild(settings: ApiSettings, clients: AwsClients) -> IndexRebuild:
    return IndexRebuild(
        organizations=StateStore(clients.dynamodb, settings.state_table),
        catalog=CatalogStore(clients.dynamodb, settings.catalog_table),
        raw=RawRecordStore(clients.s3, settings.raw_bucket),
        tickets=TicketStore(clients.dynamodb, settings.tickets_table),
        repositories=RepoRegistry(clients.dynamodb, settings.state_table),
        documents=PayloadStore(clients.s3, settings.raw_bucket),
        index_queue=JobQueue(clients.sqs, settings.index_queue_url),
        sync_queue=JobQueue(clients.sqs, settings.sync_queue_url),
    )
