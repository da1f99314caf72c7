"""The embedding worker killed with SIGKILL in the middle of a batch, ten times: the local stack
replaces it (as ECS would), the killed batch comes back after its visibility timeout, and in the
end every document is indexed exactly once: no loss, no duplicate chunks."""

from __future__ import annotations

import os
import random
import signal
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from gluekb.adapters.embedded_index import EmbeddedIndex
from gluekb.adapters.sqs import JobQueue
from gluekb.models.documents import IndexJob, RecordField, SourceDocument
from gluekb.services.indexing.chunking import chunk_document
from tests.e2e.conftest import RunningStack, start_stack, stop_stack
from tests.support import FakeClock, wait_until

ORG = "7001"
DOCUMENTS = 240
KILLS = 10


def document(n: int) -> SourceDocument:
    return SourceDocument(
        source_id=f"itglue:configurations:{n}",
        organization_id=ORG,
        source_type="configuration",
        kind="record",
        title=f"SRV-{n:04d}",
        fields=[
            RecordField(name="Primary IP", value=f"10.9.{n // 250}.{n % 250}"),
            RecordField(name="Role", value=f"file server marker{n:04d}"),
        ],
        notes=f"Runbook for marker{n:04d}. " + "Patch monthly and check the backup job. " * 40,
        identifiers={"hostname": [f"srv-{n:04d}"]},
    )


def queue_depth(running: RunningStack) -> tuple[int, int]:
    attributes = running.clients.sqs.get_queue_attributes(
        QueueUrl=running.resource("IndexQueue"),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
    )


def test_kill_9_mid_batch_ten_times_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    running = start_stack(
        tmp_path,
        FakeClock(datetime.now(UTC)),
        # Short visibility so a killed batch comes back within seconds, small batches so ten
        # kills land in different batches; the redrive limit stays the template's.
        environment={"GLUEKB_VISIBILITY_TIMEOUT_S": "4", "GLUEKB_BATCH_MAX_MESSAGES": "10"},
    )
    rng = random.Random(11)
    try:
        stack = running.stack
        docs = [document(n) for n in range(DOCUMENTS)]
        queue = running.resource("IndexQueue")
        JobQueue(running.clients.sqs, queue).send_all(
            [
                IndexJob(
                    op="upsert",
                    source_id=d.source_id,
                    organization_id=ORG,
                    document=d,
                    enqueued_at=datetime.now(UTC),
                )
                for d in docs
            ]
        )
        kills = 0
        while kills < KILLS:
            # When a worker has finished at least one batch and holds the next one in flight
            worker = stack.worker
            assert worker is not None
            before = sum(queue_depth(running))

            def mid_batch(before: int = before) -> bool:
                visible, in_flight = queue_depth(running)
                return visible + in_flight < before and in_flight > 0

            wait_until(mid_batch, timeout_s=180, every_s=0.05)
            # Then it is killed without warning
            os.kill(worker.pid, signal.SIGKILL)
            kills += 1

            # And the stack replaces it
            def replaced(expected: int = kills) -> bool:
                return stack.worker_restarts == expected and stack.components()["worker"]["ok"]

            wait_until(replaced, timeout_s=120, every_s=0.2)
        # When the last worker drains the queue
        wait_until(lambda: queue_depth(running) == (0, 0), timeout_s=600, every_s=1)
        # Then nothing reached the dead-letter queue
        dlq = running.clients.sqs.get_queue_attributes(
            QueueUrl=running.resource("IndexDeadLetterQueue"),
            AttributeNames=["ApproximateNumberOfMessages"],
        )["Attributes"]
        assert dlq["ApproximateNumberOfMessages"] == "0"
        # And every document is there exactly once: all its chunks, no duplicate, and findable
        index = EmbeddedIndex(tmp_path / "index")
        try:
            assert index.count([ORG]) == sum(len(chunk_document(d)) for d in docs)
            for d in docs:
                chunks = index.source_chunks(d.source_id, [ORG])
                expected = chunk_document(d)
                assert len(chunks) == len(expected), d.source_id
                assert Counter(c.chunk_id for c in chunks).most_common(1)[0][1] == 1
            for n in rng.sample(range(DOCUMENTS), 20):
                hits = index.bm25(f"marker{n:04d}", [ORG], k=50)
                assert {h.chunk.source_id for h in hits} == {f"itglue:configurations:{n}"}
        finally:
            index.close()
        assert stack.worker_restarts == KILLS
    finally:
        stop_stack(running)
