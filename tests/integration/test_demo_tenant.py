"""The demo MSP tenant: deterministic, realistic where a technician would look, internally
consistent (every Tag resolves), and changed step by step with an exact report."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gluekb_dev.demo.generator import MutationPlan, apply_mutation, generate_tenant
from gluekb_dev.demo.generator.health_seeds import is_health_seed
from gluekb_dev.demo.server import TAG_TYPES
from gluekb_dev.demo.tenant import Tenant, TenantStore, parse_iso

MAC = re.compile(r"^([0-9A-F]{2}:){5}[0-9A-F]{2}$")

# sha256 of the demo data. Answer-quality evaluations (some kept outside this repository) are
# written against generate_tenant(42) and its mutation steps: if these change, every such
# evaluation is invalid. Change them only together with the evaluations, on purpose.
TENANT_42_SHA256 = "02f642365b0b67654b3c3592197e9492a02e848dab3fa817f8187e273228bf6c"
STEP_1_TENANT_SHA256 = "9007cc7a359b66b15fecf5e5949f65a430d6e70db64503aa5dbe85bdc878f5c6"
STEP_1_REPORT_SHA256 = "a7078c3ee4877697e28ef39a0ccdfbb35ec5f08d7d9765e5325f2d663cbda3b0"
# The tenant before document folders were added (issue 14): the same data less the folders and
# the documents' document-folder-id (main's TENANT_42_SHA256). Every record the evaluations know
# is unchanged.
TENANT_42_WITHOUT_FOLDERS_SHA256 = (
    "831190942a4fdc327ba8da5fb77a777cbd76be7342f57db4475d482bc0c84954"
)
DATA_CHANGED = (
    "the demo tenant's data changed: answer evaluations written against generate_tenant(42) "
    "and its mutations are now invalid. Keep every random draw, in the same order"
)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def tenant(demo_tenant_dir: Path) -> Tenant:
    return TenantStore(demo_tenant_dir).load()


def test_the_same_seed_gives_the_same_tenant_byte_for_byte(demo_tenant_dir: Path) -> None:
    # Given the tenant generated for seed 42 and stored on disk
    stored = (demo_tenant_dir / "tenant.json").read_text()
    # When it is generated again, Then it is identical; another seed gives another tenant
    assert generate_tenant(42).dumps() == stored
    assert generate_tenant(43).dumps() != stored


def test_the_demo_data_is_pinned_byte_for_byte() -> None:
    # Given the tenant for seed 42, When it is generated, Then it is the one evaluations know
    tenant = generate_tenant(42)
    assert sha256(tenant.dumps()) == TENANT_42_SHA256, DATA_CHANGED
    # When mutation step 1 runs at a fixed time, Then it changes exactly what it always did
    at = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    report = apply_mutation(tenant, step=1, at=at, plan=MutationPlan())
    assert sha256(json.dumps(report.to_json(), sort_keys=True)) == STEP_1_REPORT_SHA256, (
        DATA_CHANGED
    )
    assert sha256(tenant.dumps()) == STEP_1_TENANT_SHA256, DATA_CHANGED


def test_folders_added_nothing_but_folders() -> None:
    # Given the tenant for seed 42, When its folders are taken away again (the folder records,
    # their id counter, each document's document-folder-id)
    data = generate_tenant(42).to_json()
    data["records"].pop("document_folders")
    data["next_ids"].pop("document_folders")
    for document in data["records"]["documents"]:
        document["attributes"]["document-folder-id"] = None
    # Then what remains is, byte for byte, the tenant as it was before folders existed
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    assert sha256(text) == TENANT_42_WITHOUT_FOLDERS_SHA256, DATA_CHANGED


def test_documents_are_filed_in_folders_two_levels_deep_in_places(tenant: Tenant) -> None:
    folders = {f["id"]: f["attributes"] for f in tenant.all("document_folders")}
    documents = tenant.all("documents")
    filed = [d for d in documents if d["attributes"]["document-folder-id"] is not None]
    # Most documents live in a folder, as on a real tenant; some stay at the root
    assert len(filed) >= 0.4 * len(documents) and len(filed) < len(documents)
    for document in filed:
        folder = folders[str(document["attributes"]["document-folder-id"])]
        assert folder["organization-id"] == document["attributes"]["organization-id"]
    # Folders nest (a parent of the same organization), two levels deep in places
    nested = [f for f in folders.values() if f["parent-id"] is not None]
    assert nested
    for folder in nested:
        parent = folders[str(folder["parent-id"])]
        assert parent["parent-id"] is None
        assert parent["organization-id"] == folder["organization-id"]
    acme = tenant.facts_for("Acme Corp")
    runbook = tenant.named("documents", "Server Runbook: ACME-SQL01")
    folder = folders[str(runbook["attributes"]["document-folder-id"])]
    assert folder["name"] == "Runbooks"
    assert folders[str(folder["parent-id"])]["name"] == "Servers"
    assert folder["organization-id"] == int(acme.id)


def test_organizations_are_named_and_clearly_sized(tenant: Tenant) -> None:
    sizes = {f.name: f.counts["configurations"] for f in tenant.facts()}
    assert len(sizes) >= 6
    assert {"Acme Corp", "Contoso", "Fabrikam"} <= set(sizes)
    assert min(sizes.values()) <= 10 and max(sizes.values()) >= 400
    assert len(set(sizes.values())) == len(sizes)  # no two the same size
    assert sum(sizes.values()) >= 1000


def test_configurations_look_like_an_msp_estate(tenant: Tenant) -> None:
    configs = tenant.all("configurations")
    interfaces_of: dict[str, list[dict[str, object]]] = {}
    for interface in tenant.all("configuration_interfaces"):
        key = str(interface["attributes"]["configuration-id"])
        interfaces_of.setdefault(key, []).append(interface["attributes"])
    kinds = {c["attributes"]["configuration-type-kind"] for c in configs}
    assert {"firewall", "router", "switch", "server", "printer", "workstation", "laptop"} <= kinds
    vendors = {c["attributes"]["manufacturer-name"] for c in configs}
    assert {"Fortinet", "Cisco", "Ubiquiti", "Dell", "HP", "Lenovo"} <= vendors
    for config in configs:
        attrs = config["attributes"]
        assert ipaddress.ip_address(attrs["primary-ip"]).is_private
        assert MAC.match(attrs["mac-address"]) and attrs["serial-number"] and attrs["hostname"]
        primaries = [i for i in interfaces_of[config["id"]] if i["primary"]]
        assert [i["ip-address"] for i in primaries] == [attrs["primary-ip"]]


def test_every_org_has_a_fortigate_at_a_known_address(tenant: Tenant) -> None:
    for n, facts in enumerate(tenant.facts(), start=1):
        firewall = tenant.get("configurations", facts.firewall_id)
        assert firewall is not None
        assert facts.firewall_ip == f"10.{10 * n}.0.1"
        assert firewall["attributes"]["model-name"].startswith("FortiGate")
    assert tenant.facts_for("Acme Corp").firewall_ip == "10.10.0.1"


def test_some_servers_run_sql_server(tenant: Tenant) -> None:
    sql = [s for f in tenant.facts() for s in f.sql_server_ids]
    assert len(sql) >= 5
    assert tenant.facts_for("Bluebird Bakery").sql_server_ids == ()
    for server_id in sql:
        server = tenant.get("configurations", server_id)
        assert server is not None and server["attributes"]["configuration-type-kind"] == "server"


def test_every_tag_points_at_a_record_that_exists(tenant: Tenant) -> None:
    # The relationship graph is whole: no Tag value refers to a missing record, but for the
    # health report's seeds, which point at exactly these records deleted since
    gone = {
        (TAG_TYPES[tag_type], str(record_id))
        for tag_type, record_id in (("Configurations", 289999), ("Domains", 50999))
    }
    edges, dangling = 0, set()
    for asset in tenant.all("flexible_assets"):
        for value in asset["attributes"]["traits"].values():
            if isinstance(value, dict) and "values" in value:
                for item in value["values"]:
                    target = tenant.get(TAG_TYPES[value["type"]], str(item["id"]))
                    if target is None and is_health_seed(asset):
                        dangling.add((TAG_TYPES[value["type"]], str(item["id"])))
                        continue
                    assert target is not None, (asset["id"], value["type"], item["id"])
                    assert (
                        target["attributes"]["organization-id"]
                        == (asset["attributes"]["organization-id"])
                    )
                    edges += 1
    assert edges > 300
    assert dangling == gone


def test_assets_link_the_things_a_technician_asks_about(tenant: Tenant) -> None:
    types = {t["attributes"]["name"] for t in tenant.all("flexible_asset_types")}
    assert {"Network", "Email", "Backup", "Line-of-Business App"} <= types
    acme = tenant.facts_for("Acme Corp")
    assets = tenant.of_organization("flexible_assets", acme.id)
    email = next(a for a in assets if a["attributes"]["flexible-asset-type-name"] == "Email")
    traits = email["attributes"]["traits"]
    assert [v["name"] for v in traits["domains"]["values"]] == ["acmecorp.com"]
    assert [v["name"] for v in traits["email-servers"]["values"]] == ["ACME-EXCH01"]
    erp = next(a for a in assets if a["attributes"]["name"] == "Epicor Kinetic ERP")
    database = erp["attributes"]["traits"]["database-server"]["values"]
    assert [str(v["id"]) for v in database] == [acme.sql_server_ids[0]]
    assert erp["attributes"]["traits"]["admin-credentials"]["type"] == "Passwords"


def test_password_values_are_kept_apart_from_the_records(tenant: Tenant) -> None:
    passwords = tenant.all("passwords")
    assert len(passwords) >= 60
    assert set(tenant.secrets) == {p["id"] for p in passwords}
    for password in passwords:
        assert "password" not in password["attributes"]
    embedded = [p for p in passwords if p["attributes"]["resource-type"] == "Configuration"]
    assert embedded and all(
        tenant.get("configurations", str(p["attributes"]["resource-id"])) for p in embedded
    )


def test_documents_have_structured_html_sections(tenant: Tenant) -> None:
    documents = tenant.all("documents")
    assert len(documents) >= 200
    sections: dict[int, list[dict[str, object]]] = {}
    for section in tenant.all("document_sections"):
        sections.setdefault(int(section["attributes"]["document-id"]), []).append(
            section["attributes"]
        )
    assert all(sections.get(int(d["id"])) for d in documents)
    contents = [str(s["content"]) for ss in sections.values() for s in ss]
    assert sum("<pre><code" in c for c in contents) >= 100
    assert any("<ol>" in c for c in contents) and any("<ul>" in c for c in contents)
    kinds = {s["resource-type"] for ss in sections.values() for s in ss}
    assert {"Document::Heading", "Document::Text", "Document::Step"} <= kinds


def test_each_org_has_one_main_contact_a_location_and_its_email_domain(tenant: Tenant) -> None:
    for facts in tenant.facts():
        contacts = tenant.of_organization("contacts", facts.id)
        main = [c for c in contacts if c["attributes"]["contact-type-name"] == "Primary Contact"]
        assert [c["id"] for c in main] == [facts.main_contact_id]
        assert main[0]["attributes"]["important"] is True
        email = main[0]["attributes"]["contact-emails"][0]["value"]
        assert email.endswith("@" + facts.domain)
        locations = tenant.of_organization("locations", facts.id)
        assert sum(1 for loc in locations if loc["attributes"]["primary"]) == 1


# --------------------------------------------------------------------------- mutate
def copy_of(demo_tenant_dir: Path, tmp_path: Path, name: str) -> TenantStore:
    target = tmp_path / name
    shutil.copytree(demo_tenant_dir, target)
    return TenantStore(target)


def test_a_mutation_step_is_deterministic(demo_tenant_dir: Path, tmp_path: Path) -> None:
    # Given two copies of the same tenant
    first, second = copy_of(demo_tenant_dir, tmp_path, "a"), copy_of(demo_tenant_dir, tmp_path, "b")
    at = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    # When the same step is applied to both
    reports = [store.mutate(1, at=at) for store in (first, second)]
    # Then they report and end up the same
    assert reports[0] == reports[1]
    assert first.load().dumps() == second.load().dumps()


def test_a_mutation_reports_exactly_what_changed(demo_tenant_dir: Path, tmp_path: Path) -> None:
    # Given the tenant as it was
    store = copy_of(demo_tenant_dir, tmp_path, "t")
    before = store.load()
    at = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

    # When step 1 runs
    report = store.mutate(1, at=at)
    after = store.load()

    # Then it changed records of several kinds, in every way, and said which
    plan = MutationPlan()
    assert len(report.ids("created", "configurations")) == plan.create_configurations
    assert len(report.ids("updated", "configurations")) == plan.update_configurations
    assert len(report.ids("deleted", "configurations")) == plan.delete_configurations
    assert report.ids("created", "documents") and report.ids("deleted", "documents")
    assert report.ids("updated", "passwords") and report.ids("updated", "flexible_assets")
    for resource_type, ids in report.created.items():
        for record_id in ids:
            assert before.get(resource_type, record_id) is None
            assert after.get(resource_type, record_id) is not None
    for resource_type, ids in report.deleted.items():
        for record_id in ids:
            assert before.get(resource_type, record_id) is not None
            assert after.get(resource_type, record_id) is None
    # ... and everything it created or updated, and nothing else, carries the new updated-at
    for resource_type in after.records:
        stamped = {
            r["id"]
            for r in after.all(resource_type)
            if "updated-at" in r["attributes"] and parse_iso(r["attributes"]["updated-at"]) >= at
        }
        assert stamped == set(report.changed(resource_type)), resource_type
    # ... and a rotated password has a new value
    for password_id in report.ids("updated", "passwords"):
        assert after.secrets[password_id] != before.secrets[password_id]
    # ... and the deleted configurations took their interfaces with them
    gone = {int(i) for i in report.ids("deleted", "configurations")}
    remaining = after.all("configuration_interfaces")
    assert not [i for i in remaining if i["attributes"]["configuration-id"] in gone]
    assert report.ids("deleted", "configuration_interfaces")


def test_steps_run_forward_and_are_logged(demo_tenant_dir: Path, tmp_path: Path) -> None:
    store = copy_of(demo_tenant_dir, tmp_path, "t")
    first = store.mutate(at=datetime(2026, 11, 21, 9, 0, tzinfo=UTC))
    second = store.mutate(at=datetime(2026, 11, 21, 8, 0, tzinfo=UTC))  # a clock running late
    assert (first.step, second.step) == (1, 2)
    assert second.at > first.at  # updated-at never goes backwards
    with pytest.raises(ValueError, match="already applied"):
        store.mutate(2)
    logged = [json.loads(line)["step"] for line in (store.directory / "mutations.jsonl").open()]
    assert logged == [1, 2] and [r.step for r in store.reports()] == [1, 2]
