"""The MCP server in-process, through the SDK's client, over the real services: template.yaml
on in-process moto, two demo organizations synced from the demo IT Glue server (real HTTP), real
API keys and the real audit table. (Over stdio and streamable HTTP, with search: tests/e2e.)"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from mcp import Client
from mcp.shared.exceptions import MCPError

from gluekb.adapters.audit_log import AuditLog
from gluekb.adapters.itglue import ItGlueClient
from gluekb.adapters.rate_limit import Unlimited
from gluekb.services.access.passwords import get_password
from mcp_server.tools import TOOL_NAMES
from tests.mcp_rig import ITGLUE_KEY, Rig, running_rig
from tests.mcp_support import error_text, ok, text_of


@pytest.fixture(scope="module")
def rig(demo_tenant_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with running_rig(demo_tenant_dir, tmp_path_factory.mktemp("mcp")) as running:
        yield running


# ---------------------------------------------------------------------------- the tool list
def test_every_tool_is_listed_with_a_docstring_the_model_can_act_on(rig: Rig) -> None:
    async def listing(client: Client) -> Any:
        return await client.list_tools()

    tools = {tool.name: tool for tool in rig.session(rig.reader(), listing).tools}
    assert set(tools) == set(TOOL_NAMES)
    for tool in tools.values():
        assert tool.description and len(tool.description) > 300, tool.name
        assert "Use this" in tool.description and "Returns" in tool.description, tool.name
        for name, schema in tool.input_schema.get("properties", {}).items():
            assert schema.get("description"), f"{tool.name}.{name} has no description"
    assert tools["search"].annotations and tools["search"].annotations.read_only_hint is True
    assert tools["get_password"].input_schema["required"] == ["id", "reason"]


# ---------------------------------------------------------------------------- tenancy
def test_an_acme_key_lists_only_acme(rig: Rig) -> None:
    listed = ok(rig.call(rig.acme_only(), "list_organizations"))["organizations"]
    assert [o["name"] for o in listed] == ["Acme Corp"]
    assert listed[0]["sync_state"] == "ok"
    everything = ok(rig.call(rig.admin(), "list_organizations"))["organizations"]
    assert {"Acme Corp", "Contoso"} <= {o["name"] for o in everything}


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("find_configurations", {}),
        ("export_documentation", {}),
        ("sync_status", {}),
    ],
)
def test_another_tenant_is_answered_exactly_like_a_missing_one(
    rig: Rig, tool: str, arguments: dict[str, Any]
) -> None:
    contoso = rig.facts("Contoso")
    answers = [
        error_text(rig.call(rig.acme_only(), tool, {"organization": ref, **arguments}))
        for ref in (contoso.name, contoso.id, "Nowhere Ltd")
    ]
    assert answers[0] == answers[1] == answers[2]
    assert "organization not found" in answers[0]
    assert "list_organizations" in answers[0]  # what to do next


def test_another_tenants_record_is_answered_like_a_missing_one(rig: Rig) -> None:
    contoso = f"itglue:configurations:{rig.facts('Contoso').firewall_id}"
    missing = "itglue:configurations:999999999"
    for tool in ("get_record", "get_dependencies"):
        texts = {
            error_text(rig.call(rig.acme_only(), tool, {"id": ref})) for ref in (contoso, missing)
        }
        assert len(texts) == 1 and "record not found" in texts.pop()


def test_a_missing_scope_says_which_scope(rig: Rig) -> None:
    text = error_text(rig.call(rig.acme_only(), "trigger_sync", {"organization": "Acme Corp"}))
    assert "lacks the 'sync' scope" in text
    assert "administrator" in text


def test_bad_arguments_are_explained_without_echoing_them(rig: Rig) -> None:
    text = error_text(rig.call(rig.reader(), "get_dependencies", {"id": "itglue:x:1", "depth": 9}))
    assert text.startswith("get_dependencies: invalid arguments: depth:")
    assert "9" not in text.split("depth:", 1)[1]


# ---------------------------------------------------------------------------- records
def test_find_configurations_by_ip_and_by_type(rig: Rig) -> None:
    acme = rig.facts("Acme Corp")
    firewall = f"itglue:configurations:{acme.firewall_id}"
    by_ip = ok(
        rig.call(
            rig.reader(),
            "find_configurations",
            {"organization": "acme corp", "ip": acme.firewall_ip},
        )
    )
    assert [m["id"] for m in by_ip["matches"]] == [firewall]
    assert by_ip["matches"][0]["primary_ip"] == acme.firewall_ip
    firewalls = ok(
        rig.call(rig.reader(), "find_configurations", {"organization": acme.id, "type": "FIREWALL"})
    )
    assert firewall in {m["id"] for m in firewalls["matches"]}
    assert all("firewall" in (m["type"] or "").lower() for m in firewalls["matches"])
    every = ok(rig.call(rig.reader(), "find_configurations", {"organization": acme.id}))
    assert every["total"] == acme.counts["configurations"]


def test_get_record_and_its_dependencies_in_both_directions(rig: Rig) -> None:
    acme = rig.facts("Acme Corp")
    tenant_configs = rig.tenant.of_organization("configurations", acme.id)
    mail = next(c for c in tenant_configs if "EXCH" in c["attributes"]["name"].upper())
    mail_id = f"itglue:configurations:{mail['id']}"
    record = ok(rig.call(rig.reader(), "get_record", {"id": mail_id}))
    assert record["name"] == mail["attributes"]["name"]
    up = ok(rig.call(rig.reader(), "get_dependencies", {"id": mail_id, "depth": 2}))
    assert up["direction"] == "depended_on_by" and up["related"], up
    dependent = up["related"][0]["id"]
    down = ok(
        rig.call(
            rig.reader(),
            "get_dependencies",
            {"id": dependent, "direction": "depends_on", "depth": 2},
        )
    )
    assert mail_id in {r["id"] for r in down["related"]}


def test_the_runbook_groups_assets_and_holds_no_password_value(rig: Rig) -> None:
    acme = rig.facts("Acme Corp")
    # Given the run-book read page after page until the last one
    pages, cursor = [], None
    while True:
        arguments = {"organization": "Acme Corp", "limit": 20_000}
        page = ok(rig.call(rig.reader(), "export_documentation", arguments | {"cursor": cursor}))
        pages.append(page["result"])
        assert len(page["result"]) <= 20_000 or "\n#" not in page["result"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    markdown = "".join(pages)
    # Then it is all there, in order, and cut between records only
    assert len(pages) > 2
    assert markdown.startswith("# Acme Corp: run-book")
    assert all(p.startswith("#") for p in pages)
    for section in ("## Configurations", "## Contacts", "## Passwords (metadata only)"):
        assert section in markdown
    assert "### Firewall" in markdown and acme.firewall_ip in markdown
    for record in rig.tenant.of_organization("passwords", acme.id):
        assert rig.tenant.secrets[str(record["id"])] not in markdown


def test_resources_give_records_and_organizations(rig: Rig) -> None:
    acme = rig.facts("Acme Corp")
    firewall = f"itglue:configurations:{acme.firewall_id}"

    async def read(client: Client) -> tuple[Any, Any, Any, str]:
        templates = await client.list_resource_templates()
        record = await client.read_resource(f"gluekb://records/{firewall}")
        org = await client.read_resource(f"gluekb://organizations/{acme.id}")
        try:
            await client.read_resource("gluekb://records/itglue:configurations:999999999")
        except MCPError as exc:
            return templates, record, org, str(exc)
        raise AssertionError("a missing record was read")

    templates, record, org, missing = rig.session(rig.reader(), read)
    assert {t.uri_template for t in templates.resource_templates} == {
        "gluekb://organizations/{organization}",
        "gluekb://organizations/{organization}/runbook",
        "gluekb://records/{record_id}",
    }
    assert json.loads(record.contents[0].text)["id"] == firewall
    assert json.loads(org.contents[0].text)["organization_id"] == acme.id
    assert "record not found" in missing


# ---------------------------------------------------------------------------- sync
def test_sync_status_and_trigger_sync(rig: Rig) -> None:
    acme = rig.facts("Acme Corp")
    statuses = ok(rig.call(rig.admin(), "sync_status"))["statuses"]
    assert {s["organization_id"] for s in statuses} >= {acme.id, rig.facts("Contoso").id}
    one = ok(rig.call(rig.admin(), "sync_status", {"organization": "Acme Corp"}))["statuses"]
    assert one[0]["state"] == "ok" and one[0]["resources"]
    queued = ok(
        rig.call(rig.admin(), "trigger_sync", {"organization": "Acme Corp", "mode": "full"})
    )
    assert queued["organization_id"] == acme.id and queued["state"] == "queued"
    sqs = rig.clients.sqs
    messages = sqs.receive_message(
        QueueUrl=rig.services.settings.sync_queue_url, MaxNumberOfMessages=10
    )
    bodies = [json.loads(m["Body"]) for m in messages.get("Messages", [])]
    assert any(b["organization_id"] == acme.id and b["mode"] == "full" for b in bodies)


# ---------------------------------------------------------------------------- passwords
def audit_entries(rig: Rig, record_id: str) -> list[Any]:
    return rig.services.audit_log.entries(rig.facts("Acme Corp").id, record_id)


@pytest.mark.parametrize("mode", ["link", "in_band"])
def test_a_key_without_the_reveal_scope_gets_metadata_only(rig: Rig, mode: str) -> None:
    record_id, value = rig.password_of("Acme Corp")
    services = rig.with_settings(password_reveal=mode)
    arguments = {"id": record_id, "reason": "ticket 1"}
    result = rig.call(rig.reader(), "get_password", arguments, services)
    view = ok(result)
    assert view["revealed"] is False and view["value"] is None
    assert view["delivery"] == "none" and view["reveal_url"] is None
    assert "lacks the 'passwords:reveal' scope" in view["note"]
    assert view["name"] and view["id"] == record_id
    assert value not in result.model_dump_json()
    assert audit_entries(rig, record_id) == []
    assert rig.reveals_asked(record_id) == 0  # IT Glue was never asked for the value


@pytest.mark.parametrize("mode", ["link", "in_band"])
@pytest.mark.parametrize("reason", ["", "   \n "])
def test_a_reveal_without_a_reason_is_refused(rig: Rig, reason: str, mode: str) -> None:
    record_id, value = rig.password_of("Acme Corp")
    services = rig.with_settings(password_reveal=mode)
    arguments = {"id": record_id, "reason": reason}
    result = rig.call(rig.acme_only(), "get_password", arguments, services)
    text = error_text(result)
    assert "a reason is required" in text
    assert value not in result.model_dump_json()
    assert audit_entries(rig, record_id) == []


def test_an_in_band_reveal_with_scope_and_reason_is_audited_once_and_never_cached(
    rig: Rig, capfd: pytest.CaptureFixture[str]
) -> None:
    # Given a deployment that allows values in band (GLUEKB_PASSWORD_REVEAL=in_band)
    record_id, value = rig.password_of("Acme Corp")
    in_band = rig.with_settings(password_reveal="in_band")
    # When a key with the scope asks with a reason
    arguments = {"id": record_id, "reason": "ticket 4312: VPN reset"}
    result = rig.call(rig.acme_only(), "get_password", arguments, in_band)
    # Then the value is in the result, and audited once
    view = ok(result)
    assert view["revealed"] is True and view["value"] == value
    assert view["delivery"] == "value" and value in text_of(result)
    assert rig.reveals_asked(record_id) == 1  # fetched from IT Glue at that moment, once
    (entry,) = audit_entries(rig, record_id)
    assert entry.audit_id == view["audit_id"]
    assert entry.reason == "ticket 4312: VPN reset" and entry.via == "mcp"
    assert entry.key_name == "acme" and entry.action == "password.reveal"
    assert value not in entry.model_dump_json()
    # Then the value is nowhere else: not in the query cache, the logs, the catalog or raw data.
    cached = rig.services.query_cache._entries
    assert value not in repr(list(cached.values()))
    captured = capfd.readouterr()
    assert value not in captured.out and value not in captured.err
    catalog_items = rig.clients.dynamodb.scan(TableName=rig.services.settings.catalog_table)
    assert value not in json.dumps(catalog_items["Items"])
    assert value not in json.dumps(
        rig.clients.dynamodb.scan(TableName=rig.services.settings.audit_table)["Items"]
    )
    bucket = rig.services.settings.raw_bucket
    for page in rig.clients.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            body = rig.clients.s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            assert value.encode() not in body, obj["Key"]


@pytest.mark.parametrize("mode", ["link", "in_band"])
def test_another_tenants_password_is_answered_like_a_missing_one(rig: Rig, mode: str) -> None:
    contoso_id, value = rig.password_of("Contoso")
    services = rig.with_settings(password_reveal=mode)
    texts = set()
    for ref in (contoso_id, "itglue:passwords:999999999"):
        arguments = {"id": ref, "reason": "probe"}
        result = rig.call(rig.acme_only(), "get_password", arguments, services)
        texts.add(error_text(result))
        assert value not in result.model_dump_json()
    assert len(texts) == 1 and "password not found" in texts.pop()


def test_no_value_leaves_when_the_audit_entry_cannot_be_written(rig: Rig) -> None:
    record_id, value = rig.password_of("Acme Corp")
    principal = rig.services.authenticator.authenticate(rig.acme_only())
    broken = AuditLog(rig.clients.dynamodb, "no-such-audit-table")

    async def reveal() -> Any:
        async with ItGlueClient(
            rig.services.settings.itglue_base_url, ITGLUE_KEY, limiter=Unlimited()
        ) as client:
            return await get_password(
                principal, rig.services.catalog, broken, client, record_id, "ticket 7", via="mcp"
            )

    # When the audit entry cannot be stored, the reveal fails instead of returning the value
    with pytest.raises(ClientError) as raised:
        asyncio.run(reveal())
    assert value not in repr(raised.value)


def test_metadata_needs_a_key_that_may_read(rig: Rig) -> None:
    record_id, _ = rig.password_of("Acme Corp")
    sync_only = rig.key("sync-only", ["*"], ["sync"])
    text = error_text(rig.call(sync_only, "get_password", {"id": record_id, "reason": "x"}))
    assert "password not found" in text
