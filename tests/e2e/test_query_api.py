"""The query API on the synced demo tenant, through the real HTTP path: HTTP -> API Gateway v2
event -> the api function (Mangum) -> services -> embedded index and catalog."""

from __future__ import annotations

from typing import Any

import pytest

from gluekb.adapters.api_keys import ApiKeyStore
from gluekb_dev.demo.tenant import OrgFacts, TenantStore
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e


def facts(stack: RunningStack, name: str) -> OrgFacts:
    return TenantStore(stack.stack.home / "demo").load().facts_for(name)


def ask(stack: RunningStack, question: str, key: str | None = None, **extra: Any) -> dict[str, Any]:
    response = stack.api("POST", "/v1/ask", key, json={"question": question, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def search(stack: RunningStack, query: str, key: str | None = None, **extra: Any) -> dict[str, Any]:
    response = stack.api("POST", "/v1/search", key, json={"query": query, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# ---------------------------------------------------------------------------- identifiers
def test_an_ip_address_finds_its_device_first(synced_stack: RunningStack) -> None:
    acme = facts(synced_stack, "Acme Corp")
    result = search(synced_stack, acme.firewall_ip)
    top = result["results"][0]
    assert top["source_id"] == f"itglue:configurations:{acme.firewall_id}"
    assert "exact" in top["matched_by"]
    assert result["degraded"] is False


def test_hostnames_and_serials_are_exact_matches(synced_stack: RunningStack) -> None:
    record = synced_stack.api(
        "GET",
        "/v1/records/itglue:configurations:" + facts(synced_stack, "Contoso").sql_server_ids[0],
    ).json()
    fields = {f["name"]: f["value"] for f in record["fields"]}
    for identifier in (fields["Hostname"], fields["Serial number"], fields["MAC address"]):
        top = search(synced_stack, identifier)["results"][0]
        assert top["source_id"] == record["id"], identifier
        assert "exact" in top["matched_by"]


# ---------------------------------------------------------------------------- meaning
def test_a_semantic_question_finds_the_runbook(synced_stack: RunningStack) -> None:
    result = search(synced_stack, "how do I restore the nightly backup", organization="Acme Corp")
    assert result["results"], result
    assert any("backup" in r["title"].lower() for r in result["results"][:5])
    assert all(
        r["organization_id"] == facts(synced_stack, "Acme Corp").id for r in result["results"]
    )
    assert any("<mark>" in (r["snippet"] or "") for r in result["results"])


# ---------------------------------------------------------------------------- grounded answers
def test_the_firewall_ip_comes_verbatim_from_the_firewall_record(
    synced_stack: RunningStack,
) -> None:
    acme = facts(synced_stack, "Acme Corp")
    answer = ask(synced_stack, "what is the firewall IP at Acme?")
    assert answer["found"] is True
    assert answer["organization"]["id"] == acme.id
    primary = [f for f in answer["facts"] if f["field"] == "Primary IP"]
    assert primary[0]["value"] == acme.firewall_ip
    assert primary[0]["record"]["id"] == f"itglue:configurations:{acme.firewall_id}"
    assert answer["confidence"] >= 0.8
    assert answer["sources"]


def test_which_servers_run_sql_lists_exactly_the_sql_servers(synced_stack: RunningStack) -> None:
    contoso = facts(synced_stack, "Contoso")
    answer = ask(synced_stack, "which servers at Contoso run SQL?")
    assert answer["found"] is True and answer["kind"] == "list"
    listed = {s["id"] for s in answer["sources"]}
    assert listed == {f"itglue:configurations:{i}" for i in contoso.sql_server_ids}


def test_the_main_contact_is_the_primary_contact(synced_stack: RunningStack) -> None:
    fabrikam = facts(synced_stack, "Fabrikam")
    answer = ask(synced_stack, "who is the main contact at Fabrikam?")
    assert answer["found"] is True and answer["kind"] == "contact"
    assert answer["sources"][0]["id"] == f"itglue:contacts:{fabrikam.main_contact_id}"
    assert any(f["field"].startswith("Email") for f in answer["facts"])


def test_every_answer_value_is_a_field_of_its_record(synced_stack: RunningStack) -> None:
    for question in (
        "what is the firewall IP at Acme?",
        "who is the main contact at Fabrikam?",
        "what is the serial number of ACME-FW01?",
    ):
        answer = ask(synced_stack, question)
        for fact in answer["facts"]:
            record = synced_stack.api("GET", f"/v1/records/{fact['record']['id']}").json()
            values = {(f["name"], f["value"]) for f in record["fields"]}
            assert (fact["field"], fact["value"]) in values, fact


@pytest.mark.parametrize(
    "question",
    [
        "what is the fax number of the moon base at Acme?",
        "who is the CEO of Atlantis at Contoso?",
        "what is the wifi password at the Fabrikam mars office?",
        "list the quantum computers at Initech",
    ],
)
def test_questions_the_records_do_not_answer_get_no_data(
    synced_stack: RunningStack, question: str
) -> None:
    answer = ask(synced_stack, question)
    assert answer["found"] is False
    assert answer["message"] == "No data available"
    assert answer["facts"] == []


def test_a_tag_field_answers_with_the_address_of_the_device_it_names(
    synced_stack: RunningStack,
) -> None:
    # Given Globex's users network, whose Gateway field is a Tag of its firewall
    globex = facts(synced_stack, "Globex")
    # When a technician asks for the network's default gateway
    answer = ask(synced_stack, "default gateway for the globex users network")
    found = {(f["record"]["title"], f["field"]): f["value"] for f in answer["facts"]}
    # Then the answer is the field, and the firewall's address with its own source
    firewall = found[("GLBX Users", "Gateway")]
    assert firewall.startswith("GLBX-FW")
    assert found[(firewall, "Primary IP")] == globex.firewall_ip
    assert any(s["title"] == firewall for s in answer["sources"])


def test_what_breaks_if_the_mail_server_goes_down(synced_stack: RunningStack) -> None:
    answer = ask(synced_stack, "what breaks if the mail server goes down at Acme?")
    assert answer["found"] is True and answer["kind"] == "impact"
    dependents = {f["record"]["title"].lower() for f in answer["facts"]}
    assert any("email" in d for d in dependents), dependents


# ---------------------------------------------------------------------------- records and the graph
def test_the_related_walk_follows_dependencies_both_ways(synced_stack: RunningStack) -> None:
    mail = search(synced_stack, "ACME-EXCH01")["results"][0]["source_id"]
    up = synced_stack.api(
        "GET", f"/v1/records/{mail}/related", params={"direction": "depended_on_by", "depth": 2}
    ).json()
    names = [r["name"].lower() for r in up["related"]]
    assert any("email" in n for n in names), names
    email = next(r["id"] for r in up["related"] if "email" in r["name"].lower())
    down = synced_stack.api(
        "GET", f"/v1/records/{email}/related", params={"direction": "depends_on"}
    ).json()
    assert mail in {r["id"] for r in down["related"]}


def test_a_password_record_never_shows_its_value(synced_stack: RunningStack) -> None:
    tenant = TenantStore(synced_stack.stack.home / "demo").load()
    password_id, secret = next(iter(tenant.secrets.items()))
    response = synced_stack.api("GET", f"/v1/records/itglue:passwords:{password_id}")
    assert response.status_code == 200
    assert secret not in response.text
    hits = search(synced_stack, secret)["results"]
    assert all(secret not in (h["snippet"] or "") for h in hits)


# ---------------------------------------------------------------------------- cache
def test_a_repeated_query_is_served_from_the_cache(synced_stack: RunningStack) -> None:
    first = search(synced_stack, "switch configuration standards", organization="Globex")
    again = search(synced_stack, "switch configuration standards", organization="Globex")
    assert first["cached"] is False and again["cached"] is True
    assert again["results"] == first["results"]


# ---------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("path", "body", "mentions"),
    [
        ("/v1/search", {"query": "x" * 1001}, "query"),
        ("/v1/search", {"query": "firewall", "limit": 101}, "limit"),
        ("/v1/search", {"query": "   "}, "query"),
        ("/v1/search", {"query": "a", "types": ["spaceship"]}, "types"),
        ("/v1/ask", {}, "question"),
        ("/v1/ask", {"question": 42}, "question"),
    ],
)
def test_bad_input_gets_a_4xx_that_says_what_to_fix(
    synced_stack: RunningStack, path: str, body: dict[str, Any], mentions: str
) -> None:
    response = synced_stack.api("POST", path, json=body)
    assert response.status_code == 422
    assert mentions in response.json()["error"]["message"]


def test_health_lists_the_index_and_the_embedder(synced_stack: RunningStack) -> None:
    body = synced_stack.api("GET", "/health").json()
    assert body["status"] == "ok", body
    assert body["components"]["index"]["chunks"] > 1000
    assert body["components"]["embedder"]["ok"] is True


def test_openapi_is_served_with_docs(synced_stack: RunningStack) -> None:
    spec = synced_stack.api("GET", "/openapi.json").json()
    assert {"/v1/search", "/v1/ask", "/v1/records/{record_id}"} <= set(spec["paths"])
    assert synced_stack.api("GET", "/docs").status_code == 200


# ---------------------------------------------------------------------------- documents in folders
def test_every_document_is_synced_with_the_count_in_folders(synced_stack: RunningStack) -> None:
    # Given the demo tenant, most of its documents filed in folders (IT Glue lists only the root
    # ones unless asked for every one)
    tenant = TenantStore(synced_stack.stack.home / "demo").load()
    # Then each organization holds exactly its documents, and says how many are in folders
    listed = {o["id"]: o for o in synced_stack.api("GET", "/v1/organizations").json()}
    for org in tenant.all("organizations"):
        documents = tenant.of_organization("documents", org["id"])
        in_folders = [d for d in documents if d["attributes"]["document-folder-id"] is not None]
        assert listed[org["id"]]["counts"]["documents"] == len(documents), org["id"]
        assert listed[org["id"]]["counts"]["documents_in_folders"] == len(in_folders)
    # ... and the discovery that found them was complete, with nothing to purge
    discovery = synced_stack.api("GET", "/v1/organizations/discovery").json()
    assert discovery["complete"] is True and discovery["organizations"] == 7
    assert discovery["purged"] == []


def test_each_document_in_a_folder_is_found_with_its_folder_path(
    synced_stack: RunningStack,
) -> None:
    # Given Fabrikam's documents that live in folders
    tenant = TenantStore(synced_stack.stack.home / "demo").load()
    fabrikam = facts(synced_stack, "Fabrikam")
    folders = {f["id"]: f["attributes"] for f in tenant.all("document_folders")}
    filed = [
        d
        for d in tenant.of_organization("documents", fabrikam.id)
        if d["attributes"]["document-folder-id"] is not None
    ]
    assert len(filed) >= 10
    for document in filed:
        folder = folders[str(document["attributes"]["document-folder-id"])]
        path = [folder["name"]]
        if folder["parent-id"] is not None:
            path.insert(0, folders[str(folder["parent-id"])]["name"])
        # When its title is searched, Then it is found, its breadcrumb starting with its folders
        name = document["attributes"]["name"]
        hits = search(synced_stack, name, organization="Fabrikam")["results"][:5]
        mine = [h for h in hits if h["source_id"] == f"itglue:documents:{document['id']}"]
        assert mine, (name, [h["title"] for h in hits])
        assert mine[0]["title"].startswith(" > ".join([*path, name])), mine[0]["title"]


def test_an_answer_names_the_folder_of_a_document_it_cites(synced_stack: RunningStack) -> None:
    answer = ask(synced_stack, "which documents at Acme cover the server runbook of ACME-SQL01?")
    runbooks = [s for s in answer["sources"] if s["title"] == "Server Runbook: ACME-SQL01"]
    assert runbooks, answer
    assert runbooks[0]["folder"] == "Servers > Runbooks"


# ---------------------------------------------------------------------------- sync control
def test_organizations_and_their_sync_status(synced_stack: RunningStack) -> None:
    organizations = synced_stack.api("GET", "/v1/organizations").json()
    assert len(organizations) == 7 and all(o["sync_state"] == "ok" for o in organizations)
    status = synced_stack.api("GET", "/v1/organizations/Acme Corp/sync").json()
    assert status["state"] == "ok" and status["resources"]["configurations"]["fetched"] > 400
    queued = synced_stack.api(
        "POST", "/v1/organizations/Initech/sync", json={"mode": "incremental"}
    )
    assert queued.status_code == 202 and queued.json()["state"] == "queued"


def test_queueing_a_sync_needs_the_sync_scope(synced_stack: RunningStack) -> None:
    store = ApiKeyStore(synced_stack.clients.dynamodb, synced_stack.resource("ApiKeysTable"))
    key, _ = store.create("reader", ["*"], ["search"])
    response = synced_stack.api("POST", "/v1/organizations/Initech/sync", key)
    assert response.status_code == 403
    assert "sync" in response.json()["error"]["message"]
    assert (
        synced_stack.api("GET", "/v1/organizations", "gkb_notarealkey_" + "x" * 40).status_code
        == 401
    )
