"""What the embedding worker's queue loop measures. The worker container exports it to
Prometheus (`gpu_worker.metrics`); `NoWorkerMetrics` in the loop measures nothing."""

from __future__ import annotations

from typing import Literal, Protocol

FailureKind = Literal["poison", "transient"]


class WorkerMetrics(Protocol):
    def message_received(self, lag_s: float) -> None:
        """A message reached the worker `lag_s` after it was sent."""

    def job_finished(self, status: str) -> None:
        """An index job's outcome: indexed, unchanged, deleted, superseded or failed."""

    def job_failed(self, kind: FailureKind) -> None:
        """A failed job: `poison` (a retry cannot fix it) or `transient`."""

    def batch_done(
        self, seconds: float, jobs: int, chunks: int, embedded: int, reused: int
    ) -> None:
        """A batch was indexed: its seconds, jobs, chunks written, vectors embedded and reused."""

    def queue_depth(self, visible: int, in_flight: int) -> None:
        """The queue's depth, as the health probe saw it."""
