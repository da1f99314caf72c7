"""Freshness of docs repositories: webhook received -> searchable, through the real path.

    python bench/freshness.py [--pushes 50]

1. `gluekb up` in-process on a fresh state folder (no IT Glue sync: nothing else competes); an
   organization and a local bare repository registered for it.
2. For each push: a commit adding a runbook with a word found nowhere else is pushed; the clock
   starts when GitHub's push webhook (signed, real-shaped) is sent to the local HTTP API and stops
   when /v1/search first returns the file for that word (polled every 50 ms). The path measured:
   API gateway -> webhooks function -> sync queue -> sync_worker (git) -> index queue ->
   embedding worker -> index -> api function.
3. Two warm-up pushes first (cold execution environments), not counted.

Prints one JSON object: `p50_s`, `p95_s`, `n`, and the parts around them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.index import end_to_end_summary
from bench.stack import running_stack
from gluekb.adapters.repo_registry import RepoRegistry
from gluekb.adapters.state_store import StateStore
from gluekb.models.organizations import RegisteredOrganization
from gluekb.services.repos.registration import register_repo
from gluekb.services.webhooks.signatures import derive_secret
from tests.git_support import LocalRepo
from tests.webhook_support import encode, github_headers

ORG = "4242"
POLL_S = 0.05
TIMEOUT_S = 120.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pushes", type=int, default=50)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="gluekb-bench-") as folder,
        running_stack(Path(folder) / "home", first_sync=False) as runner,
    ):
        stack = runner.stack
        assert stack.clients is not None
        physical = stack.template.physical
        StateStore(stack.clients.dynamodb, physical["StateTable"].ref).put_organization(
            RegisteredOrganization(id=ORG, name="Freshness Bench")
        )
        repo = LocalRepo(Path(folder))
        repo.write("README.md", "# Bench runbooks\n")
        repo.commit("start")
        repo.push()
        registration = register_repo(
            RepoRegistry(stack.clients.dynamodb, physical["StateTable"].ref),
            organization_id=ORG,
            url=str(repo.bare),
            provider="local",
            branch=None,
            now=datetime.now(UTC),
        )
        document = json.loads(
            stack.clients.secretsmanager.get_secret_value(SecretId=physical["WebhookSecret"].ref)[
                "SecretString"
            ]
        )
        secret = SecretStr(derive_secret(document["signing_secret"], "github"))
        http = httpx.Client(
            base_url=stack.api_url,
            headers={"Authorization": f"Bearer {stack.admin_key}"},
            timeout=60,
        )

        def searchable(word: str, path: str) -> bool:
            response = http.post(
                "/v1/search",
                json={"query": word, "organization": ORG, "types": ["git_file"], "limit": 5},
            )
            if response.status_code != 200:
                return False
            return any(r["source_id"].endswith(path) for r in response.json()["results"])

        latencies: list[float] = []
        webhook_times: list[float] = []
        for number in range(args.pushes + 2):
            word = f"fresh{uuid.uuid4().hex[:10]}"
            path = f"notes/push-{number:03d}.md"
            repo.write(path, f"# Push {number}\n\nThe token {word} marks this runbook.\n")
            repo.commit(f"push {number}")
            before, after = repo.push()
            headers, payload = repo.github_push(before, after)
            body = encode(payload)
            signed = github_headers(headers, secret, body)
            started = time.perf_counter()
            response = http.post("/webhooks/github", content=body, headers=signed)
            webhook_s = time.perf_counter() - started
            assert response.status_code == 202, response.text
            while not searchable(word, path):
                if time.perf_counter() - started > TIMEOUT_S:
                    raise TimeoutError(f"{path} was not searchable within {TIMEOUT_S:.0f}s")
                time.sleep(POLL_S)
            if number >= 2:
                latencies.append(time.perf_counter() - started)
                webhook_times.append(webhook_s)
        result = {
            **end_to_end_summary(latencies, webhook_times),
            "poll_interval_s": POLL_S,
            "repo_id": registration.repo_id,
            "machine": f"{os.cpu_count()} cores",
        }
        print(json.dumps(result))


if __name__ == "__main__":
    main()
