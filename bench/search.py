"""Query latency through the real HTTP path, next to the floor measured in the same run.

    python bench/search.py [--chunks 100000]

1. `gluekb up` in-process on a fresh state folder; the demo tenant is synced and indexed.
2. Synthetic load: `--chunks` more chunks (random unit vectors, text from a fixed vocabulary) in
   200 more organizations, registered like real ones, so the index holds >= 100k chunks.
3. >= 200 varied /v1/search queries (identifiers, topics, organizations of every size) and
   >= 200 /v1/ask questions, each once (cache misses), over HTTP with keep-alive.
4. The floor per query: its embedding from the worker's POST /embed plus an exact NumPy scan of
   the same organization's vectors (top 10). `ratio` = search p50 / floor p50.
5. Cache hits: searches repeated right after their miss (a hit needs the same execution
   environment, as in Lambda; the hit rate is reported). And the api function's cold import.

Prints one JSON object.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/<name>.py`, this folder comes first on sys.path, where a bench module
# could stand in for a standard library one: the project root takes its place.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from typing import Any

import apsw
import httpx
import numpy as np
import sqlite_vec

from bench.index import corpus, operation, percentile_ms, unit_vectors
from bench.stack import ROOT, running_stack
from gluekb.adapters.catalog_store import CatalogStore
from gluekb.adapters.embedded_index import EmbeddedIndex
from gluekb.adapters.embedder import HttpEmbedder
from gluekb.adapters.state_store import StateStore
from gluekb.models.organizations import RegisteredOrganization
from gluekb_dev.demo.tenant import TenantStore

TOPICS = (
    "restore the nightly backup", "vpn setup for remote users", "printer troubleshooting",
    "switch configuration standards", "new user onboarding", "escalation matrix",
    "firewall rule change", "wireless network", "domain renewal", "line of business application",
    "email not delivered", "server patching schedule", "password rotation policy",
    "internet outage", "disaster recovery plan",
)  # fmt: skip
QUESTIONS = (
    "what is the firewall IP at {org}?", "which servers at {org} run SQL?",
    "who is the main contact at {org}?", "what is the ISP at {org}?",
    "what breaks if the mail server goes down at {org}?", "what is the backup schedule at {org}?",
)  # fmt: skip


def org_vectors(index_file: Path, org: str) -> np.ndarray:
    """Every vector of one organization, read straight from the index file (the floor's data)."""
    connection = apsw.Connection(str(index_file), flags=apsw.SQLITE_OPEN_READONLY)
    connection.enable_load_extension(True)
    connection.load_extension(sqlite_vec.loadable_path())
    rows = connection.execute(
        "SELECT embedding FROM chunk_vectors WHERE org = ?", (org,)
    ).fetchall()
    connection.close()
    blob = b"".join(bytes(row[0]) for row in rows)  # type: ignore[arg-type]
    return np.frombuffer(blob, dtype=np.float32).reshape(len(rows), -1)


def add_synthetic_load(home: Path, state: StateStore, chunks: int) -> list[str]:
    rng = np.random.default_rng(7)
    index = EmbeddedIndex(home / "index", writer=True)
    batch: list[Any] = []
    organizations: set[str] = set()
    for serial, (org, parts) in enumerate(corpus(chunks, rng)):
        organizations.add(org)
        batch.append(operation(f"bench:{serial}", org, parts, unit_vectors(rng, len(parts))))
        if len(batch) >= 500:
            index.write(batch)
            batch = []
    if batch:
        index.write(batch)
    index.close()
    for org in sorted(organizations):
        state.put_organization(
            RegisteredOrganization(id=org, name=f"Synthetic {org}", short_name=org)
        )
    return sorted(organizations)


def cold_import_ms(environment: dict[str, str]) -> float:
    code = "import time; t=time.perf_counter(); import handler; print((time.perf_counter()-t)*1000)"
    env = {**os.environ, **environment, "PYTHONPATH": str(ROOT / "functions/api")}
    samples = []
    for _ in range(5):
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT / "functions/api",
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return round(statistics.median(samples), 1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chunks", type=int, default=100_000, help="synthetic chunks added")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="gluekb-bench-") as folder,
        # No scheduled sync during the run: its discovery would forget the synthetic
        # organizations (they are not in IT Glue) and compete for the CPU.
        running_stack(Path(folder), parameters={"SyncSchedule": "rate(1 day)"}) as runner,
    ):
        stack = runner.stack
        home = stack.home
        assert stack.clients is not None
        state = StateStore(stack.clients.dynamodb, stack.template.physical["StateTable"].ref)
        catalog = CatalogStore(stack.clients.dynamodb, stack.template.physical["CatalogTable"].ref)
        demo = {o.id: o.name for o in state.organizations()}
        tenant = TenantStore(home / "demo").load()
        started = time.perf_counter()
        synthetic = add_synthetic_load(home, state, args.chunks)
        print(f"synthetic load written in {time.perf_counter() - started:.0f}s", file=sys.stderr)
        time.sleep(31)  # the API's organization directory re-reads the registry every 30 s

        searches: list[tuple[str, str]] = []
        asks: list[tuple[str, str]] = []
        for org, name in demo.items():
            facts = tenant.facts_for(name)
            searches.append((facts.firewall_ip, org))
            searches += [(topic, org) for topic in TOPICS]
            names = [r.name for r in catalog.records_of(org, "configurations")][:30]
            searches += [(n, org) for n in names[:8]]
            asks += [(q.format(org=name), org) for q in QUESTIONS]
            asks += [(f"what is the serial number of {n}?", org) for n in names[:12]]
            asks += [(f"where is {n}?", org) for n in names[12:24]]
        rng = np.random.default_rng(3)
        words = " ".join(text for _, parts in corpus(2000, rng) for _, text, _ in parts[:1]).split()
        for n in range(80):
            org = synthetic[n % len(synthetic)]
            searches.append((" ".join(rng.choice(words, size=3)), org))

        http = httpx.Client(
            base_url=stack.api_url,
            headers={"Authorization": f"Bearer {stack.admin_key}"},
            timeout=60,
        )
        embedder = HttpEmbedder(stack.worker_url, timeout_s=30)
        embedder.embed(["warm up"])
        http.post("/v1/search", json={"query": "warm up", "organization": next(iter(demo))})

        search_times: list[float] = []
        floor_times: list[float] = []
        hit_times: list[float] = []
        # The same, as the api function measured it: without the gateway and Runtime API hops.
        in_function: list[float] = []
        hit_in_function: list[float] = []
        repeats = 0
        vectors_by_org: dict[str, np.ndarray] = {}
        for query, org in searches:
            begun = time.perf_counter()
            response = http.post(
                "/v1/search", json={"query": query, "organization": org, "limit": 10}
            )
            search_times.append(time.perf_counter() - begun)
            in_function.append(response.json()["took_ms"] / 1000)
            assert response.status_code == 200 and not response.json()["cached"], (
                query,
                org,
                response.text,
            )
            begun = time.perf_counter()
            vector = embedder.embed([query])[0]
            embed_s = time.perf_counter() - begun
            matrix = vectors_by_org.setdefault(
                org, org_vectors(home / "index" / "chunks.sqlite3", org)
            )
            begun = time.perf_counter()
            scores = matrix @ vector
            top = np.argpartition(-scores, min(10, len(scores) - 1))[:10]
            top[np.argsort(-scores[top])]
            floor_times.append(embed_s + time.perf_counter() - begun)
            if len(hit_times) < 100:  # the same query again, within the cache's TTL
                begun = time.perf_counter()
                response = http.post(
                    "/v1/search", json={"query": query, "organization": org, "limit": 10}
                )
                elapsed = time.perf_counter() - begun
                if response.json()["cached"]:  # another execution environment has its own
                    hit_times.append(elapsed)
                    hit_in_function.append(response.json()["took_ms"] / 1000)
                repeats += 1

        ask_times = []
        found = 0
        for question, org in asks:
            begun = time.perf_counter()
            response = http.post("/v1/ask", json={"question": question, "organization": org})
            ask_times.append(time.perf_counter() - begun)
            found += bool(response.json().get("found"))

        all_times = []
        for query, _ in searches[:30]:
            begun = time.perf_counter()
            http.post("/v1/search", json={"query": f"{query} everywhere", "limit": 10})
            all_times.append(time.perf_counter() - begun)

        probe = EmbeddedIndex(home / "index")
        chunks = probe.count()
        probe.close()
        result = {
            "chunks": chunks,
            "organizations": len(demo) + len(synthetic),
            "search_queries": len(searches),
            "ask_questions": len(asks),
            "search_p50_ms": percentile_ms(search_times, 50),
            "search_p95_ms": percentile_ms(search_times, 95),
            "ask_p50_ms": percentile_ms(ask_times, 50),
            "ask_p95_ms": percentile_ms(ask_times, 95),
            "ask_found_ratio": round(found / len(asks), 2),
            "floor_p50_ms": percentile_ms(floor_times, 50),
            "ratio": round(percentile_ms(search_times, 50) / percentile_ms(floor_times, 50), 2),
            "search_in_function_p50_ms": percentile_ms(in_function, 50),
            "cache_hit_p50_ms": percentile_ms(hit_times, 50),
            "cache_hit_in_function_p50_ms": percentile_ms(hit_in_function, 50),
            "cache_hit_rate_on_repeat": round(len(hit_times) / repeats, 2),
            "search_all_orgs_p50_ms": percentile_ms(all_times, 50),
            "api_cold_import_ms": cold_import_ms(stack.function_environment["ApiFunction"]),
            "machine": f"{os.cpu_count()} cores",
        }
        print(json.dumps(result))


if __name__ == "__main__":
    main()
