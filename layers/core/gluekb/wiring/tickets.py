"""The ticket services' collaborators, built from settings: shared by the email_intake and api
functions and the tests, so every path files, threads and answers tickets the same way."""

from __future__ import annotations

from functools import partial

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.catalog_store import CatalogStore
from gluekb.adapters.embedder import Embedder, HttpEmbedder
from gluekb.adapters.mail_store import MailStore
from gluekb.adapters.mailer import SesMailer
from gluekb.adapters.payload_store import PayloadStore
from gluekb.adapters.sqs import JobQueue
from gluekb.adapters.state_store import StateStore
from gluekb.adapters.ticket_store import TicketStore
from gluekb.services.tickets.classification import IntentClassifier, load_examples
from gluekb.services.tickets.desk import TicketDesk
from gluekb.services.tickets.mail_intake import IntakePolicy, MailIntake
from gluekb.services.tickets.related_articles import RelatedArticles
from gluekb.services.tickets.sender_organizations import OrganizationMatcher
from gluekb.settings import ApiSettings, EmailIntakeSettings
from gluekb.wiring.search_index import open_search_index


def support_mailbox(address: str) -> str:
    """The receipt rule may name a domain; mail is sent from support@ that domain then."""
    return address if "@" in address else f"support@{address}"


def http_embedder(settings: ApiSettings | EmailIntakeSettings) -> HttpEmbedder:
    return HttpEmbedder(settings.embedder_url, timeout_s=settings.embedder_timeout_s)


def ticket_desk(
    settings: ApiSettings | EmailIntakeSettings, clients: AwsClients, embedder: Embedder
) -> TicketDesk:
    return TicketDesk(
        store=TicketStore(clients.dynamodb, settings.tickets_table),
        index_queue=JobQueue(clients.sqs, settings.index_queue_url),
        documents=PayloadStore(clients.s3, settings.raw_bucket),
        classifier=IntentClassifier(embedder, load_examples()),
        support_address=support_mailbox(settings.support_address),
        support_name=settings.support_name,
    )


def mail_intake(
    settings: EmailIntakeSettings, clients: AwsClients, embedder: Embedder | None = None
) -> MailIntake:
    embedder = embedder or http_embedder(settings)
    desk = ticket_desk(settings, clients, embedder)
    return MailIntake(
        desk=desk,
        mail=MailStore(
            clients.s3, settings.mail_bucket, settings.attachment_prefix, settings.quarantine_prefix
        ),
        organizations=OrganizationMatcher(
            StateStore(clients.dynamodb, settings.state_table),
            CatalogStore(clients.dynamodb, settings.catalog_table),
            ttl_s=settings.organization_cache_ttl_s,
        ),
        mailer=SesMailer(clients.ses),
        policy=IntakePolicy(
            support_address=desk.support_address,
            own_addresses=settings.own_addresses,
            max_message_bytes=settings.max_message_bytes,
            ack_enabled=settings.ack_enabled,
            ack_max_per_sender_per_hour=settings.ack_max_per_sender_per_hour,
            trusted_authserv_id=settings.trusted_authserv_id,
        ),
        articles=RelatedArticles(
            partial(open_search_index, settings),
            embedder,
            types=settings.ack_article_types,
            min_similarity=settings.ack_article_min_similarity,
        ),
    )
