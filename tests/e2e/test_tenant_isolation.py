"""Tenant isolation: a key for Acme probing Contoso by name, id, identifier, search terms and
related-record walks learns nothing about Contoso, not even that it exists. Every probe of
Contoso is compared with the same probe of something that does not exist: same status, same
body (apart from per-request fields)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gluekb.adapters.api_keys import ApiKeyStore
from gluekb_dev.demo.tenant import TenantStore
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def acme_key(synced_stack: RunningStack) -> str:
    store = ApiKeyStore(synced_stack.clients.dynamodb, synced_stack.resource("ApiKeysTable"))
    acme = TenantStore(synced_stack.stack.home / "demo").load().facts_for("Acme Corp")
    key, _ = store.create("acme only", [acme.id], ["search", "sync", "tickets", "passwords:reveal"])
    return key


def comparable(response: httpx.Response) -> tuple[int, Any]:
    body = response.json()
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in ("took_ms", "query", "question")}
    return response.status_code, body


@pytest.fixture(scope="module")
def contoso(synced_stack: RunningStack) -> dict[str, str]:
    tenant = TenantStore(synced_stack.stack.home / "demo").load()
    facts = tenant.facts_for("Contoso")
    sql = synced_stack.api(
        "GET", f"/v1/records/itglue:configurations:{facts.sql_server_ids[0]}"
    ).json()
    fields = {f["name"]: f["value"] for f in sql["fields"]}
    return {
        "id": facts.id,
        "name": facts.name,
        "firewall_ip": facts.firewall_ip,
        "record": f"itglue:configurations:{facts.firewall_id}",
        "hostname": fields["Hostname"],
        "serial": fields["Serial number"],
        "domain": facts.domain,
    }


def test_the_organization_list_shows_only_acme(synced_stack: RunningStack, acme_key: str) -> None:
    listed = synced_stack.api("GET", "/v1/organizations", acme_key).json()
    assert [o["name"] for o in listed] == ["Acme Corp"]


@pytest.mark.parametrize("reference", ["name", "id"])
def test_naming_contoso_is_answered_like_naming_nothing(
    synced_stack: RunningStack, acme_key: str, contoso: dict[str, str], reference: str
) -> None:
    probe, ghost = contoso[reference], "Nonexistent Holdings" if reference == "name" else "999999"

    def call(method: str, path: str, body: dict[str, str] | None, org: str) -> httpx.Response:
        filled = None if body is None else {k: v.replace("{org}", org) for k, v in body.items()}
        return synced_stack.api(method, path.replace("{org}", org), acme_key, json=filled)

    for method, path, body in (
        ("POST", "/v1/search", {"query": "firewall", "organization": "{org}"}),
        ("POST", "/v1/ask", {"question": "what is the firewall IP?", "organization": "{org}"}),
        ("GET", "/v1/organizations/{org}/sync", None),
        ("POST", "/v1/organizations/{org}/sync", {}),
    ):
        real, missing = call(method, path, body, probe), call(method, path, body, ghost)
        assert real.status_code == 404, (method, path)
        assert comparable(real) == comparable(missing), (method, path)


@pytest.mark.parametrize("identifier", ["firewall_ip", "hostname", "serial", "domain"])
def test_contoso_identifiers_find_nothing(
    synced_stack: RunningStack, acme_key: str, contoso: dict[str, str], identifier: str
) -> None:
    value = contoso[identifier]
    found = synced_stack.api("POST", "/v1/search", acme_key, json={"query": value, "limit": 100})
    results = found.json()["results"]
    assert all(r["organization_id"] != contoso["id"] for r in results)
    shown = " ".join(f"{r['title']} {r['snippet'] or ''}" for r in results).lower()
    assert value.lower() not in shown


def test_search_terms_and_questions_about_contoso_return_only_acme(
    synced_stack: RunningStack, acme_key: str, contoso: dict[str, str]
) -> None:
    for query in ("Contoso SQL servers", "Sage 300 CRE", "Seattle HQ", "Procore"):
        results = synced_stack.api(
            "POST", "/v1/search", acme_key, json={"query": query, "limit": 100}
        ).json()
        assert all(r["organization_id"] != contoso["id"] for r in results["results"]), query
    answer = synced_stack.api(
        "POST", "/v1/ask", acme_key, json={"question": "which servers at Contoso run SQL?"}
    ).json()
    assert all(s["organization_id"] != contoso["id"] for s in answer["sources"])
    assert "contoso" not in str(answer.get("organization") or "").lower()


def test_contoso_records_and_walks_are_answered_like_missing_ones(
    synced_stack: RunningStack, acme_key: str, contoso: dict[str, str]
) -> None:
    ghost = "itglue:configurations:99999999"
    for suffix in (
        "",
        "/related?direction=depended_on_by&depth=3",
        "/related?direction=depends_on",
    ):
        real = synced_stack.api("GET", f"/v1/records/{contoso['record']}{suffix}", acme_key)
        missing = synced_stack.api("GET", f"/v1/records/{ghost}{suffix}", acme_key)
        assert real.status_code == 404
        assert comparable(real) == comparable(missing), suffix


def test_walks_from_acme_records_never_reach_another_tenant(
    synced_stack: RunningStack, acme_key: str
) -> None:
    acme = TenantStore(synced_stack.stack.home / "demo").load().facts_for("Acme Corp")
    for direction in ("depends_on", "depended_on_by"):
        walked = synced_stack.api(
            "GET",
            f"/v1/records/itglue:configurations:{acme.firewall_id}/related",
            acme_key,
            params={"direction": direction, "depth": 5},
        ).json()
        for neighbour in walked["related"]:
            record = synced_stack.api("GET", f"/v1/records/{neighbour['id']}", acme_key)
            assert record.status_code in (200, 404)
            if record.status_code == 200:
                assert record.json()["organization_id"] == acme.id
