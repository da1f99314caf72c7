"""schemathesis against /openapi.json through the real HTTP path: no input gets a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e
EXAMPLES_PER_OPERATION = 30


def test_no_input_yields_a_server_error(synced_stack: RunningStack) -> None:
    schema = schemathesis.openapi.from_url(f"{synced_stack.stack.api_url}/openapi.json")
    headers = {"Authorization": f"Bearer {synced_stack.stack.admin_key}"}
    failures: list[str] = []
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def fuzz(case: schemathesis.Case[Any]) -> None:
            nonlocal calls
            response = case.call(headers=headers, timeout=60)
            calls += 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}")

        fuzz()
    assert calls >= 100
    assert failures == []
