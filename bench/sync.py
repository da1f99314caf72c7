"""IT Glue sync throughput and request cost on the demo tenant.

    python bench/sync.py [--rate 9] [--page-size 1000]

The real sync path: the async IT Glue client over HTTP against the demo IT Glue server, the
shared DynamoDB token bucket at `--rate` requests/s (the production default is 9; 0 = no
limiter, to show what the sync itself costs), and template.yaml's tables, bucket and index queue
on moto. Three runs, as the schedule would make them:

1. `full`: the first sync of every organization (discovery + every resource type).
2. `unchanged`: an incremental sync with nothing changed in IT Glue.
3. `incremental`: an incremental sync after one `demo mutate` step.

Requests are counted where IT Glue would count them, at the server, in all and per resource
type (`requests_by_type`: the last path segment naming a type, so a document's sections count as
`sections` and the folder tree as `document_folders`). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moto import mock_aws

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.itglue import ItGlueClient
from gluekb.adapters.rate_limit import DynamoDbTokenBucket, RateLimiter, Unlimited
from gluekb.models.sync import SyncJob, SyncStatus
from gluekb.services.sync.organization_sync import (
    OrganizationSync,
    SyncOptions,
    SyncStores,
    discover_organizations,
)
from gluekb.settings import SyncWorkerSettings, settings_from
from gluekb.wiring.sync import sync_stores
from gluekb_dev.demo.server import DemoItGlueServer, DemoServerConfig
from gluekb_dev.demo.tenant import TenantStore
from gluekb_dev.stack.embedded import LOCAL_PARAMETERS
from gluekb_dev.stack.provision import Provisioner
from gluekb_dev.stack.template import Template

ROOT = Path(__file__).resolve().parents[1]
STACK = "gluekb-local"
KEY = "ITG.bench-key"


async def sync_everything(
    server: DemoItGlueServer,
    stores: SyncStores,
    limiter: RateLimiter,
    page_size: int,
    mode: str,
) -> dict[str, Any]:
    """One scheduled run: discover the organizations, then sync each; timed and counted."""
    before = len(server.requests)
    started = time.perf_counter()
    async with ItGlueClient(server.url, KEY, limiter=limiter, page_size=page_size) as client:
        organizations = await discover_organizations(client, stores.state, datetime.now(UTC))
        statuses: list[SyncStatus] = []
        for org in organizations:
            job = SyncJob(
                organization_id=org, mode=mode, reason="schedule", requested_at=datetime.now(UTC)
            )
            statuses.append(await OrganizationSync(client, stores, SyncOptions()).run(job))
    seconds = time.perf_counter() - started
    failed = [s.organization_id for s in statuses if s.state != "ok"]
    if failed:
        raise SystemExit(f"sync failed for organizations {failed}")
    totals = {"fetched": 0, "created": 0, "updated": 0, "deleted": 0, "unchanged": 0}
    for status in statuses:
        for summary in status.resources.values():
            for name in totals:
                totals[name] += getattr(summary, name)
    changed = totals["created"] + totals["updated"] + totals["deleted"]
    return {
        "seconds": round(seconds, 2),
        "requests": len(server.requests) - before,
        "requests_by_type": _by_type(server.requests[before:]),
        "organizations": len(organizations),
        **totals,
        "records_per_s": round(totals["fetched"] / seconds, 1),
        "changed_records": changed,
    }


def _by_type(requests: list[Any]) -> dict[str, int]:
    """Requests per resource type: the last path segment that is not an id."""
    kinds = Counter(
        next(s for s in reversed(r.path.strip("/").split("/")) if not s.isdigit()) for r in requests
    )
    return dict(sorted(kinds.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=9.0, help="requests/s; 0 = no limiter")
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, mock_aws():
        tenant = TenantStore(Path(tmp) / "tenant")
        tenant.ensure(seed=42)
        clients = AwsClients("us-east-1")
        template = Template(ROOT / "template.yaml", LOCAL_PARAMETERS, stack_name=STACK)
        secrets = {"WebhookSecret": "{}", "ConsoleSessionSecret": "{}"}
        Provisioner(template, clients, secrets, tls=False).provision()
        environment = template.function_environment("sync_worker")
        settings = settings_from(SyncWorkerSettings, environment)
        stores = sync_stores(settings, clients)
        limiter: RateLimiter = (
            DynamoDbTokenBucket(clients.dynamodb, settings.state_table, rate_per_s=args.rate)
            if args.rate
            else Unlimited()
        )
        server = DemoItGlueServer(tenant.directory, DemoServerConfig(api_key=KEY))
        with server.running():
            full = asyncio.run(sync_everything(server, stores, limiter, args.page_size, "full"))
            unchanged = asyncio.run(
                sync_everything(server, stores, limiter, args.page_size, "incremental")
            )
            report = tenant.mutate()
            incremental = asyncio.run(
                sync_everything(server, stores, limiter, args.page_size, "incremental")
            )
        # Interfaces and sections change with their configuration or document: count records.
        mutated = sum(
            len(ids)
            for kind in ("created", "updated", "deleted")
            for resource, ids in getattr(report, kind).items()
            if resource not in ("configuration_interfaces", "document_sections")
        )
    print(
        json.dumps(
            {
                "rate_limit_per_s": args.rate or None,
                "page_size": args.page_size,
                "load_average_1m": round(os.getloadavg()[0], 2),
                "full": full,
                "unchanged": unchanged,
                "incremental": {**incremental, "records_mutated_in_itglue": mutated},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
