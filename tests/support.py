"""Helpers shared by the test suites: handlers loaded as Lambda loads them, a stack runner."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from gluekb.adapters.aws import AwsClients
    from gluekb.services.sync.organization_sync import SyncStores
    from gluekb.settings import SyncWorkerSettings
    from gluekb_dev.stack.template import Template

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
T = TypeVar("T")


def event(path: str) -> dict[str, Any]:
    """A sample event from events/ (the same files `sam local invoke -e` takes)."""
    loaded: dict[str, Any] = json.loads((EVENTS / path).read_text())
    return loaded


@dataclass
class LambdaContext:
    function_name: str = "gluekb-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:gluekb-test"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    deadline: float = field(default_factory=lambda: time.time() + 30)

    def get_remaining_time_in_millis(self) -> int:
        return int((self.deadline - time.time()) * 1000)


def load_handler(function: str) -> ModuleType:
    """functions/<name>/handler.py imported as Lambda does: its folder first on sys.path."""
    code = ROOT / "functions" / function
    # A new execution environment: the function's own packages (the api's `app`) are imported
    # afresh, not shared with a handler an earlier test loaded.
    for name, loaded in list(sys.modules.items()):
        if str(getattr(loaded, "__file__", "") or "").startswith(str(code) + "/"):
            del sys.modules[name]
    sys.path.insert(0, str(code))
    try:
        spec = importlib.util.spec_from_file_location(f"gluekb_fn_{function}", code / "handler.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(code))


def wait_until(check: Callable[[], T | None], timeout_s: float = 15, every_s: float = 0.1) -> T:
    """Poll until `check` returns something truthy; fail with the last value otherwise."""
    deadline = time.monotonic() + timeout_s
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every_s)
    raise AssertionError(f"condition not met within {timeout_s}s (last: {last!r})")


class FakeClock:
    """A clock the test moves; schedules read it instead of the wall clock."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 21, 9, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class LoopThread:
    """An asyncio loop in a background thread, so sync tests can drive async components."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout_s: float = 120) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout_s)

    def close(self) -> None:
        async def _cancel_rest() -> None:
            current = asyncio.current_task()
            rest = [t for t in asyncio.all_tasks() if t is not current]
            for task in rest:
                task.cancel()
            await asyncio.gather(*rest, return_exceptions=True)

        self.run(_cancel_rest(), timeout_s=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@contextmanager
def environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, with None, unset) environment variables for the block; settings re-read."""
    import os

    from gluekb.settings import clear_settings_cache

    saved = {k: os.environ.get(k) for k in values}
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    clear_settings_cache()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        clear_settings_cache()


def template_sync_settings(template: Template) -> SyncWorkerSettings:
    """The sync_worker function's settings in `template`'s stack."""
    from gluekb.settings import SyncWorkerSettings, settings_from

    return settings_from(SyncWorkerSettings, template.function_environment("sync_worker"))


def template_sync_stores(template: Template, clients: AwsClients) -> SyncStores:
    """The sync's stores in `template`'s stack, built as the sync_worker function builds them."""
    from gluekb.wiring.sync import sync_stores

    return sync_stores(template_sync_settings(template), clients)


def take_messages(sqs: Any, url: str) -> list[str]:
    """The bodies of every message on the queue now, taken off it (received, then deleted)."""
    bodies: list[str] = []
    while True:
        response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300)
        messages = response.get("Messages", [])
        if not messages:
            return bodies
        bodies += [m["Body"] for m in messages]
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ],
        )


def receive_now(sqs: Any, url: str) -> list[dict[str, Any]]:
    """The messages visible on the queue right now (no long poll), with their attributes."""
    response = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0, AttributeNames=["All"]
    )
    return list(response.get("Messages", []))


@contextmanager
def json_log_lines() -> Iterator[list[dict[str, Any]]]:
    """The lines every gluekb logger writes in the block, as Powertools formats them (with the
    keys the process's logger holds, such as `correlation_id`), parsed; filled when it ends."""
    import io
    import logging

    from gluekb.observability import logger

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)
    # The process's Powertools logger (and its children) and every other logger (via root);
    # the first one not propagating for the block, so no line is taken twice.
    own, root = logging.getLogger(logger.name), logging.getLogger()
    level, propagates = root.level, own.propagate
    lines: list[dict[str, Any]] = []
    for target in (own, root):
        target.addHandler(handler)
    own.propagate = False
    root.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        for target in (own, root):
            target.removeHandler(handler)
        own.propagate = propagates
        root.setLevel(level)
        lines += [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]
