"""The job queue port: jobs (pydantic models) onto a queue, as JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import BaseModel


class JobSender(Protocol):
    def send(self, job: BaseModel, delay_s: int = 0) -> None: ...

    def send_all(self, jobs: Sequence[BaseModel], attempts: int = 4, delay_s: int = 0) -> None:
        """Send every job or raise; `delay_s` keeps them invisible for that long."""
