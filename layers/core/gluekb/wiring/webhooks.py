"""The webhooks' collaborators, built from settings (the `webhooks` function, the tests and
`gluekb webhooks url` build them the same way)."""

from __future__ import annotations

from pydantic import SecretStr

from gluekb.adapters.alert_receivers import AlertReceiverStore
from gluekb.adapters.aws import AwsClients
from gluekb.adapters.idempotency import DeliveryLedger
from gluekb.adapters.payload_store import PayloadStore
from gluekb.adapters.repo_registry import RepoRegistry
from gluekb.adapters.sqs import JobQueue
from gluekb.adapters.state_store import StateStore
from gluekb.adapters.ticket_store import TicketStore
from gluekb.adapters.webhook_counters import WebhookCounters
from gluekb.adapters.webhook_secrets import secrets_manager_document, static_document
from gluekb.errors import ConfigurationError
from gluekb.services.tickets.classification import IntentClassifier
from gluekb.services.tickets.desk import TicketDesk
from gluekb.services.tickets.psa import PsaTickets
from gluekb.services.webhooks.alert_intake import AlertIntake
from gluekb.services.webhooks.receiver import WebhookService
from gluekb.services.webhooks.signatures import WebhookSecrets
from gluekb.settings import WebhooksSettings

# PSA tickets never send mail from here; the desk only files and indexes them.
_NO_REPLIES = "psa-webhooks@gluekb.invalid"


def webhook_secrets(
    clients: AwsClients, secret_id: str | None, signing_secret: SecretStr | None = None
) -> WebhookSecrets:
    if secret_id:
        return WebhookSecrets(secrets_manager_document(clients, secret_id))
    if signing_secret is not None:
        return WebhookSecrets(static_document(signing_secret))
    raise ConfigurationError("no webhook secrets configured")


def alert_intake(settings: WebhooksSettings, clients: AwsClients) -> AlertIntake | None:
    if not settings.alert_queue_url:
        return None
    return AlertIntake(
        receivers=AlertReceiverStore(clients.dynamodb, settings.state_table),
        queue=JobQueue(clients.sqs, settings.alert_queue_url),
        ledger=DeliveryLedger(
            clients.dynamodb,
            settings.idempotency_table,
            name="alert",
            expires_after_s=settings.alert_dedupe_s,
        ),
    )


def webhook_service(settings: WebhooksSettings, clients: AwsClients) -> WebhookService:
    state = StateStore(clients.dynamodb, settings.state_table)
    desk = TicketDesk(
        store=TicketStore(clients.dynamodb, settings.tickets_table),
        index_queue=JobQueue(clients.sqs, settings.index_queue_url),
        documents=PayloadStore(clients.s3, settings.raw_bucket),
        classifier=IntentClassifier(None, []),  # the PSA triaged it; nothing is classified
        support_address=_NO_REPLIES,
    )
    return WebhookService(
        secrets=webhook_secrets(
            clients, settings.webhook_secrets_secret, settings.webhook_signing_secret
        ),
        sync_queue=JobQueue(clients.sqs, settings.sync_queue_url),
        repos=RepoRegistry(clients.dynamodb, settings.state_table),
        psa=PsaTickets(desk, state.organizations),
        counters=WebhookCounters(clients.dynamodb, settings.state_table),
        ledger=DeliveryLedger(
            clients.dynamodb,
            settings.idempotency_table,
            name="delivery",
            expires_after_s=settings.delivery_ttl_s,
        ),
        content_ledger=DeliveryLedger(
            clients.dynamodb,
            settings.idempotency_table,
            name="content",
            expires_after_s=settings.content_dedupe_s,
        ),
        alerts=alert_intake(settings, clients),
        max_body_bytes=settings.max_body_bytes,
        replay_window_s=settings.replay_window_s,
        content_window_s=settings.content_dedupe_s,
    )
