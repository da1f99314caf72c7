"""The commands a technician types, against the running stack with the demo tenant synced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gluekb_dev.demo.tenant import TenantStore
from tests.e2e.conftest import RunningStack
from tests.support import ROOT

GLUEKB = Path(sys.executable).with_name("gluekb")


def gluekb(
    stack: RunningStack, *args: str, key: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GLUEKB_", "AWS_"))}
    env["GLUEKB_HOME"] = str(stack.stack.home)
    if key:
        env["GLUEKB_API_KEY"] = key
    return subprocess.run(
        [str(GLUEKB), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_ask_prints_the_fact_with_its_source(synced_stack: RunningStack) -> None:
    # When a technician asks in plain words
    done = gluekb(synced_stack, "ask", "what is the firewall IP at Acme?")
    # Then the value comes from the firewall's record, with where it came from
    assert done.returncode == 0, done.stderr
    assert "10.10.0.1" in done.stdout
    assert "ACME-FW01" in done.stdout


def test_ask_json_and_search_json_are_the_api_answers(synced_stack: RunningStack) -> None:
    answer = json.loads(gluekb(synced_stack, "ask", "firewall IP at Acme", "--json").stdout)
    assert answer["found"] is True
    assert any(f["value"] == "10.10.0.1" for f in answer["facts"])
    hits = json.loads(gluekb(synced_stack, "search", "10.10.0.1", "--json").stdout)
    assert hits["results"][0]["title"] == "ACME-FW01"


def test_a_key_for_another_organization_gets_no_data(synced_stack: RunningStack) -> None:
    # Given a key that may see Contoso only (printed as the last line)
    created = gluekb(synced_stack, "keys", "create", "--orgs", "Contoso", "--scopes", "search")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    # When it asks about Acme
    done = gluekb(synced_stack, "ask", "what is the firewall IP at Acme?", "--json", key=key)
    # Then nothing of Acme comes back
    answer = json.loads(done.stdout)
    assert answer["found"] is False and "10.10.0.1" not in done.stdout


def test_sync_json_reports_an_unchanged_organization(synced_stack: RunningStack) -> None:
    # When nothing changed in IT Glue since the first sync (Initech: other tests read the
    # counts of Acme's first sync, and a new run replaces them)
    done = gluekb(synced_stack, "sync", "--org", "Initech", "--json")
    # Then the summary says so, at a cost of about one request per resource type
    assert done.returncode == 0, done.stderr
    (summary,) = json.loads(done.stdout).values()
    assert summary["state"] == "ok"
    resources = summary["resources"]
    assert {"configurations", "documents", "passwords"} <= set(resources)
    for kind, counts in resources.items():
        assert counts["created"] == counts["updated"] == counts["deleted"] == 0, kind
    # ... with what it holds per type, the documents in folders counted apart
    tenant = TenantStore(synced_stack.stack.home / "demo").load()
    documents = tenant.of_organization("documents", tenant.organization_named("Initech")["id"])
    assert summary["counts"]["documents"] == len(documents)
    assert summary["counts"]["documents_in_folders"] == sum(
        1 for d in documents if d["attributes"]["document-folder-id"] is not None
    )
    assert summary["warnings"] == []


def test_an_unknown_organization_is_one_clear_error(synced_stack: RunningStack) -> None:
    done = gluekb(synced_stack, "sync", "--org", "No Such Org")
    assert done.returncode != 0
    assert "No Such Org" in done.stderr and "Traceback" not in done.stderr


def test_progress_is_plain_lines_off_a_terminal_and_logs_go_to_the_log_file(
    synced_stack: RunningStack,
) -> None:
    log = synced_stack.stack.home / "logs" / "cli.log"
    before = log.stat().st_size if log.exists() else 0
    # When a sync runs with its output going to a pipe (not a terminal)
    done = gluekb(synced_stack, "sync", "--org", "Initech")
    # Then it prints plain progress lines and its result, and not one log record
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("Initech · configurations: ") for line in lines), lines
    assert lines[-1] == "Initech: ok"
    assert not [line for line in lines + done.stderr.splitlines() if line.startswith("{")]
    # And the log records went to the log file, as JSON, named after the CLI
    records = [json.loads(line) for line in log.read_text()[before:].splitlines()]
    assert records and {r["service"] for r in records} == {"gluekb-cli"}
    # And with -v they go to stderr instead
    verbose = gluekb(synced_stack, "-v", "sync", "--org", "Initech")
    assert [line for line in verbose.stderr.splitlines() if line.startswith('{"level"')]
    assert not [line for line in verbose.stdout.splitlines() if line.startswith("{")]


def test_index_rebuild_of_an_organization_leaves_its_search_results_as_they_were(
    synced_stack: RunningStack,
) -> None:
    def results() -> list[tuple[str, float]]:
        response = synced_stack.api(
            "POST", "/v1/search", json={"query": "printer", "organization": "Bluebird Bakery"}
        )
        return [(r["source_id"], r["score"]) for r in response.json()["results"]]

    before = results()
    done = gluekb(synced_stack, "index", "rebuild", "--org", "Bluebird Bakery", "--json")
    assert done.returncode == 0, done.stderr
    (report,) = json.loads(done.stdout)["organizations"]
    assert report["organization_name"] == "Bluebird Bakery" and report["records"] >= 20
    assert report["unreadable"] == [] and json.loads(done.stdout)["indexed_in_s"] is not None
    assert results() == before and before


def test_status_shows_the_stack_its_queues_syncs_and_the_alarms(
    synced_stack: RunningStack,
) -> None:
    done = gluekb(synced_stack, "status", "--json")
    assert done.returncode in (0, 1), done.stderr  # 1: an alarm is on (other tests' doing)
    status = json.loads(done.stdout)
    assert status["stack"]["api_url"] == synced_stack.stack.api_url
    queues = {q["logical_id"]: q for q in status["queues"]}
    assert {"SyncDeadLetterQueue", "IndexDeadLetterQueue", "MailDeadLetterQueue"} <= set(queues)
    assert {o["name"] for o in status["organizations"]} >= {"Acme Corp", "Contoso"}
    assert all(o["state"] == "ok" for o in status["organizations"])
    names = {a["name"] for a in status["alarms"]}
    assert {"sync-stale", "index-queue-stalled", "api-5xx-rate", "worker-unhealthy"} <= names
    alarm = {a["name"]: a for a in status["alarms"]}
    assert alarm["sync-stale"]["ok"] and alarm["worker-unhealthy"]["ok"]
    text = gluekb(synced_stack, "status")
    assert "alarms (local equivalents" in text.stdout and "Acme Corp" in text.stdout
