"""The restore drill: the synced demo stack is backed up while it runs, its state wiped (a
new, empty home), the backup restored there, and a stack started on it gives the same answers
and the same tickets, with the same admin key."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import RunningStack, start_stack, stop_stack
from tests.support import ROOT, FakeClock, wait_until

pytestmark = pytest.mark.e2e

QUESTIONS = [
    "what is the firewall IP at Acme?",
    "which servers at Contoso run SQL?",
    "who is the primary contact at Globex?",
]
ANSWER_FIELDS = ("found", "kind", "organization", "facts", "sources", "message")


def gluekb(home: Path, *args: str) -> str:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("gluekb")), *args],
        cwd=ROOT,
        env={**os.environ, "GLUEKB_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def answers(stack: RunningStack) -> list[dict[str, Any]]:
    out = []
    for question in QUESTIONS:
        response = stack.api("POST", "/v1/ask", json={"question": question})
        assert response.status_code == 200, response.text
        out.append({k: response.json().get(k) for k in ANSWER_FIELDS})
    return out


def tickets(stack: RunningStack) -> list[dict[str, Any]]:
    response = stack.api("GET", "/v1/tickets?limit=100")
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()["tickets"]
    return sorted(listed, key=lambda t: str(t["id"]))


def test_back_up_wipe_restore_gives_the_same_answers_and_tickets(
    synced_stack: RunningStack, tmp_path: Path
) -> None:
    stack = synced_stack
    # Given a ticket filed through the API, and the answers the stack gives
    filed = stack.api(
        "POST",
        "/v1/tickets",
        json={
            "organization": "Acme Corp",
            "requester_email": "jo@acme.example",
            "subject": "Restore drill: the plotter prints blank pages",
            "text": "Since this morning the plotter in the design office prints blank pages.",
        },
    )
    assert filed.status_code == 201, filed.text
    wait_until(stack.synced, timeout_s=120)  # the ticket indexed too
    before_answers, before_tickets = answers(stack), tickets(stack)
    assert before_answers[0]["found"] is True

    # When it is backed up while it runs, and restored into an empty home
    archive = tmp_path / "drill.tar.gz"
    backed_up = gluekb(stack.stack.home, "backup", str(archive))
    assert "(running)" in backed_up
    wiped = tmp_path / "restored-home"
    assert "start it with `gluekb up`" in gluekb(wiped, "restore", str(archive))
    restored = start_stack(wiped, FakeClock(datetime.now(UTC).replace(microsecond=0)))
    try:
        wait_until(restored.synced, timeout_s=300, every_s=2)
        # Then the restored stack answers and lists tickets exactly as the original did
        assert restored.stack.admin_key == stack.stack.admin_key
        assert tickets(restored) == before_tickets
        assert filed.json()["id"] in {t["id"] for t in tickets(restored)}
        assert answers(restored) == before_answers
        assert restored.stack.restored["lost"] == []
    finally:
        stop_stack(restored)
