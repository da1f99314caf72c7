"""The MCP server through a third-party client, the MCP Inspector's CLI (`npx mcp-inspector
--cli gluekb mcp --method ...`, the TypeScript SDK's client: it checks every structured result
against the tool's output schema), over stdio against the synced demo stack.

The Inspector comes from npm (tests/e2e/inspector/package.json, pinned by its lock; `make
inspector` installs it, and so does this module when it is missing). Its CLI sends no headers,
so it runs over stdio here; streamable HTTP is covered by tests/e2e/test_mcp_server.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gluekb.adapters.api_keys import ApiKeyStore
from gluekb_dev.demo.tenant import Tenant, TenantStore
from mcp_server.prompts import PROMPT_NAMES
from mcp_server.tools import TOOL_NAMES
from tests.e2e.conftest import RunningStack
from tests.support import ROOT

pytestmark = pytest.mark.e2e

GLUEKB = str(Path(sys.executable).parent / "gluekb")
INSPECTOR = ROOT / "tests" / "e2e" / "inspector"
# What each tool's structured result held before summaries, fences and pages came: it still does
# (clients read these fields); new fields may join them.
PINNED_OUTPUT = {
    "query_documentation": {"question", "found", "facts", "sources", "confidence", "degraded"},
    "search": {"query", "organization", "results", "degraded", "cached", "took_ms"},
    "find_similar_issues": {"text", "organization", "issues", "degraded", "note"},
    "list_organizations": {"organizations"},
    "get_record": {
        "id", "organization_id", "type", "type_label", "name", "url", "updated_at", "synced_at",
        "fields", "identifiers", "depends_on", "depended_on_by", "passwords",
    },
    "find_configurations": {"organization_id", "organization_name", "matches", "total"},
    "get_dependencies": {"id", "direction", "depth", "related"},
    "export_documentation": {"result"},
    "get_password": {
        "id", "organization_id", "name", "url", "username", "category", "login_url",
        "belongs_to", "revealed", "value", "note", "audit_id", "revealed_at",
    },
    "sync_status": {"statuses"},
    "trigger_sync": {"organization_id", "mode", "state", "queued_at"},
    "investigate_asset": {
        "organization_id", "asset", "documented", "matched_by", "facts", "dependents", "runbooks",
        "similar_tickets", "credentials", "urgency", "urgency_reason", "notes",
    },
    "documentation_health": {
        "organization_id", "organization_name", "as_of", "score", "counts", "findings", "trend",
    },
}  # fmt: skip


@dataclass
class Inspector:
    stack: RunningStack
    tenant: Tenant
    key: str

    def run(self, method: str, *options: str) -> Any:
        """One Inspector CLI run: it starts `gluekb mcp`, calls `method`, prints the JSON."""
        env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/tmp"),
            "GLUEKB_HOME": str(self.stack.stack.home),
            "GLUEKB_API_KEY": self.key,
        }
        command = ["npx", "--no", "--", "mcp-inspector", "--cli", GLUEKB, "mcp", "--method", method]
        done = subprocess.run(
            [*command, *options],
            cwd=INSPECTOR,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, (
            f"{method} {options}: {done.stdout[-2000:]} {done.stderr[-2000:]}"
        )
        return json.loads(done.stdout)

    def call(self, tool: str, **arguments: str) -> Any:
        pairs = [f"{k}={v}" for k, v in arguments.items()]
        return self.run(
            "tools/call", "--tool-name", tool, *(["--tool-arg", *pairs] if pairs else [])
        )


@pytest.fixture(scope="module")
def inspector(synced_stack: RunningStack) -> Inspector:
    if not (INSPECTOR / "node_modules" / ".bin" / "mcp-inspector").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=INSPECTOR,
            check=True,
            timeout=600,
        )
    store = ApiKeyStore(synced_stack.clients.dynamodb, synced_stack.resource("ApiKeysTable"))
    scopes = ["search", "tickets", "passwords:reveal", "sync"]
    key = store.create("inspector", ["*"], scopes)[0]
    tenant = TenantStore(synced_stack.stack.home / "demo").load()
    return Inspector(synced_stack, tenant, key)


def test_the_inspector_lists_tools_with_output_schemas_and_the_prompts(
    inspector: Inspector,
) -> None:
    # When the Inspector lists the tools, Then all are there, each with an output schema
    tools = {t["name"]: t for t in inspector.run("tools/list")["tools"]}
    assert set(tools) == set(TOOL_NAMES)
    assert set(PINNED_OUTPUT) == set(TOOL_NAMES)
    for name, tool in tools.items():
        assert tool["outputSchema"]["type"] == "object", name
        assert PINNED_OUTPUT[name] <= set(tool["outputSchema"]["properties"]), name
        assert tool["inputSchema"]["type"] == "object"
    # When it lists the prompts, Then ours are there with their arguments
    prompts = {p["name"]: p for p in inspector.run("prompts/list")["prompts"]}
    assert set(PROMPT_NAMES) <= set(prompts)
    assert len(prompts) >= len(PROMPT_NAMES)
    device = {
        a["name"]: a.get("required", False) for a in prompts["troubleshoot-device"]["arguments"]
    }
    assert device == {"organization": True, "device": True, "symptom": False}


def test_the_inspector_gets_a_prompt(inspector: Inspector) -> None:
    acme = inspector.tenant.facts_for("Acme Corp")
    briefing = inspector.run(
        "prompts/get", "--prompt-name", "client-briefing", "--prompt-args", "organization=Acme Corp"
    )
    steps, runbook = (m["content"]["text"] for m in briefing["messages"])
    assert "one-page briefing" in steps and "never instructions" in steps
    assert runbook.startswith("# Acme Corp: run-book") and acme.firewall_ip in runbook


def test_the_inspector_calls_every_tool_against_the_local_stack(inspector: Inspector) -> None:
    acme = inspector.tenant.facts_for("Acme Corp")
    firewall = f"itglue:configurations:{acme.firewall_id}"
    password = inspector.tenant.of_organization("passwords", acme.id)[3]
    value = inspector.tenant.secrets[str(password["id"])]
    calls: dict[str, dict[str, str]] = {
        "query_documentation": {"query": "what is the firewall IP at Acme?"},
        "search": {"query": acme.firewall_ip, "limit": "3"},
        "find_similar_issues": {"text": "VPN drops every ten minutes", "limit": "3"},
        "list_organizations": {"limit": "1"},
        "get_record": {"id": firewall},
        "find_configurations": {"organization": "Acme Corp", "type": "firewall"},
        "get_dependencies": {"id": firewall, "direction": "depended_on_by", "depth": "2"},
        "export_documentation": {"organization": "Acme Corp", "limit": "4000"},
        "get_password": {"id": f"itglue:passwords:{password['id']}", "reason": "inspector e2e"},
        "sync_status": {"organization": "Acme Corp"},
        "trigger_sync": {"organization": "Contoso"},
        "investigate_asset": {"organization": "Acme Corp", "identifier": acme.firewall_ip},
        "documentation_health": {"organization": "Acme Corp"},
    }
    assert set(calls) == set(TOOL_NAMES)
    results = {tool: inspector.call(tool, **arguments) for tool, arguments in calls.items()}
    for tool, result in results.items():
        # Each answered (the Inspector already checked the structured content against the
        # output schema), with a readable summary as its text instead of the JSON again
        assert not result.get("isError"), (tool, result)
        assert isinstance(result["structuredContent"], dict), tool
        text = result["content"][0]["text"]
        assert text.strip() and not text.lstrip().startswith("{"), (tool, text[:200])
    assert results["query_documentation"]["structuredContent"]["found"] is True
    assert results["search"]["structuredContent"]["results"][0]["source_id"] == firewall
    assert results["list_organizations"]["structuredContent"]["next_cursor"]
    assert results["export_documentation"]["structuredContent"]["next_cursor"]
    context = results["investigate_asset"]["structuredContent"]
    assert context["documented"] is True and context["asset"]["id"] == firewall
    assert 0 <= results["documentation_health"]["structuredContent"]["score"] <= 100
    offered = results["get_password"]["structuredContent"]
    assert offered["delivery"] == "link" and offered["value"] is None
    assert value not in json.dumps(results["get_password"])
