"""The embedding worker's queue loop against moto SQS/S3/DynamoDB, the real model and the
embedded index: poison messages, unfetchable sources, unchanged re-sends, hostile input."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gluekb.adapters.embedded_index import EmbeddedIndex
from gluekb.adapters.payload_store import PayloadStore
from gluekb.adapters.sqs_work_queue import SqsWorkQueue
from gluekb.adapters.state_store import StateStore
from gluekb.models.documents import IndexJob, RecordField, SourceDocument
from gluekb.observability import use_correlation_id
from gluekb.services.indexing.encoding import gated_encoder
from gluekb.services.indexing.gate import PriorityGate
from gluekb.services.indexing.index_worker import IndexWorker, LoopConfig
from gluekb.services.indexing.pipeline import IndexingService
from tests.support import json_log_lines

ORG = "1001"


class CountingEncoder:
    def __init__(self, encode: Any) -> None:
        self.encode = encode
        self.texts = 0

    def __call__(self, texts: list[str]) -> Any:
        self.texts += len(texts)
        return self.encode(texts)


def record(n: int, *, org: str = ORG, extra: str = "") -> SourceDocument:
    return SourceDocument(
        source_id=f"itglue:configuration:{n}",
        organization_id=org,
        source_type="configuration",
        kind="record",
        title=f"SRV-{n:04d}",
        fields=[
            RecordField(name="Primary IP", value=f"10.1.{n // 250}.{n % 250}"),
            RecordField(name="Role", value=f"file server {extra}".strip()),
        ],
        identifiers={"ip": [f"10.1.{n // 250}.{n % 250}"], "hostname": [f"srv-{n:04d}"]},
    )


def job(document: SourceDocument) -> str:
    return IndexJob(
        op="upsert",
        source_id=document.source_id,
        organization_id=document.organization_id,
        document=document,
        enqueued_at=datetime.now(UTC),
    ).model_dump_json()


@pytest.fixture
def rig(moto_stack: dict[str, Any], embedder: Any, tmp_path: Path) -> Iterator[dict[str, Any]]:
    clients = moto_stack["clients"]
    dlq = clients.sqs.create_queue(QueueName=f"t-dlq-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    dlq_arn = clients.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    queue = clients.sqs.create_queue(
        QueueName=f"t-index-{uuid.uuid4().hex[:6]}",
        Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
        },
    )["QueueUrl"]
    index = EmbeddedIndex(tmp_path / "index", dimension=embedder.dimension, writer=True)
    encoder = CountingEncoder(gated_encoder(embedder, PriorityGate(), 64))
    documents = PayloadStore(clients.s3, "gluekb-local-raw-123456789012")
    state = StateStore(clients.dynamodb, "gluekb-local-state")
    worker = IndexWorker(
        SqsWorkQueue(clients.sqs, queue),
        IndexingService(index, encoder, documents),
        LoopConfig(poll_wait_s=0, visibility_timeout_s=30, max_receive_count=2),
        state,
    )
    yield {
        "clients": clients,
        "queue": queue,
        "dlq": dlq,
        "index": index,
        "encoder": encoder,
        "worker": worker,
        "documents": documents,
        "state": state,
    }
    index.close()


def drain(rig: dict[str, Any], rounds: int = 6) -> None:
    for _ in range(rounds):
        messages = rig["worker"].receive()
        if not messages:
            return
        rig["worker"].process(messages)


def send(rig: dict[str, Any], bodies: list[str]) -> list[str]:
    ids = []
    for start in range(0, len(bodies), 10):
        response = rig["clients"].sqs.send_message_batch(
            QueueUrl=rig["queue"],
            Entries=[
                {"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies[start : start + 10])
            ],
        )
        ids += [m["MessageId"] for m in response["Successful"]]
    return ids


def dlq_bodies(rig: dict[str, Any]) -> list[str]:
    got = rig["clients"].sqs.receive_message(QueueUrl=rig["dlq"], MaxNumberOfMessages=10)
    return [m["Body"] for m in got.get("Messages", [])]


def test_a_poison_message_reaches_the_dlq_with_its_reason_and_the_rest_is_indexed(
    rig: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    # Given a batch with one unparseable job, one whose document cannot be fetched, and good ones
    missing = IndexJob(
        op="upsert",
        source_id="itglue:document:404",
        organization_id=ORG,
        document_key="documents/nope/abc.json",
        enqueued_at=datetime.now(UTC),
    )
    bodies = ["{not json", missing.model_dump_json()] + [job(record(n)) for n in range(3)]
    ids = send(rig, bodies)
    # When the worker drains the queue
    drain(rig)
    # Then both poison messages are in the DLQ, untouched, and their reasons are recorded
    assert sorted(dlq_bodies(rig)) == sorted(bodies[:2])
    reasons = [rig["state"].index_failure(i) for i in ids[:2]]
    assert "unparseable index job" in reasons[0]["reason"]
    assert (
        "does not exist" in reasons[1]["reason"]
        and reasons[1]["source_id"] == "itglue:document:404"
    )
    assert all(r["dead_lettered"] for r in reasons)
    # And the good jobs were indexed exactly once
    assert rig["index"].count([ORG]) == 3
    hits = rig["index"].exact({"ip": ["10.1.0.2"]}, [ORG])
    assert [h.chunk.source_id for h in hits] == ["itglue:configuration:2"]


def test_resending_unchanged_documents_embeds_nothing(rig: dict[str, Any]) -> None:
    bodies = [job(record(n)) for n in range(1000)]
    send(rig, bodies)
    drain(rig, rounds=200)
    first = rig["encoder"].texts
    assert first == 1000 and rig["index"].count([ORG]) == 1000
    # When the same 1,000 documents come again (a full sweep re-sends unchanged records)
    send(rig, bodies)
    drain(rig, rounds=200)
    # Then nothing was re-embedded and nothing duplicated
    assert rig["encoder"].texts == first
    assert rig["index"].count([ORG]) == 1000


def test_a_changed_record_reuses_the_vectors_of_its_unchanged_chunks(rig: dict[str, Any]) -> None:
    document = record(7)
    document = document.model_copy(update={"notes": "<p>Backups run nightly.</p>"})
    send(rig, [job(document)])
    drain(rig)
    before = rig["encoder"].texts
    changed = document.model_copy(update={"notes": "<p>Backups run hourly.</p>"})
    send(rig, [job(changed)])
    drain(rig)
    assert rig["encoder"].texts - before == 1  # only the notes chunk changed
    assert [c.text for c in rig["index"].source_chunks(document.source_id, [ORG])][1].endswith(
        "hourly."
    )


def test_hostile_input_is_indexed_or_rejected_and_never_crashes(
    rig: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    big = SourceDocument(
        source_id="itglue:document:big",
        organization_id=ORG,
        source_type="document",
        kind="file",
        title="big.txt",
        language="text",
        content=("lorem ipsum dolor sit amet " * 200 + "\n\n") * 950,
    )  # ~5 MB
    key = rig["documents"].put(big)
    rig["clients"].s3.put_object(
        Bucket=rig["documents"].bucket, Key="documents/garbage.json", Body=bytes(range(256)) * 4
    )
    empty = SourceDocument(
        source_id="itglue:document:empty",
        organization_id=ORG,
        source_type="document",
        kind="article",
        title="",
    )
    weird = record(9, extra="\x00\x07 \ud7ff \U0001f525 ünïcödé")
    bodies = [
        IndexJob(
            op="upsert",
            source_id=big.source_id,
            organization_id=ORG,
            document_key=key,
            enqueued_at=datetime.now(UTC),
        ).model_dump_json(),
        IndexJob(
            op="upsert",
            source_id="itglue:document:garbage",
            organization_id=ORG,
            document_key="documents/garbage.json",
            enqueued_at=datetime.now(UTC),
        ).model_dump_json(),
        job(empty),
        job(weird),
        "\t\u00ff\ufffd binary garbage \u0394",
    ]
    with caplog.at_level(logging.INFO):
        send(rig, bodies)
        drain(rig, rounds=10)
    assert sorted(dlq_bodies(rig)) == sorted([bodies[1], bodies[4]])
    index = rig["index"]
    assert 0 < len(index.source_chunks(big.source_id, [ORG])) <= 2000
    assert len(index.source_chunks(empty.source_id, [ORG])) == 1
    assert index.source_chunks(weird.source_id, [ORG])
    assert rig["worker"].alive is False  # never started run(); process() returned every time


def test_query_embeddings_match_the_model(embedder: Any) -> None:
    from starlette.testclient import TestClient

    from gluekb.adapters.embedder import decode_vectors
    from gpu_worker.app import EmbedBatcher, create_app

    app = create_app(embedder, EmbedBatcher(embedder, PriorityGate()), lambda: {"status": "ok"})
    with TestClient(app) as client:
        response = client.post("/embed", json={"texts": ["firewall ip at acme", "sql servers"]})
        assert response.status_code == 200
        vectors = decode_vectors(response.json())
        assert np.allclose(
            vectors, embedder.embed(["firewall ip at acme", "sql servers"]), atol=1e-5
        )
        assert client.post("/embed", json={"texts": []}).status_code == 422
        assert client.post("/embed", json={"texts": ["x" * 9000]}).status_code == 422
        assert client.post("/embed", content=b"nope").status_code == 422
        assert "gluekb_worker_embeddings_total" in client.get("/metrics").text


def test_the_worker_is_wired_from_its_settings_and_gives_up_where_the_queue_does(
    moto_stack: dict[str, Any], tmp_path: Path
) -> None:
    from gluekb.settings import WorkerSettings, load_settings
    from gluekb.wiring.worker import worker_services
    from tests.support import environment

    # Given the worker's settings as the template deploys it, with the embedded index
    clients, physical = moto_stack["clients"], moto_stack["template"].physical
    queue = physical["IndexQueue"].ref
    with environment(
        {
            "GLUEKB_STATE_TABLE": physical["StateTable"].ref,
            "GLUEKB_INDEX_QUEUE_URL": queue,
            "GLUEKB_RAW_BUCKET": physical["RawBucket"].ref,
            "GLUEKB_SEARCH_BACKEND": "embedded",
            "GLUEKB_INDEX_PATH": str(tmp_path / "index"),
            "GLUEKB_DEVICE": "cpu",
        }
    ):
        settings = load_settings(WorkerSettings)
    # And one job waiting on the index queue
    clients.sqs.send_message(QueueUrl=queue, MessageBody=job(record(1)))
    # When the worker's services are built from them
    services = worker_services(settings)
    try:
        # Then the loop gives up on a job after as many receives as the redrive policy allows
        policy = clients.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["RedrivePolicy"])[
            "Attributes"
        ]["RedrivePolicy"]
        assert services.loop.config.max_receive_count == json.loads(policy)["maxReceiveCount"]
        # And health shows the model, the empty index, the waiting job and a loop not yet running
        before = services.health()
        assert before["device"] == "cpu" and before["components"]["index"]["chunks"] == 0
        assert before["components"]["queue"]["visible"] == 1
        assert before["status"] == "degraded" and not before["components"]["loop"]["ok"]
        # And one turn of the loop indexes the job into the index the settings name
        services.loop.process(services.loop.receive())
        after = services.health()
        assert after["components"]["index"]["chunks"] == 1
        assert after["components"]["queue"]["visible"] == 0
        assert after["components"]["loop"]["batches"] == 1
    finally:
        services.close()


def test_the_loop_measures_into_the_workers_prometheus_metrics(rig: dict[str, Any]) -> None:
    from gpu_worker import metrics

    def sample(name: str, **labels: str) -> float:
        return metrics.registry.get_sample_value(name, labels) or 0.0

    # Given the loop measuring into the worker's Prometheus metrics (GET /metrics)
    rig["worker"].metrics = metrics.PrometheusWorkerMetrics()
    indexed = sample("gluekb_worker_documents_total", status="indexed")
    poison = sample("gluekb_worker_failures_total", kind="poison")
    chunks = sample("gluekb_worker_chunks_written_total")
    batches = sample("gluekb_worker_batch_seconds_count")
    # When it indexes two documents and meets one message that holds no job
    send(rig, [job(record(1)), job(record(2)), "{not json"])
    drain(rig, rounds=1)
    # Then the documents, the chunks, the failure and the batch are counted
    assert sample("gluekb_worker_documents_total", status="indexed") == indexed + 2
    assert sample("gluekb_worker_failures_total", kind="poison") == poison + 1
    assert sample("gluekb_worker_chunks_written_total") == chunks + 2
    assert sample("gluekb_worker_batch_seconds_count") == batches + 1


def test_each_index_write_is_logged_under_the_correlation_id_its_job_carries(
    rig: dict[str, Any],
) -> None:
    # Given two jobs queued by two requests, and one queued without a correlation id
    sqs = rig["clients"].sqs
    for n, request in ((1, "req-one"), (2, "req-two")):
        attributes = {"correlation_id": {"DataType": "String", "StringValue": request}}
        sqs.send_message(
            QueueUrl=rig["queue"], MessageBody=job(record(n)), MessageAttributes=attributes
        )
    (plain,) = send(rig, [job(record(3))])
    # When the worker indexes them (in one batch)
    with json_log_lines() as lines:
        drain(rig)
    use_correlation_id(None)
    # Then each job's index write is logged under its own id (its message id when it had none)
    writes = {
        line["source_id"]: line["correlation_id"]
        for line in lines
        if line["message"] == "index write"
    }
    assert writes == {
        "itglue:configuration:1": "req-one",
        "itglue:configuration:2": "req-two",
        "itglue:configuration:3": plain,
    }
    # And each batch line lists the ids it served
    served = [
        c for line in lines if line["message"] == "batch indexed" for c in line["correlation_ids"]
    ]
    assert sorted(served) == sorted(["req-one", "req-two", plain])
