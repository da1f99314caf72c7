"""Each handler invoked with the sample events in events/, against template.yaml on moto."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gluekb.adapters.dynamodb import from_item
from gluekb.adapters.state_store import StateStore
from gluekb.models.organizations import RegisteredOrganization
from gluekb_dev.demo.server import DemoItGlueServer, DemoServerConfig
from tests.support import LambdaContext, environment, event, load_handler


def test_api_health_reports_every_dependency_and_a_missing_embedder(
    moto_stack: dict[str, Any], tmp_path: Path
) -> None:
    # Given the api function with an embedded index and an embedder nobody answers on
    local = {
        "GLUEKB_SEARCH_BACKEND": "embedded",
        "GLUEKB_INDEX_PATH": str(tmp_path / "index"),
        "GLUEKB_EMBEDDER_URL": "http://127.0.0.1:9",
    }
    with environment(moto_stack["env"]["api"] | local):
        api = load_handler("api")
        response = api.handler(event("api/get_health.json"), LambdaContext())
    body = json.loads(response["body"])
    components = body["components"]
    assert {"table:state", "table:tickets", "queue:sync", "queue:index", "bucket:raw"} <= set(
        components
    )
    assert all(components[name]["ok"] for name in components if name != "embedder"), body
    # Then the health says which part is down, and says it with a 503
    assert components["embedder"]["ok"] is False
    assert body["status"] == "degraded" and response["statusCode"] == 503


def test_email_intake_files_a_delivered_message_once(moto_stack: dict[str, Any]) -> None:
    clients = moto_stack["clients"]
    sample = event("email_intake/s3_put_via_sqs.json")
    s3_event = json.loads(sample["Records"][0]["body"])["Records"][0]["s3"]
    clients.s3.put_object(
        Bucket=s3_event["bucket"]["name"],
        Key=s3_event["object"]["key"],
        Body=b"From: a@b\r\n\r\nhi",
    )
    with environment(moto_stack["env"]["email_intake"]):
        intake = load_handler("email_intake")
        first = intake.handler(sample, LambdaContext())
        again = intake.handler(sample, LambdaContext())  # a duplicate delivery
    assert first == {"batchItemFailures": []} and again == {"batchItemFailures": []}
    items = [from_item(i) for i in clients.dynamodb.scan(TableName="gluekb-local-tickets")["Items"]]
    (intake_record,) = [i for i in items if i["pk"].startswith("INTAKE#")]
    assert intake_record["key"] == s3_event["object"]["key"]
    assert intake_record["status"] == "ticket_created"
    assert [i["id"] for i in items if i["sk"] == "META"] == [intake_record["ticket_id"]]


def test_email_intake_ignores_s3_test_events(moto_stack: dict[str, Any]) -> None:
    with environment(moto_stack["env"]["email_intake"]):
        intake = load_handler("email_intake")
        assert intake.handler(
            event("email_intake/s3_test_event_via_sqs.json"), LambdaContext()
        ) == {"batchItemFailures": []}


@pytest.fixture
def itglue(moto_stack: dict[str, Any], demo_tenant_dir: Path) -> Iterator[DemoItGlueServer]:
    """The demo IT Glue, its key stored where the template says (Secrets Manager)."""
    env = moto_stack["env"]["sync_worker"]
    moto_stack["clients"].secretsmanager.put_secret_value(
        SecretId=env["GLUEKB_ITGLUE_API_KEY_SECRET"], SecretString="ITG.handler-test"
    )
    with DemoItGlueServer(
        demo_tenant_dir, DemoServerConfig(api_key="ITG.handler-test")
    ).running() as server:
        for name in ("sync_worker", "scheduled_sync"):
            moto_stack["env"][name]["GLUEKB_ITGLUE_BASE_URL"] = server.url
        yield server


def test_scheduled_sync_discovers_organizations_and_queues_one_job_each(
    moto_stack: dict[str, Any], itglue: DemoItGlueServer
) -> None:
    with environment(moto_stack["env"]["scheduled_sync"]):
        scheduled = load_handler("scheduled_sync")
        result = scheduled.handler(event("scheduled_sync/scheduled_event.json"), LambdaContext())
    assert result == {"queued": 7}
    sqs = moto_stack["clients"].sqs
    url = sqs.get_queue_url(QueueName="gluekb-local-sync")["QueueUrl"]
    bodies = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [json.loads(m["Body"]) for m in got]
    assert sorted(b["organization_id"] for b in bodies) == [str(n) for n in range(1001, 1008)]
    item = moto_stack["clients"].dynamodb.get_item(
        TableName="gluekb-local-state", Key={"pk": {"S": "SCHEDULE#sync"}, "sk": {"S": "LAST"}}
    )["Item"]
    assert from_item(item)["event_id"] == "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa"


def test_sync_worker_syncs_the_organization_of_a_job(
    moto_stack: dict[str, Any], itglue: DemoItGlueServer
) -> None:
    with environment(moto_stack["env"]["scheduled_sync"]):
        load_handler("scheduled_sync").handler(
            event("scheduled_sync/scheduled_event.json"), LambdaContext()
        )
    job = event("sync_worker/sync_job.json")
    body = json.loads(job["Records"][0]["body"]) | {"organization_id": "1007"}
    job["Records"][0]["body"] = json.dumps(body)
    with environment(moto_stack["env"]["sync_worker"]):
        result = load_handler("sync_worker").handler(job, LambdaContext())
    assert result == {"batchItemFailures": []}
    status = StateStore(moto_stack["clients"].dynamodb, "gluekb-local-state").sync_status("1007")
    assert status.state == "ok", status.errors
    assert status.resources["configurations"].created == 5


def test_sync_worker_purges_an_organization_it_glue_no_longer_has(
    moto_stack: dict[str, Any], itglue: DemoItGlueServer
) -> None:
    # Given an organization gluekb registered that IT Glue does not have (any more)
    state = StateStore(moto_stack["clients"].dynamodb, "gluekb-local-state")
    state.put_organization(RegisteredOrganization(id="1099", name="Dissolved Ltd"))
    # When the sync worker gets its purge job (as a complete discovery queues it)
    with environment(moto_stack["env"]["sync_worker"]):
        worker = load_handler("sync_worker")
        result = worker.handler(event("sync_worker/purge_job.json"), LambdaContext())
    # Then IT Glue is asked once more, the organization is purged, and the purge recorded
    assert result == {"batchItemFailures": []}
    assert "1099" not in {o.id for o in state.organizations()}
    assert [p.organization_id for p in state.recent_purges()] == ["1099"]
    assert any(r.path == "/organizations/1099" and r.status == 404 for r in itglue.requests)


def test_sync_worker_reports_a_malformed_job_as_a_batch_item_failure(
    moto_stack: dict[str, Any],
) -> None:
    with environment(moto_stack["env"]["sync_worker"]):
        worker = load_handler("sync_worker")
        bad = worker.handler(event("sync_worker/malformed_job.json"), LambdaContext())
    assert bad == {
        "batchItemFailures": [{"itemIdentifier": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"}]
    }


def test_webhooks_answer_404_for_unknown_providers(moto_stack: dict[str, Any]) -> None:
    request = event("api/get_health.json") | {
        "routeKey": "POST /webhooks/{proxy+}",
        "rawPath": "/webhooks/nope",
    }
    request["requestContext"] = request["requestContext"] | {
        "http": request["requestContext"]["http"] | {"method": "POST", "path": "/webhooks/nope"}
    }
    with environment(moto_stack["env"]["webhooks"]):
        webhooks = load_handler("webhooks")
        response = webhooks.handler(request, LambdaContext())
    assert response["statusCode"] == 404


def test_sync_worker_resyncs_the_one_record_a_webhook_named(
    moto_stack: dict[str, Any], itglue: DemoItGlueServer
) -> None:
    job = event("sync_worker/sync_job.json")
    body = json.loads(job["Records"][0]["body"]) | {
        "reason": "webhook",
        "resource_type": "documents",
        "record_id": "900001",
    }
    job["Records"][0]["body"] = json.dumps(body)
    with environment(moto_stack["env"]["sync_worker"]):
        result = load_handler("sync_worker").handler(job, LambdaContext())
    assert result == {"batchItemFailures": []}
    items = moto_stack["clients"].dynamodb.scan(TableName="gluekb-local-catalog")["Items"]
    records = {from_item(i)["pk"] for i in items if from_item(i)["sk"] == "META"}
    assert records == {"REC#itglue:documents:900001"}, records
