"""Deliveries handled at most once: Powertools idempotency on the Idempotency table.

`DeliveryLedger.once(key, fingerprint, work)` runs `work` for the first delivery of `key` and
stores its result; a repeat within `expires_after_s` gets the stored result back (marked
`duplicate`) without running anything. A repeat that carries a different body (the fingerprint)
is refused: a delivery id is not reusable. A delivery that failed left nothing behind, so the
provider's retry runs it again; one still running answers `DeliveryInProgress`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)

from gluekb.errors import Conflict, DependencyUnavailable
from gluekb.ports.webhooks import Receipt

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_dynamodb import DynamoDBClient


class DeliveryInProgress(Conflict):
    """The same delivery is being handled right now (a provider retried quickly)."""


class DeliveryReused(Conflict):
    """A delivery id seen before came back with a different body."""


def _mark_duplicate(response: Any, idempotent_data: DataRecord) -> Any:
    if isinstance(response, dict):
        return {**response, "duplicate": True}
    return response


def _run(work: Callable[[], Receipt], *, delivery: dict[str, str]) -> Receipt:
    return work()


class DeliveryLedger:
    def __init__(
        self, client: DynamoDBClient, table: str, *, name: str, expires_after_s: int
    ) -> None:
        # One persistence layer per configuration: Powertools configures a layer only once.
        self.config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="fingerprint",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=expires_after_s,
            response_hook=_mark_duplicate,
        )
        persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=client)
        self._once = idempotent_function(
            data_keyword_argument="delivery",
            persistence_store=persistence,
            config=self.config,
            key_prefix=f"webhooks.{name}",
        )(_run)

    def register_lambda_context(self, context: LambdaContext) -> None:
        """In-progress records then expire with the invocation, so a crash is retried."""
        self.config.register_lambda_context(context)

    def once(self, key: str, fingerprint: str, work: Callable[[], Receipt]) -> Receipt:
        try:
            result: Receipt = self._once(work, delivery={"key": key, "fingerprint": fingerprint})
        except IdempotencyAlreadyInProgressError as exc:
            raise DeliveryInProgress("this delivery is being handled; retry later") from exc
        except IdempotencyValidationError as exc:
            raise DeliveryReused("this delivery id was used before with another body") from exc
        except IdempotencyPersistenceLayerError as exc:
            raise DependencyUnavailable(f"idempotency table unavailable: {exc}") from exc
        return result
