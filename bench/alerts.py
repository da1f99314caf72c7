"""Alert to ticket: a Grafana alert received -> its enriched incident ticket listed by the API,
through the real path on the local stack.

    python bench/alerts.py [--alerts 30] [--home .gluekb-bench-alerts]

1. `gluekb up` in-process with the demo tenant synced and indexed (a few minutes on a laptop
   CPU the first time; `--home` keeps the state folder so later runs start synced) and a Grafana
   receiver for each of the first two clients.
2. For each alert: a firing Grafana delivery (real-shaped, bearer token) naming a documented
   server's IP, with a name found nowhere else; the clock starts when it is sent to the HTTP API
   and stops when GET /v1/tickets first lists the ticket (polled every 50 ms). The path measured:
   API gateway -> webhooks function -> alert queue (its event source's polling included) -> the
   alerts function (asset match, graph, runbook search with the worker's embedding, similar
   tickets, the ticket written) -> api function. Then the alert is resolved (not timed), so the
   next alert on the same server opens a new ticket.
3. Two warm-up alerts first (cold execution environments), not counted.

Prints one JSON object: `p50_s`, `p95_s`, `n`, and the parts around them.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.index import end_to_end_summary
from bench.stack import StackThread, running_stack
from gluekb.adapters.alert_receivers import AlertReceiverStore
from gluekb.adapters.catalog_store import CatalogStore
from gluekb.models.alerts import AlertReceiver
from gluekb.wiring.webhooks import webhook_secrets
from tests.support import event

POLL_S = 0.05
TIMEOUT_S = 120.0
CLIENTS = {"1001": "Acme Corp", "1002": "Contoso"}


@contextmanager
def state_folder(home: str | None) -> Iterator[Path]:
    if home:
        yield Path(home).resolve()
        return
    with tempfile.TemporaryDirectory(prefix="gluekb-bench-") as folder:
        yield Path(folder) / "home"


def targets(runner: StackThread) -> list[tuple[str, str, str]]:
    """(organization, server name, IP) of every documented server of the two clients."""
    stack = runner.stack
    assert stack.clients is not None
    catalog = CatalogStore(stack.clients.dynamodb, stack.template.physical["CatalogTable"].ref)
    found = []
    for org in CLIENTS:
        for record in catalog.records_of(org, "configurations"):
            fields = {f.name: f.value for f in record.fields}
            if record.type_label == "Managed Server" and fields.get("Primary IP"):
                found.append((org, record.name, fields["Primary IP"]))
    return sorted(found)


def receivers(runner: StackThread) -> dict[str, tuple[str, str]]:
    """organization -> (receiver id, secret), registered once per state folder."""
    stack = runner.stack
    assert stack.clients is not None
    physical = stack.template.physical
    store = AlertReceiverStore(stack.clients.dynamodb, physical["StateTable"].ref)
    secrets = webhook_secrets(stack.clients, physical["WebhookSecret"].ref)
    out = {}
    for org in CLIENTS:
        receiver_id = f"bench-grafana-{org}"
        if store.get(receiver_id) is None:
            store.put(
                AlertReceiver(
                    receiver_id=receiver_id,
                    organization_id=org,
                    source="grafana",
                    created_at=datetime.now(UTC),
                )
            )
        out[org] = (receiver_id, secrets.secret(f"alert:{receiver_id}").get_secret_value())
    return out


def delivery(ip: str, name: str, status: str) -> dict[str, Any]:
    body: dict[str, Any] = copy.deepcopy(event("webhooks/grafana_alert_firing.json")["body"])
    alert = body["alerts"][0]
    alert["labels"] = {**alert["labels"], "alertname": name, "instance": f"{ip}:9182"}
    alert["fingerprint"] = uuid.uuid5(uuid.NAMESPACE_DNS, name).hex[:16]
    alert["status"] = body["status"] = status
    if status == "resolved":
        alert["endsAt"] = datetime.now(UTC).isoformat()
    return body


def listed(http: httpx.Client, org: str, name: str) -> dict[str, Any] | None:
    response = http.get("/v1/tickets", params={"org": org, "limit": 10})
    if response.status_code != 200:
        return None
    return next((t for t in response.json()["tickets"] if t["subject"].startswith(name)), None)


def wait(check: Any, what: str) -> Any:
    started = time.perf_counter()
    while (found := check()) is None:
        if time.perf_counter() - started > TIMEOUT_S:
            raise TimeoutError(f"{what} within {TIMEOUT_S:.0f}s")
        time.sleep(POLL_S)
    return found


def resolved(http: httpx.Client, ticket_id: str) -> bool | None:
    return True if http.get(f"/v1/tickets/{ticket_id}").json()["status"] == "resolved" else None


def one_alert(
    http: httpx.Client, hooks: dict[str, tuple[str, str]], target: tuple[str, str, str]
) -> tuple[float, float]:
    """(alert sent -> ticket listed, webhook answer) in seconds; then resolved, not timed."""
    org, server, ip = target
    receiver_id, secret = hooks[org]
    name = f"Bench alert {uuid.uuid4().hex[:10]}"
    path = f"/webhooks/alerts/grafana/{receiver_id}"
    auth = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    started = time.perf_counter()
    response = http.post(path, content=json.dumps(delivery(ip, name, "firing")), headers=auth)
    webhook_s = time.perf_counter() - started
    assert response.status_code == 202, response.text
    ticket = wait(lambda: listed(http, org, name), f"no ticket for {name} on {server}")
    took = time.perf_counter() - started
    assert ticket["asset_id"], ticket
    http.post(path, content=json.dumps(delivery(ip, name, "resolved")), headers=auth)
    wait(lambda: resolved(http, ticket["id"]), f"{ticket['id']} not resolved")
    return took, webhook_s


def show_first_message(http: httpx.Client) -> None:
    tickets = http.get("/v1/tickets", params={"org": "Acme Corp", "limit": 1}).json()["tickets"]
    ticket = http.get(f"/v1/tickets/{tickets[0]['id']}").json()
    print(ticket["messages"][0]["text"], file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--alerts", type=int, default=30)
    parser.add_argument("--home", help="state folder to keep (later runs start synced)")
    parser.add_argument(
        "--show-first", action="store_true", help="print the first ticket's message to stderr"
    )
    args = parser.parse_args()
    with state_folder(args.home) as home, running_stack(home, first_sync=True) as runner:
        stack = runner.stack
        hooks = receivers(runner)
        servers = sorted(targets(runner), key=lambda t: t[1] != "ACME-SQL01")  # the sample's first
        http = httpx.Client(
            base_url=stack.api_url,
            headers={"Authorization": f"Bearer {stack.admin_key}"},
            timeout=60,
        )
        latencies: list[float] = []
        webhook_times: list[float] = []
        for number in range(args.alerts + 2):
            took, webhook_s = one_alert(http, hooks, servers[number % len(servers)])
            if number == 0 and args.show_first:
                show_first_message(http)
            if number >= 2:
                latencies.append(took)
                webhook_times.append(webhook_s)
        print(
            json.dumps(
                {
                    **end_to_end_summary(latencies, webhook_times),
                    "servers": len(servers),
                    "poll_interval_s": POLL_S,
                    "machine": f"{os.cpu_count()} cores",
                }
            )
        )


if __name__ == "__main__":
    main()
