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
