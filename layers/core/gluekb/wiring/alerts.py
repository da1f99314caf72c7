"""The `alerts` function's collaborators, built from its settings: the ticket desk, the
incidents, the receivers, the asset matcher and the context builder (search and the catalog)."""

from __future__ import annotations

from gluekb.adapters.alert_receivers import AlertReceiverStore
from gluekb.adapters.aws import AwsClients
from gluekb.adapters.catalog_store import CatalogStore
from gluekb.adapters.embedder import HttpEmbedder
from gluekb.adapters.incident_store import IncidentTable
from gluekb.adapters.payload_store import PayloadStore
from gluekb.adapters.raw_store import RawRecordStore
from gluekb.adapters.sqs import JobQueue
from gluekb.adapters.state_store import StateStore
from gluekb.adapters.ticket_store import TicketStore
from gluekb.services.access.organizations import OrganizationDirectory
from gluekb.services.alerts.context import AssetContextBuilder
from gluekb.services.alerts.incidents import AlertDesk
from gluekb.services.alerts.matching import AssetMatcher
from gluekb.services.query.search import SearchService
from gluekb.services.tickets.classification import IntentClassifier
from gluekb.services.tickets.desk import TicketDesk
from gluekb.settings import AlertsSettings
from gluekb.wiring.search_index import open_search_index

# Alert tickets never send mail from here; the desk only files and indexes them.
_NO_REPLIES = "alerts@gluekb.invalid"


def alert_desk(settings: AlertsSettings, clients: AwsClients) -> AlertDesk:
    state = StateStore(clients.dynamodb, settings.state_table)
    directory = OrganizationDirectory(state)
    catalog = CatalogStore(clients.dynamodb, settings.catalog_table)
    store = TicketStore(clients.dynamodb, settings.tickets_table)
    search = SearchService(
        open_search_index(settings),
        HttpEmbedder(settings.embedder_url, settings.embedder_timeout_s),
        directory,
    )
    desk = TicketDesk(
        store=store,
        index_queue=JobQueue(clients.sqs, settings.index_queue_url),
        documents=PayloadStore(clients.s3, settings.raw_bucket),
        classifier=IntentClassifier(None, []),  # severity and impact set the urgency
        support_address=_NO_REPLIES,
    )
    return AlertDesk(
        desk=desk,
        incidents=IncidentTable(clients.dynamodb, settings.tickets_table),
        receivers=AlertReceiverStore(clients.dynamodb, settings.state_table),
        matcher=AssetMatcher(catalog, ttl_s=settings.alert_catalog_cache_s),
        context=AssetContextBuilder(
            catalog,
            search,
            directory,
            store,
            raw=RawRecordStore(clients.s3, settings.raw_bucket),
            impact_depth=settings.alert_impact_depth,
        ),
        state=directory,
    )
