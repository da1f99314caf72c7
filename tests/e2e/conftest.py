"""A real local stack (moto process, Lambda runtime processes, worker) driven from the tests.
The synced demo stack (`synced_stack`) is in tests/conftest.py: the browser tests share it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from gluekb.adapters.aws import AwsClients
from gluekb_dev.stack.embedded import EmbeddedStack, EmbeddedStackConfig
from tests.support import ROOT, FakeClock, LoopThread

# Short visibility and two receives: failed records reach the DLQ in seconds, not minutes.
FAST_RETRY = {
    "MailQueueVisibilityTimeout": "1",
    "SyncQueueVisibilityTimeout": "1",
    "IndexQueueVisibilityTimeout": "2",
    "MaxReceiveCount": "2",
}


@dataclass
class RunningStack:
    stack: EmbeddedStack
    loop: LoopThread
    clock: FakeClock
    clients: AwsClients

    def resource(self, logical_id: str) -> str:
        return self.stack.template.physical[logical_id].ref

    def synced(self) -> bool:
        """Every organization synced and every index job done."""
        progress = self.stack.sync_progress()
        done = progress["organizations"] and progress["synced"] == progress["organizations"]
        return bool(done and not progress["index_jobs_waiting"])

    def api(self, method: str, path: str, key: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key or self.stack.admin_key}"}
        url = f"{self.stack.api_url}{path}"
        return httpx.request(method, url, headers=headers, timeout=60, **kwargs)


def start_stack(
    home: Path,
    clock: FakeClock,
    parameters: dict[str, str] | None = None,
    *,
    first_sync: bool = False,
    environment: dict[str, str] | None = None,
) -> RunningStack:
    loop = LoopThread()
    config = EmbeddedStackConfig(
        project_root=ROOT,
        home=home,
        api_port=0,
        aws_port=0,
        control_port=0,
        worker_port=0,
        parameters=parameters or {},
        clock=clock,
        first_sync=first_sync,
        environment_overrides=environment or {},
    )
    stack = EmbeddedStack(config)
    try:
        loop.run(stack.start())
    except BaseException:
        loop.close()
        raise
    return RunningStack(stack, loop, clock, AwsClients("us-east-1", stack.aws_endpoint))


def stop_stack(running: RunningStack) -> None:
    try:
        running.loop.run(running.stack.stop())
    finally:
        running.loop.close()


@pytest.fixture(scope="module")
def running_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    running = start_stack(tmp_path_factory.mktemp("gluekb-home"), clock, FAST_RETRY)
    yield running
    stop_stack(running)
