"""Webhooks on the local stack, end to end: a commit pushed to a (local, bare) docs repository
and its GitHub webhook make the changed file searchable, and a later push that removes it makes
it unsearchable. Registered and configured with the CLI, as a user does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from gluekb.adapters.state_store import StateStore
from gluekb.models.organizations import RegisteredOrganization
from tests.e2e.conftest import RunningStack
from tests.git_support import LocalRepo
from tests.support import ROOT, wait_until
from tests.webhook_support import encode, github_headers

pytestmark = pytest.mark.e2e
ORG = "9001"


def gluekb(stack: RunningStack, *args: str) -> str:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("gluekb")), *args],
        cwd=ROOT,
        env={**os.environ, "GLUEKB_HOME": str(stack.stack.home)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def found(stack: RunningStack, query: str) -> list[dict[str, Any]]:
    response = stack.api(
        "POST", "/v1/search", json={"query": query, "organization": ORG, "types": ["git_file"]}
    )
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def push_webhook(stack: RunningStack, repo: LocalRepo, before: str, after: str, secret: str) -> Any:
    headers, payload = repo.github_push(before, after)
    body = encode(payload)
    response = httpx.post(
        f"{stack.stack.api_url}/webhooks/github",
        content=body,
        headers=github_headers(headers, SecretStr(secret), body),
        timeout=30,
    )
    assert response.status_code == 202, response.text
    return response.json()


def test_a_pushed_commit_becomes_searchable_and_a_removed_file_unsearchable(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    stack = running_stack
    StateStore(stack.clients.dynamodb, stack.resource("StateTable")).put_organization(
        RegisteredOrganization(id=ORG, name="Northwind Traders")
    )
    repo = LocalRepo(tmp_path)
    repo.write("README.md", "# Northwind runbooks\n\nStart here.\n")
    repo.commit("start")
    repo.push()
    # Given the repository registered for the organization, and GitHub's webhook configured
    added = gluekb(stack, "repos", "add", "--org", ORG, "--url", str(repo.bare), "--no-index")
    assert "registered" in added
    urls = json.loads(gluekb(stack, "webhooks", "url", "--json"))["endpoints"]
    assert urls["github"]["url"] == f"{stack.stack.api_url}/webhooks/github"
    secret = urls["github"]["secret"]

    # When a runbook is committed and pushed, and GitHub delivers the push
    repo.write(
        "printers/quokkajet.md",
        "# QuokkaJet 9000 paper jams\n\nOpen tray 3 and release the zephyrine lever.\n",
    )
    repo.commit("QuokkaJet runbook")
    before, after = repo.push()
    receipt = push_webhook(stack, repo, before, after, secret)
    assert receipt["status"] == "queued"

    # Then the new file is found, with its organization, type and where it lives
    def indexed() -> list[dict[str, Any]]:
        return [
            r for r in found(stack, "zephyrine lever") if r["source_id"].endswith("quokkajet.md")
        ]

    (hit,) = wait_until(indexed, timeout_s=90, every_s=0.5)[:1]
    assert hit["type"] == "git_file"
    assert hit["organization_id"] == ORG
    assert hit["url"].endswith(f"#{after[:12]}:printers/quokkajet.md")

    # When the file is removed in a later push
    repo.remove("printers/quokkajet.md")
    repo.commit("QuokkaJet retired")
    before, after = repo.push()
    assert push_webhook(stack, repo, before, after, secret)["status"] == "queued"

    # Then it is no longer found
    wait_until(lambda: not indexed(), timeout_s=90, every_s=0.5)
    # And the README, which neither push touched, was never indexed behind the user's back
    assert not [
        r for r in found(stack, "Northwind runbooks start here") if "README" in r["source_id"]
    ]
    listed = gluekb(stack, "repos", "list", "--json")
    assert json.loads(listed)[0]["indexed_commit"] == after


def test_a_pushs_correlation_id_is_traced_from_the_webhook_to_the_index_write(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    stack = running_stack
    StateStore(stack.clients.dynamodb, stack.resource("StateTable")).put_organization(
        RegisteredOrganization(id=ORG, name="Northwind Traders")
    )
    repo = LocalRepo(tmp_path)
    repo.write("README.md", "# Northwind escalations\n")
    repo.commit("start")
    repo.push()
    gluekb(stack, "repos", "add", "--org", ORG, "--url", str(repo.bare), "--no-index")
    secret = json.loads(gluekb(stack, "webhooks", "url", "--json"))["endpoints"]["github"]["secret"]
    # Given a pushed runbook and GitHub's delivery of the push, answered with a request id
    repo.write("escalation/ladder.md", "# Escalation ladder\n\nCall the wombat desk first.\n")
    repo.commit("escalation ladder")
    before, after = repo.push()
    request_id = push_webhook(stack, repo, before, after, secret)["request_id"]

    # When the file has been indexed
    def index_written() -> list[dict[str, Any]] | None:
        lines: list[dict[str, Any]] = json.loads(gluekb(stack, "trace", request_id, "--json"))
        written = [line for line in lines if line["message"] == "index write"]
        return lines if written else None

    lines = wait_until(index_written, timeout_s=90, every_s=1)
    # Then `gluekb trace` follows that id from the webhook through the sync worker to the
    # embedding worker's index write, in that order
    sources = list(dict.fromkeys(line["source"] for line in lines))
    assert sources == ["webhooks", "sync_worker", "worker"], lines
    write = next(line for line in lines if line["message"] == "index write")
    assert write["facts"]["source_id"].endswith(":escalation/ladder.md")
    assert write["facts"]["status"] == "indexed"
    shown = gluekb(stack, "trace", request_id)
    assert shown.splitlines()[0].startswith(f"{request_id}: {len(lines)} lines from webhooks, ")
