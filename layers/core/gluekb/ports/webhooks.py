"""The webhooks' ports: deliveries handled at most once, and refusals counted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from pydantic import JsonValue

from gluekb.models.webhooks import Provider, Refusal

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

Receipt = dict[str, JsonValue]


class IdempotencyLedger(Protocol):
    def once(self, key: str, fingerprint: str, work: Callable[[], Receipt]) -> Receipt:
        """Run `work` for the first delivery of `key` and keep its receipt; a repeat gets that
        receipt back marked `duplicate: true`. A repeat with another fingerprint is refused."""

    def register_lambda_context(self, context: LambdaContext) -> None:
        """In-progress deliveries then expire with the invocation, so a crash is retried."""


class RejectionCounter(Protocol):
    def count_rejection(self, provider: Provider, reason: Refusal, at: datetime) -> None:
        """One more refusal of the provider's deliveries for that reason."""
