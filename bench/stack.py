"""A local stack for benchmarks: started in-process, optionally with the demo tenant synced."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from gluekb_dev.stack.embedded import EmbeddedStack, EmbeddedStackConfig

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")


class StackThread:
    """The stack's event loop in a background thread; the benchmark drives it synchronously."""

    def __init__(self, config: EmbeddedStackConfig) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.stack = EmbeddedStack(config)

    def run(self, coroutine: Coroutine[Any, Any, T], timeout_s: float = 300) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout_s)

    def synced(self) -> bool:
        progress = self.stack.sync_progress()
        done = progress["organizations"] and progress["synced"] == progress["organizations"]
        return bool(done and not progress["index_jobs_waiting"])


@contextmanager
def running_stack(
    home: Path,
    *,
    first_sync: bool = True,
    wait_s: float = 1200,
    parameters: dict[str, str] | None = None,
) -> Iterator[StackThread]:
    config = EmbeddedStackConfig(
        project_root=ROOT,
        home=home,
        api_port=0,
        aws_port=0,
        control_port=0,
        worker_port=0,
        first_sync=first_sync,
        parameters=parameters or {},
        environment_overrides={"GLUEKB_ITGLUE_MAX_REQUESTS_PER_S": "40"},
    )
    runner = StackThread(config)
    runner.run(runner.stack.start())
    try:
        if first_sync:
            started = time.monotonic()
            while not runner.synced():
                if time.monotonic() - started > wait_s:
                    raise TimeoutError("the demo tenant was not synced and indexed in time")
                time.sleep(2)
            print(
                f"demo tenant synced and indexed in {time.monotonic() - started:.0f}s",
                file=sys.stderr,
            )
        yield runner
    finally:
        runner.run(runner.stack.stop())
        runner.loop.call_soon_threadsafe(runner.loop.stop)
