"""The work queue port: a queue a long-running consumer receives jobs from, deletes them from
once done, and hides or releases them meanwhile. `SqsWorkQueue` implements it on SQS (the
embedding worker's index queue). Every method raises `DependencyUnavailable` when the queue
cannot be reached."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class QueueMessage:
    message_id: str
    body: str
    receipt: str  # opaque: what delete and change_visibility need
    receive_count: int = 1
    sent_at_ms: float | None = None  # when it was first sent (epoch milliseconds)
    correlation_id: str | None = None  # of the work that queued it (see gluekb.observability)


@dataclass(frozen=True)
class QueueDepth:
    visible: int  # waiting to be received
    in_flight: int  # received, not yet deleted


class WorkQueue(Protocol):
    def receive(
        self, max_messages: int, wait_s: int, visibility_timeout_s: int
    ) -> list[QueueMessage]:
        """At most `max_messages` (ten at most), waiting up to `wait_s` for the first; each
        stays invisible to other consumers for `visibility_timeout_s`."""
        ...

    def delete(self, messages: Sequence[QueueMessage]) -> None:
        """Done with them: they never come back."""
        ...

    def change_visibility(self, messages: Sequence[QueueMessage], seconds: int) -> None:
        """They come back after `seconds` (0: at once)."""
        ...

    def depth(self) -> QueueDepth: ...

    def max_receive_count(self) -> int:
        """Receives after which a message goes to the dead-letter queue (a very large number
        when the queue has none)."""
        ...
