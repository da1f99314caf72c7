"""A real local stack (moto process, Lambda runtime processes) driven from the tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gluekb.adapters.aws import AwsClients
from gluekb.stack.local import LocalStack, LocalStackConfig
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
    stack: LocalStack
    loop: LoopThread
    clock: FakeClock
    clients: AwsClients

    def resource(self, logical_id: str) -> str:
        return self.stack.template.physical[logical_id].ref


def start_stack(
    home: Path, clock: FakeClock, parameters: dict[str, str] | None = None
) -> RunningStack:
    loop = LoopThread()
    config = LocalStackConfig(
        project_root=ROOT,
        home=home,
        api_port=0,
        aws_port=0,
        control_port=0,
        parameters=parameters or {},
        clock=clock,
    )
    stack = LocalStack(config)
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
