"""Console pages inside the api function: how long each page's HTML takes (API Gateway event in,
response out, through Mangum and FastAPI, on template.yaml provisioned on in-process moto), not
counting the search or answer itself, and how much a page weighs with its stylesheet and script.

Targets (issue 13): p50 <= 50 ms per page; a page with its assets <= 150 KB.

    python bench/console.py [--requests 40] [--organizations 7]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/<name>.py`, this folder comes first on sys.path, where a bench module
# would shadow a package of the same name; the project root goes there instead.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import json
import os
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from datetime import UTC, datetime
from typing import Any

os.environ.update(
    AWS_ACCESS_KEY_ID="bench",
    AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - moto's placeholder
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_METRICS_NAMESPACE="gluekb",
    POWERTOOLS_METRICS_DISABLED="true",  # the handler would print a metrics line per request
    POWERTOOLS_SERVICE_NAME="api",
)
os.environ.pop("AWS_ENDPOINT_URL", None)
warnings.filterwarnings("ignore", message="No application metrics to publish")

from bench.index import percentile_ms
from gluekb.adapters.api_keys import ApiKeyStore
from gluekb.adapters.audit_log import AuditLog
from gluekb.adapters.aws import AwsClients
from gluekb.adapters.catalog_store import CatalogStore
from gluekb.adapters.state_store import StateStore
from gluekb.models.audit import AuditEntry
from gluekb.models.catalog import CatalogRecord, Edge
from gluekb.models.documents import RecordField
from gluekb.models.organizations import RegisteredOrganization
from gluekb.models.sync import ResourceSummary
from gluekb_dev.stack import moto_patches
from tests.console_support import ConsoleClient
from tests.support import environment, load_handler

PAGE_P50_MS = 50.0
PAGE_BYTES = 150 * 1024
SECRET = '{"session_secret": "bench-console-session-secret-0123456789abcdef"}'  # noqa: S105


def provision(tmp: Path) -> tuple[AwsClients, dict[str, str]]:
    """template.yaml on in-process moto, and the api function's environment as deployed (the
    embedded index in `tmp`, an embedder where nothing listens: searches are BM25 only)."""
    from gluekb_dev.stack.embedded import LOCAL_PARAMETERS
    from gluekb_dev.stack.provision import Provisioner
    from gluekb_dev.stack.template import Template

    clients = AwsClients("us-east-1")
    template = Template(Path(__file__).resolve().parents[1] / "template.yaml", LOCAL_PARAMETERS)
    secrets = {"WebhookSecret": '{"signing_secret": "bench"}', "ConsoleSessionSecret": SECRET}
    Provisioner(template, clients, secrets, tls=False).provision()
    env = template.function_environment("api")
    env.update(
        GLUEKB_SEARCH_BACKEND="embedded",
        GLUEKB_INDEX_PATH=str(tmp / "index"),
        GLUEKB_EMBEDDER_URL="http://127.0.0.1:9",
        GLUEKB_EMBEDDER_TIMEOUT_S="0.2",
    )
    return clients, env


def _record(org: str, kind: str, n: int, now: datetime, fields: list[RecordField]) -> CatalogRecord:
    return CatalogRecord(
        source_id=f"itglue:{kind}:{org}{n:04d}",
        organization_id=org,
        resource_type=kind,
        record_id=f"{org}{n:04d}",
        name=f"ORG{org}-{kind[:3].upper()}{n:02d}",
        content_hash=f"h{n}",
        raw_key=f"records/{org}/{kind}/{n}.json",
        url=f"https://demo.itglue.com/{org}/{kind}/{org}{n:04d}",
        synced_at=now,
        identifiers={"ip": [f"10.{n}.0.1"], "hostname": [f"org{org}-{n}"]},
        fields=fields,
    )


def seed(env: dict[str, str], clients: AwsClients, organizations: int) -> dict[str, str]:
    """Organizations with sync history, configurations with fields and edges, passwords and audit
    entries: what the pages read. Returns ids the bench opens."""
    state = StateStore(clients.dynamodb, env["GLUEKB_STATE_TABLE"])
    catalog = CatalogStore(clients.dynamodb, env["GLUEKB_CATALOG_TABLE"])
    audit = AuditLog(clients.dynamodb, env["GLUEKB_AUDIT_TABLE"])
    now = datetime.now(UTC)
    fields = [RecordField(name=f"Field {i}", value=f"value {i}") for i in range(14)]
    fields += [RecordField(name=f"Interface eth{i}", value=f"10.0.0.{i}") for i in range(3)]
    for o in range(organizations):
        org = str(1001 + o)
        state.put_organization(
            RegisteredOrganization(id=org, name=f"Organization {o + 1}", short_name=f"ORG{o + 1}")
        )
        status = state.sync_status(org)
        status.state, status.finished_at, status.last_success_at = "ok", now, now
        status.resources = {
            t: ResourceSummary(fetched=40, unchanged=40) for t in ("configs", "docs")
        }
        state.save_sync_status(status)
        records = [_record(org, "configurations", n, now, fields) for n in range(20)]
        pw = [
            RecordField(name="Username", value="admin"),
            RecordField(name="Category", value="Net"),
        ]
        records += [_record(org, "passwords", n, now, pw) for n in range(10)]
        catalog.put_many(records)
        for n in range(1, 4):
            edge = Edge(
                source_id=records[n].source_id,
                target_id=records[0].source_id,
                kind="depends_on",
                relation="Gateway",
                organization_id=org,
            )
            catalog.set_edges(records[n].source_id, [edge])
        for n in range(5):
            audit.write(
                AuditEntry(
                    audit_id=f"a{org}{n}",
                    action="password.reveal",
                    at=now,
                    key_id="k",
                    key_name="bench",
                    organization_id=org,
                    record_id=records[20].source_id,
                    record_name=records[20].name,
                    reason="bench",
                    via="api",
                )
            )
    return {"record": "itglue:configurations:10010000", "password": "itglue:passwords:10010000"}


@contextmanager
def timed_aws_calls(clients: Any) -> Iterator[list[tuple[float, float]]]:
    """(start, end) of each AWS call (here: moto, in this process) during a request."""
    spans: list[tuple[float, float]] = []
    starts: dict[int, float] = {}

    def before(**kwargs: Any) -> None:
        starts[id(kwargs.get("context"))] = time.perf_counter()

    def after(**kwargs: Any) -> None:
        started = starts.pop(id(kwargs.get("context")), None)
        if started is not None:
            spans.append((started, time.perf_counter()))

    for client in (clients.dynamodb, clients.sqs, clients.s3):
        client.meta.events.register("before-call.*.*", before)
        client.meta.events.register("after-call.*.*", after)
    yield spans


def covered(spans: list[tuple[float, float]]) -> float:
    """Wall time covered by the spans (parallel calls count once)."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(spans):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


@contextmanager
def timed_searches(deps: Any) -> Iterator[list[float]]:
    """Time spent in search and answers during a request (the bench leaves it out)."""
    spent: list[float] = []
    services = deps.services
    originals = (services.search.search, services.answers.ask)

    def timing(call: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                spent.append(time.perf_counter() - started)

        return run

    services.search.search, services.answers.ask = (timing(c) for c in originals)
    try:
        yield spent
    finally:
        services.search.search, services.answers.ask = originals


def measure(
    spent: list[float], aws: list[tuple[float, float]], request: Callable[[], Any], n: int
) -> dict[str, float]:
    totals: list[float] = []
    outside: list[float] = []
    in_aws: list[float] = []
    calls: list[int] = []
    for _ in range(3):
        request()  # warm: templates compiled, caches filled, as in a warm execution environment
    for _ in range(n):
        spent.clear()
        aws.clear()
        started = time.perf_counter()
        page = request()
        total = time.perf_counter() - started
        assert page.status in (200, 303), (page.status, page.body[:300])
        totals.append(total)
        outside.append(total - sum(spent))
        in_aws.append(covered(aws))
        calls.append(len(aws))
    return {
        "p50_ms": percentile_ms(outside, 50),
        "p95_ms": percentile_ms(outside, 95),
        "with_search_p50_ms": percentile_ms(totals, 50),
        "aws_calls": max(calls),
        "aws_p50_ms": percentile_ms(in_aws, 50),
        "own_p50_ms": percentile_ms([t - a for t, a in zip(outside, in_aws, strict=True)], 50),
    }


def pages(client: ConsoleClient, ids: dict[str, str], token: str) -> dict[str, Callable[[], Any]]:
    ask = {"csrf_token": token, "question": "what is the firewall IP at Organization 1?"}
    return {
        "sign-in": lambda: ConsoleClient(client.handler).get("/console/sign-in"),
        "ask": lambda: client.get("/console/ask"),
        "ask (answer)": lambda: client.post("/console/ask", ask),
        "search": lambda: client.get("/console/search", q="ORG1001-CON01 gateway"),
        "organizations": lambda: client.get("/console/organizations"),
        "record": lambda: client.get(f"/console/records/{ids['record']}"),
        "tickets": lambda: client.get("/console/tickets"),
        "ticket": lambda: client.get(f"/console/tickets/{ids['ticket']}"),
        "passwords": lambda: client.get("/console/passwords", org="1001"),
        "password": lambda: client.get(f"/console/passwords/{ids['password']}"),
        "audit log": lambda: client.get("/console/audit"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--organizations", type=int, default=7)
    args = parser.parse_args()
    from moto import mock_aws

    moto_patches.apply()
    # The function logs each request to stdout, as in Lambda (its cost counts); this prints JSON.
    with (
        tempfile.TemporaryDirectory() as tmp,
        mock_aws(),
        open(os.devnull, "w") as quiet,
        redirect_stdout(quiet),
    ):
        clients, env = provision(Path(tmp))
        ids = seed(env, clients, args.organizations)
        keys = ApiKeyStore(clients.dynamodb, env["GLUEKB_KEYS_TABLE"])
        key, _ = keys.create("bench admin", ["*"], ["admin"])
        with environment(env):
            handler = load_handler("api")
            deps = sys.modules["app.deps"]
            client = ConsoleClient(handler)
            client.sign_in(key)
            token = client.csrf()
            opened = client.post(
                "/console/tickets/new",
                {
                    "csrf_token": token,
                    "organization": "1001",
                    "requester_email": "a@b.example",
                    "subject": "VPN drops",
                    "text": "The VPN drops every ten minutes.",
                },
            )
            ids["ticket"] = opened.location.rsplit("/", 1)[1]
            report = run_pages(client, deps, ids, token, args.requests)
    print(json.dumps(report, indent=2))


def run_pages(
    client: ConsoleClient, deps: Any, ids: dict[str, str], token: str, n: int
) -> dict[str, Any]:
    assets = sum(
        len(client.get(f"/console/assets/{name}").body) for name in ("console.css", "console.js")
    )
    results: dict[str, Any] = {}
    with timed_searches(deps) as spent, timed_aws_calls(deps.services.clients) as aws:
        for name, request in pages(client, ids, token).items():
            timing = measure(spent, aws, request, n)
            html = len(request().body.encode())
            results[name] = timing | {"html_bytes": html, "with_assets_bytes": html + assets}
    slowest = max(r["own_p50_ms"] for r in results.values())
    heaviest = max(r["with_assets_bytes"] for r in results.values())
    return {
        "bench": "console",
        "machine": f"{os.cpu_count()} cores",
        "requests_per_page": n,
        "note": "p50_ms: in-function time per page (event -> response), search/answer left out; "
        "aws_p50_ms: of which waiting on AWS calls (wall time; parallel calls once), here moto "
        "emulating DynamoDB in this same process "
        "(its CPU, not the function's in AWS); own_p50_ms: the function's own work",
        "pages": results,
        "assets_bytes": assets,
        "slowest_own_p50_ms": slowest,
        "slowest_p50_ms_with_emulated_aws": max(r["p50_ms"] for r in results.values()),
        "heaviest_page_bytes": heaviest,
        "targets": {"own_p50_ms": PAGE_P50_MS, "page_bytes": PAGE_BYTES},
        "ok": slowest <= PAGE_P50_MS and heaviest <= PAGE_BYTES,
    }


if __name__ == "__main__":
    main()
