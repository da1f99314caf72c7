"""The MCP server's incident tools and prompt, in-process over the real services (the rig of
test_mcp_server: Acme and Contoso synced from the demo server, moto): investigate_asset gives the
same context an alert's ticket opens with, documentation_health the client's report, and the
investigate-alert prompt tells the assistant how to use them. Tenancy as for every tool."""

from __future__ import annotations

from typing import Any

from mcp import Client

from tests.integration.test_mcp_server import rig  # noqa: F401 - the module's rig
from tests.mcp_rig import Rig
from tests.mcp_support import error_text, ok, text_of


def test_investigate_asset_finds_the_device_an_alert_names_and_its_context(rig: Rig) -> None:  # noqa: F811
    # When an assistant with Acme's key investigates the address an alert named
    result = rig.call(
        rig.acme_only(),
        "investigate_asset",
        {"organization": "Acme Corp", "identifier": "10.10.10.13:9182"},
    )
    out = ok(result)
    # Then its text is a readable summary, not the JSON again
    summary = text_of(result)
    assert summary.startswith("ACME-SQL01 at Acme Corp") and "\nUrgency: " in summary
    assert "What depends on it" in summary and "SQL sa - ACME-SQL01" in summary
    # Then it gets ACME-SQL01's facts, impact and credential names, each with its source
    assert out["documented"] is True and out["asset"]["title"] == "ACME-SQL01"
    facts = {f["label"]: f["value"] for f in out["facts"]}
    assert facts["Primary IP"] == "10.10.10.13"
    assert all(f["source"]["id"].startswith("itglue:") for f in out["facts"])
    assert any(d["name"] == "Epicor Kinetic ERP" for d in out["dependents"])
    assert [c["name"] for c in out["credentials"]] == ["SQL sa - ACME-SQL01"]
    assert "value" not in out["credentials"][0]
    # An address nobody documented is still answered, as not documented
    unknown = ok(
        rig.call(
            rig.acme_only(),
            "investigate_asset",
            {"organization": "Acme Corp", "identifier": "10.10.99.50"},
        )
    )
    assert unknown["documented"] is False and unknown["asset"] is None


def test_investigate_asset_answers_another_tenant_like_a_missing_one(rig: Rig) -> None:  # noqa: F811
    arguments = {"organization": "Contoso", "identifier": "10.20.10.11"}
    hidden = error_text(rig.call(rig.acme_only(), "investigate_asset", arguments))
    missing = error_text(
        rig.call(
            rig.acme_only(),
            "investigate_asset",
            {"organization": "Nobody Inc", "identifier": "10.20.10.11"},
        )
    )
    assert hidden == missing and "organization not found" in hidden


def test_documentation_health_reports_findings_linked_to_records(rig: Rig) -> None:  # noqa: F811
    out = ok(
        rig.call(
            rig.reader(),
            "documentation_health",
            {"organization": "Acme Corp", "as_of": "2026-07-01"},
        )
    )
    assert out["counts"]["certificate_expiry"] == 2 and 0 <= out["score"] <= 100
    summary = text_of(
        rig.call(
            rig.reader(),
            "documentation_health",
            {"organization": "Acme Corp", "as_of": "2026-07-01"},
        )
    )
    assert summary.startswith(
        f"Documentation health of Acme Corp as of 2026-07-01: {out['score']}/100"
    )
    assert "certificate_expiry 2" in summary and "mail.acmecorp.com" in summary
    certificates = [f for f in out["findings"] if f["kind"] == "certificate_expiry"]
    assert {f["record"]["name"] for f in certificates} == {"*.acmecorp.com", "mail.acmecorp.com"}
    assert all(f["record"]["url"].startswith("https://demo-msp.itglue.com/") for f in certificates)
    hidden = error_text(
        rig.call(rig.acme_only(), "documentation_health", {"organization": "Contoso"})
    )
    assert "organization not found" in hidden


def test_the_investigate_alert_prompt_asks_for_the_tools_with_its_arguments(rig: Rig) -> None:  # noqa: F811
    async def prompt(client: Client) -> Any:
        listed = await client.list_prompts()
        got = await client.get_prompt(
            "investigate-alert",
            {"organization": "Acme Corp", "identifier": "10.10.10.13:9182", "alert": "High CPU"},
        )
        return listed, got

    listed, got = rig.session(rig.acme_only(), prompt)
    assert "investigate-alert" in [p.name for p in listed.prompts]
    text = got.messages[0].content.text
    assert 'investigate_asset(organization="Acme Corp", identifier="10.10.10.13:9182")' in text
    assert "High CPU" in text and "Cite the source" in text
