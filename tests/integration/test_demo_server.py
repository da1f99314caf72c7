"""The demo IT Glue server over real HTTP (uvicorn in a background thread): the behaviours a
client of IT Glue depends on, and picking up a tenant changed by another process."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gluekb_dev.demo.server import DemoItGlueServer, DemoServerConfig, Faults
from gluekb_dev.demo.tenant import Tenant, TenantStore
from gluekb_dev.demo.vocabulary import ORGANIZATIONS
from tests.support import ROOT

KEY = "ITG.server-test-key"


@pytest.fixture(scope="module")
def server(demo_tenant_dir: Path) -> Iterator[DemoItGlueServer]:
    demo = DemoItGlueServer(demo_tenant_dir, DemoServerConfig(api_key=KEY))
    with demo.running():
        yield demo


@pytest.fixture(scope="module")
def tenant(demo_tenant_dir: Path) -> Tenant:
    return TenantStore(demo_tenant_dir).load()


def get(
    server: DemoItGlueServer,
    path: str,
    params: dict[str, Any] | None = None,
    *,
    key: str | None = KEY,
) -> httpx.Response:
    headers = {"x-api-key": key} if key else {}
    return httpx.get(server.url + path, params=params, headers=headers, timeout=10)


def test_a_request_without_the_right_key_gets_a_json_api_401(server: DemoItGlueServer) -> None:
    for key in (None, "ITG.wrong"):
        response = get(server, "/organizations", key=key)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/vnd.api+json")
        assert response.json()["errors"][0]["status"] == "401"


def test_lists_are_json_api_pages_described_by_meta(server: DemoItGlueServer) -> None:
    first = get(server, "/configurations", {"page[size]": 1000}).json()
    assert first["meta"] == {
        "current-page": 1,
        "next-page": 2,
        "prev-page": None,
        "total-pages": 2,
        "total-count": 1095,  # 1,093 generated, 2 health-report seeds
        "filters": {},
    }
    record = first["data"][0]
    assert set(record) >= {"id", "type", "attributes"} and record["type"] == "configurations"
    assert "organization-id" in record["attributes"]
    last = get(server, "/configurations", {"page[size]": 1000, "page[number]": 2}).json()
    assert last["meta"]["next-page"] is None and len(last["data"]) == 95
    # A page larger than 1000 is served as 1000
    clamped = get(server, "/configurations", {"page[size]": 5000}).json()
    assert len(clamped["data"]) == 1000


def test_unknown_filter_keys_are_silently_ignored(server: DemoItGlueServer) -> None:
    everything = get(server, "/configurations", {"page[size]": 1}).json()["meta"]["total-count"]
    typo = get(server, "/configurations", {"page[size]": 1, "filter[organisation_id]": 1001})
    scoped = get(server, "/configurations", {"page[size]": 1, "filter[organization_id]": 1001})
    assert typo.status_code == 200 and typo.json()["meta"]["total-count"] == everything
    assert scoped.json()["meta"]["total-count"] == 452


def test_updated_at_ranges_narrow_and_a_wildcard_start_is_rejected(
    server: DemoItGlueServer,
) -> None:
    since = get(server, "/configurations", {"filter[updated_at]": "2026-05-01T00:00:00Z,*"})
    between = get(
        server,
        "/configurations",
        {"filter[updated_at]": "2026-05-01T00:00:00Z,2026-05-31T23:59:59Z"},
    )
    wildcard = get(server, "/configurations", {"filter[updated_at]": "*,2026-05-01T00:00:00Z"})
    assert 0 < between.json()["meta"]["total-count"] < since.json()["meta"]["total-count"] < 1093
    assert wildcard.status_code == 422
    assert "wildcard" in wildcard.json()["errors"][0]["detail"]


def test_flexible_assets_require_their_type(server: DemoItGlueServer, tenant: Tenant) -> None:
    missing = get(server, "/flexible_assets", {"filter[organization_id]": 1001})
    assert missing.status_code == 422
    assert "flexible_asset_type_id" in missing.json()["errors"][0]["detail"]
    lob = tenant.named("flexible_asset_types", "Line-of-Business App")["id"]
    found = get(server, "/flexible_assets", {"filter[flexible_asset_type_id]": lob})
    apps = sum(len(profile.lob_apps) for profile in ORGANIZATIONS)
    assert found.json()["meta"]["total-count"] == apps == 11


def test_a_password_value_is_served_only_when_asked_for(
    server: DemoItGlueServer, tenant: Tenant
) -> None:
    password_id = tenant.all("passwords")[0]["id"]
    listed = get(server, "/passwords", {"filter[id]": password_id}).json()["data"][0]
    plain = get(server, f"/passwords/{password_id}").json()["data"]
    shown = get(server, f"/passwords/{password_id}", {"show_password": "true"}).json()["data"]
    assert "password" not in listed["attributes"] and "password" not in plain["attributes"]
    assert shown["attributes"]["password"] == tenant.secrets[password_id]


def test_related_items_show_tags_in_both_directions(
    server: DemoItGlueServer, tenant: Tenant
) -> None:
    facts = tenant.facts_for("Acme Corp")
    body = get(server, f"/configurations/{facts.sql_server_ids[0]}", {"include": "related_items"})
    included = body.json()["included"]
    assert {i["type"] for i in included} == {"related-items"}
    destinations = {i["attributes"]["destination-name"] for i in included}
    assert "Epicor Kinetic ERP" in destinations
    erp = tenant.named("flexible_assets", "Epicor Kinetic ERP")
    back = get(server, f"/flexible_assets/{erp['id']}", {"include": "related_items"}).json()
    back_ids = {str(i["attributes"]["destination-id"]) for i in back["included"]}
    assert facts.sql_server_ids[0] in back_ids


def test_documents_are_listed_per_organization_with_sections(server: DemoItGlueServer) -> None:
    path = "/organizations/1001/relationships/documents"
    docs = get(server, path, {"page[size]": 100, "filter[document_folder_id]": "null"})
    assert docs.json()["meta"]["total-count"] == 70
    # Without the folder filter IT Glue lists the documents at the root only
    root = get(server, path, {"page[size]": 100}).json()
    assert 0 < root["meta"]["total-count"] < 70
    assert {d["attributes"]["document-folder-id"] for d in root["data"]} == {None}
    first = docs.json()["data"][0]
    sections = get(server, f"/documents/{first['id']}/relationships/sections").json()["data"]
    assert sections and {s["type"] for s in sections} == {"document-sections"}
    assert [s["attributes"]["sort"] for s in sections] == sorted(
        s["attributes"]["sort"] for s in sections
    )
    assert get(server, "/documents").status_code == 404  # there is no account-wide list
    assert get(server, "/organizations/999/relationships/documents").status_code == 404


def test_every_request_is_recorded_with_its_time(server: DemoItGlueServer) -> None:
    before = len(server.requests)
    get(server, "/organizations")
    records = server.requests[before:]
    assert [(r.path, r.status) for r in records] == [("/organizations", 200)]
    over_http = httpx.get(server.url + "/_demo/requests", timeout=10).json()
    assert over_http["count"] == len(server.requests)
    assert over_http["requests"][-1]["at"] == pytest.approx(records[0].at)


def test_past_the_rate_limit_it_answers_429_with_retry_after(demo_tenant_dir: Path) -> None:
    # Given an IT Glue that allows 5 requests a minute
    config = DemoServerConfig(api_key=KEY, rate_limit=5, rate_window_s=60)
    with DemoItGlueServer(demo_tenant_dir, config).running() as limited:
        statuses = [get(limited, "/organizations").status_code for _ in range(7)]
        refused = get(limited, "/organizations")
    assert statuses == [200] * 5 + [429] * 2
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["errors"][0]["status"] == "429"


def test_injected_faults_can_be_switched_at_run_time(demo_tenant_dir: Path) -> None:
    with DemoItGlueServer(demo_tenant_dir, DemoServerConfig(api_key=KEY)).running() as demo:
        assert get(demo, "/organizations").status_code == 200
        demo.set_faults(Faults(p_500=1.0))
        assert get(demo, "/organizations").status_code == 500
        reset = httpx.put(demo.url + "/_demo/faults", json={"p_429": 1.0, "retry_after_s": 3})
        assert reset.json()["p_429"] == 1.0
        throttled = get(demo, "/organizations")
        assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "3"


def test_changes_written_by_another_process_are_served_without_a_restart(
    demo_tenant_dir: Path, tmp_path: Path
) -> None:
    # Given a server over its own copy of the tenant
    directory = tmp_path / "tenant"
    shutil.copytree(demo_tenant_dir, directory)
    with DemoItGlueServer(directory, DemoServerConfig(api_key=KEY)).running() as demo:
        assert get(demo, "/configurations", {"page[size]": 1}).json()["meta"]["total-count"] == 1095
        # When another process applies a mutation step
        done = subprocess.run(
            [sys.executable, "-m", "gluekb_dev.demo.server", "mutate", "--dir", str(directory),
             "--at", "2026-11-21T09:00:00Z"],
            capture_output=True, text=True, check=True, cwd=ROOT, timeout=60,
        )  # fmt: skip
        report = json.loads(done.stdout)
        # Then the running server serves the new data
        meta = get(demo, "/configurations", {"page[size]": 1}).json()["meta"]
        created = report["created"]["configurations"]
        deleted = report["deleted"]["configurations"]
        assert meta["total-count"] == 1095 + len(created) - len(deleted)
        assert get(demo, f"/configurations/{created[0]}").status_code == 200
        assert get(demo, f"/configurations/{deleted[0]}").status_code == 404
        changed = get(
            demo, "/configurations", {"filter[updated_at]": "2026-11-21T09:00:00Z,*"}
        ).json()
        changed_ids = {r["id"] for r in changed["data"]}
        assert changed_ids == set(created) | set(report["updated"]["configurations"])


def test_the_server_runs_inside_an_event_loop_too(demo_tenant_dir: Path) -> None:
    async def scenario() -> int:
        demo = DemoItGlueServer(demo_tenant_dir, DemoServerConfig(api_key=KEY))
        async with demo, httpx.AsyncClient(headers={"x-api-key": KEY}) as http:
            response = await http.get(demo.url + "/organizations")
            return int(response.json()["meta"]["total-count"])

    assert asyncio.run(scenario()) == 7
