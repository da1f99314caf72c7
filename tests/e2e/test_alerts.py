"""A Grafana alert on the synced local stack, through the real path: HTTP -> API Gateway event ->
the webhooks function -> the alert queue -> the alerts function (catalog, the embedded index and
the worker's embeddings, the tickets table) -> a ticket the API shows."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from gluekb.adapters.api_keys import ApiKeyStore
from tests.e2e.conftest import RunningStack
from tests.support import ROOT, event, wait_until

pytestmark = pytest.mark.e2e

RECEIVER = "acme-grafana-e2e"
SQL01 = "ACME-SQL01"


def register(stack: RunningStack) -> tuple[str, str]:
    """Acme's Grafana receiver, as an operator registers it: its URL and secret."""
    gluekb = Path(sys.executable).with_name("gluekb")
    done = subprocess.run(
        [str(gluekb), "alerts", "add", "--org", "Acme Corp", "--source", "grafana",
         "--id", RECEIVER, "--name", "Acme Grafana", "--json"],
        cwd=ROOT,
        env={**os.environ, "GLUEKB_HOME": str(stack.stack.home)},
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    endpoint = json.loads(done.stdout)
    assert endpoint["organization"] == "1001" and endpoint["source"] == "grafana"
    return str(endpoint["url"]), str(endpoint["secret"])


def post_alert(url: str, body: dict[str, Any], token: str) -> httpx.Response:
    return httpx.post(
        url,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        timeout=30,
    )


def alert_tickets(stack: RunningStack) -> list[dict[str, Any]]:
    response = stack.api("GET", "/v1/tickets?org=Acme%20Corp&limit=100")
    assert response.status_code == 200, response.text
    return [t for t in response.json()["tickets"] if t["source"] == "alert"]


def ticket(stack: RunningStack, ticket_id: str) -> dict[str, Any]:
    response = stack.api("GET", f"/v1/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def past_ticket(stack: RunningStack) -> str:
    """A resolved ticket about ACME-SQL01's CPU, indexed (what similar tickets will find)."""
    created = stack.api(
        "POST",
        "/v1/tickets",
        json={
            "organization": "Acme Corp",
            "requester_email": "dana.whitfield@acmecorp.com",
            "subject": "ERP very slow, ACME-SQL01 CPU at 100%",
            "text": "Epicor is crawling since 9am. The SQL server ACME-SQL01 shows CPU pegged.",
            "intent": "outage",
        },
    )
    assert created.status_code == 201, created.text
    ticket_id = str(created.json()["id"])
    answer = stack.api(
        "POST",
        f"/v1/tickets/{ticket_id}/reply",
        json={
            "text": "A runaway index rebuild on ACME-SQL01 was stopped and rescheduled to 02:00;"
            " CPU back to 20%.",
            "status": "resolved",
        },
    )
    assert answer.status_code == 200, answer.text

    def indexed() -> bool:
        found = stack.api(
            "POST",
            "/v1/search",
            json={"query": "ACME-SQL01 CPU", "organization": "Acme Corp", "types": ["ticket"]},
        ).json()["results"]
        return any(r["source_id"] == f"ticket:{ticket_id}" for r in found)

    wait_until(indexed, timeout_s=120, every_s=1)
    return ticket_id


def test_a_grafana_alert_becomes_one_enriched_ticket_noted_then_resolved(
    synced_stack: RunningStack,
) -> None:
    # Given Acme's Grafana receiver and a resolved past ticket about the same server
    url, token = register(synced_stack)
    assert url == f"{synced_stack.stack.api_url}/webhooks/alerts/grafana/{RECEIVER}"
    earlier = past_ticket(synced_stack)
    firing = event("webhooks/grafana_alert_firing.json")["body"]

    # When Grafana reports high CPU on 10.10.10.13:9182 (ACME-SQL01)
    sent = post_alert(url, firing, token)
    assert sent.status_code == 202, sent.text

    # Then one ticket is opened for ACME-SQL01 ...
    opened = wait_until(lambda: alert_tickets(synced_stack) or None, timeout_s=120, every_s=0.5)
    assert len(opened) == 1, opened
    incident = ticket(synced_stack, opened[0]["id"])
    assert incident["asset_id"] == "itglue:configurations:200039"
    assert incident["subject"] == f"High CPU usage on {SQL01}"
    # ... whose first message lists its IP, what depends on it, a runbook passage and the
    # similar past ticket, each with its source
    text = incident["messages"][0]["text"]
    assert f"Asset: {SQL01} [source: itglue:configurations:200039 " in text
    facts = text.split(f"Key facts (from {SQL01} unless marked):")[1].split("\n\n")[0]
    assert "  - Primary IP: 10.10.10.13\n" in facts
    impact = text.split("Impact, what depends on it:")[1].split("\n\n")[0]
    assert "Epicor Kinetic ERP" in impact and "[source: itglue:flexible_assets:" in impact
    runbooks = text.split("Runbook passages that mention it:")[1].split("\n\n")[0]
    assert f"Server Runbook: {SQL01}" in runbooks and "[source: itglue:documents:" in runbooks
    similar = text.split("Similar past tickets:")[1].split("\n\n")[0]
    assert earlier in similar and "runaway index rebuild" in similar

    # When Grafana notifies the same alert again (a new evaluation, a new value)
    again = copy.deepcopy(firing)
    again["alerts"][0]["values"] = {"A": 98.6, "C": 1}
    assert post_alert(url, again, token).status_code == 202
    # Then it is a note on the same ticket, not a new ticket
    wait_until(lambda: ticket(synced_stack, incident["id"])["message_count"] == 2, timeout_s=60)
    assert len(alert_tickets(synced_stack)) == 1
    assert "Still firing" in ticket(synced_stack, incident["id"])["messages"][1]["text"]

    # When the alert resolves
    resolved = event("webhooks/grafana_alert_resolved.json")["body"]
    assert post_alert(url, resolved, token).status_code == 202
    # Then a note says so and the ticket is resolved
    wait_until(lambda: ticket(synced_stack, incident["id"])["status"] == "resolved", timeout_s=60)
    final = ticket(synced_stack, incident["id"])
    assert final["messages"][-1]["text"].startswith("Resolved.")

    # When a delivery comes with a wrong token
    forged = post_alert(url, firing, "not-the-token")
    # Then it is refused and nothing is created
    assert forged.status_code == 401, forged.text
    time.sleep(3)  # what a queued alert would take to become a ticket
    assert [t["id"] for t in alert_tickets(synced_stack)] == [incident["id"]]
    assert ticket(synced_stack, incident["id"])["message_count"] == final["message_count"]


def test_the_context_of_a_record_is_the_same_on_request(synced_stack: RunningStack) -> None:
    response = synced_stack.api("GET", "/v1/records/itglue:configurations:200039/context")
    assert response.status_code == 200, response.text
    context = response.json()
    assert context["asset"]["title"] == SQL01 and context["documented"] is True
    assert any(r["source"]["title"] == f"Server Runbook: {SQL01}" for r in context["runbooks"])
    # Another tenant's record answers exactly like a missing one
    store = ApiKeyStore(synced_stack.clients.dynamodb, synced_stack.resource("ApiKeysTable"))
    contoso, _ = store.create("contoso-reader", ["1002"], ["search"])
    other = synced_stack.api("GET", "/v1/records/itglue:configurations:200039/context", contoso)
    missing = synced_stack.api("GET", "/v1/records/itglue:configurations:9999999/context", contoso)
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
