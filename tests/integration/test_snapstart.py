"""SnapStart: what the api and webhooks functions prepare before the snapshot and renew after a
restore. The runtime's `snapshot_restore_py` exists only in Lambda: a stand-in records hooks."""

from __future__ import annotations

import random
import sys
import types
from collections.abc import Callable
from typing import Any

import pytest

from gluekb.adapters.snapstart import RUNTIME_HOOKS, after_restore, before_snapshot
from tests.support import environment, load_handler

Registered = list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]]


class RuntimeHooks(types.ModuleType):
    """Registers as snapshot_restore_py does; runs the hooks in the runtime's order."""

    def __init__(self) -> None:
        super().__init__(RUNTIME_HOOKS)
        self.before: Registered = []
        self.after: Registered = []

    def register_before_snapshot(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.before.append((func, args, kwargs))
        return func

    def register_after_restore(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.after.append((func, args, kwargs))
        return func

    def snapshot(self) -> None:
        for func, args, kwargs in reversed(self.before):
            func(*args, **kwargs)

    def restore(self) -> None:
        for func, args, kwargs in self.after:
            func(*args, **kwargs)


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> RuntimeHooks:
    stand_in = RuntimeHooks()
    monkeypatch.setitem(sys.modules, RUNTIME_HOOKS, stand_in)
    return stand_in


def test_without_the_runtimes_hooks_registering_does_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a Python without snapshot_restore_py (a container, a bare venv)
    monkeypatch.setitem(sys.modules, RUNTIME_HOOKS, None)  # importing it raises ImportError

    def hook() -> None:
        raise AssertionError("nothing snapshots this process")

    # When hooks are registered, Then they come back as they were, for use as decorators
    assert before_snapshot(hook) is hook
    assert after_restore(hook) is hook


def test_the_api_builds_its_clients_and_services_before_the_snapshot(
    moto_stack: dict[str, Any], hooks: RuntimeHooks
) -> None:
    # Given the api function initialised by a SnapStart runtime
    with environment(moto_stack["env"]["api"]):
        api = load_handler("api")
        services = api.deps.services
        assert "authenticator" not in services.__dict__  # lazily, outside SnapStart
        # When Lambda takes the snapshot
        hooks.snapshot()
    # Then the clients and the services every request uses are in it, and the OpenAPI schema
    assert {"dynamodb", "sqs", "s3", "ses"} <= set(services.clients._clients)
    for service in api.deps.PREPARED_SERVICES:
        assert service in services.__dict__, service
    assert api.app.openapi_schema is not None
    assert "numpy" in sys.modules


def test_each_restored_environment_draws_its_own_random_numbers(
    moto_stack: dict[str, Any], hooks: RuntimeHooks
) -> None:
    with environment(moto_stack["env"]["webhooks"]):
        webhooks = load_handler("webhooks")
        hooks.snapshot()
    assert {"dynamodb", "sqs", "s3", "secretsmanager"} <= set(webhooks.clients._clients)
    # Given the random state a snapshot would freeze
    random.seed(1234)
    frozen = random.random()
    random.seed(1234)
    # When an environment is restored from it, Then its random numbers are its own
    hooks.restore()
    assert random.random() != frozen
