"""Indexing throughput: the whole worker pipeline next to a raw encode of the same texts.

    python bench/ingest.py [--documents 400] [--device auto] [--rounds 2]

(a) raw: `SentenceTransformer.encode` on exactly the texts the pipeline embeds (the chunks'
    embedding texts), on the same device, batch size 64.
(b) pipeline: index jobs on the index queue (template.yaml on moto) → the worker's loop
    (receive, gather a batch, chunk, embed through the priority gate, one index write per batch,
    delete) → the embedded index. Timed from the first receive to the queue being empty.

The two alternate for `--rounds` rounds (a shared machine's load hits both alike); the best
rate of each counts. `ratio` = pipeline / raw; target ≥ 0.9 on CPU. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from moto import mock_aws

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.embedded_index import EmbeddedIndex
from gluekb.adapters.sentence_embedder import SentenceTransformerEmbedder
from gluekb.adapters.sqs import JobQueue
from gluekb.adapters.sqs_work_queue import SqsWorkQueue
from gluekb.models.documents import IndexJob, RecordField, Section, SourceDocument
from gluekb.services.indexing.chunking import chunk_document
from gluekb.services.indexing.encoding import gated_encoder
from gluekb.services.indexing.gate import PriorityGate
from gluekb.services.indexing.index_worker import IndexWorker, LoopConfig
from gluekb.services.indexing.pipeline import IndexingService, embedding_text
from gluekb_dev.stack.embedded import LOCAL_PARAMETERS
from gluekb_dev.stack.provision import Provisioner
from gluekb_dev.stack.template import Template

ROOT = Path(__file__).resolve().parents[1]
WORDS = [
    "backup",
    "restore",
    "firewall",
    "switch",
    "vlan",
    "printer",
    "vpn",
    "tunnel",
    "certificate",
    "renewal",
    "domain",
    "mailbox",
    "exchange",
    "replication",
    "server",
    "patch",
    "schedule",
    "escalation",
    "vendor",
    "warranty",
    "license",
    "contact",
    "outage",
    "failover",
    "dns",
    "dhcp",
    "gateway",
    "subnet",
    "wireless",
    "controller",
    "storage",
    "snapshot",
    "retention",
]


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def documents(count: int, seed: int) -> list[SourceDocument]:
    """Half configurations (record card + notes), half articles with sections: both shapes."""
    rng = random.Random(seed)
    docs: list[SourceDocument] = []
    for n in range(count):
        org = str(5000 + n % 20)
        if n % 2:
            docs.append(
                SourceDocument(
                    source_id=f"itglue:configurations:{seed}{n}",
                    organization_id=org,
                    source_type="configuration",
                    kind="record",
                    title=f"SRV-{n:05d}",
                    fields=[
                        RecordField(name="Primary IP", value=f"10.{n % 250}.{n // 250}.4"),
                        RecordField(name="Operating System", value="Windows Server 2022"),
                        RecordField(name="Role", value=sentence(rng, 6)),
                    ],
                    notes=" ".join(sentence(rng, 14) for _ in range(rng.randint(2, 30))),
                )
            )
        else:
            docs.append(
                SourceDocument(
                    source_id=f"itglue:documents:{seed}{n}",
                    organization_id=org,
                    source_type="document",
                    kind="article",
                    title=f"Runbook {n}",
                    sections=[
                        Section(
                            heading=f"Step {s}",
                            text=" ".join(sentence(rng, 16) for _ in range(rng.randint(2, 12))),
                        )
                        for s in range(rng.randint(1, 6))
                    ],
                )
            )
    return docs


def raw_rate(embedder: SentenceTransformerEmbedder, texts: list[str]) -> float:
    started = time.perf_counter()
    embedder.model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
    return len(texts) / (time.perf_counter() - started)


def pipeline_rate(
    embedder: SentenceTransformerEmbedder, docs: list[SourceDocument], chunks: int, home: Path
) -> float:
    clients = AwsClients("us-east-1")
    queue = clients.sqs.get_queue_url(QueueName="gluekb-local-index")["QueueUrl"]
    JobQueue(clients.sqs, queue).send_all(
        [
            IndexJob(
                op="upsert",
                source_id=d.source_id,
                organization_id=d.organization_id,
                document=d,
                enqueued_at=datetime.now(UTC),
            )
            for d in docs
        ]
    )
    index = EmbeddedIndex(home, dimension=embedder.dimension, writer=True)
    # As gluekb/wiring/worker.py builds it: CPU sub-batches of 16 behind the priority gate.
    sub_batch = 64 if embedder.device == "cuda" else 16
    indexing = IndexingService(index, gated_encoder(embedder, PriorityGate(), sub_batch))
    worker = IndexWorker(
        SqsWorkQueue(clients.sqs, queue),
        indexing,
        LoopConfig(poll_wait_s=0, batch_max_messages=50, gather_window_s=0.5),
    )
    thread = threading.Thread(target=worker.run, daemon=True)
    started = time.perf_counter()
    thread.start()
    while index.count() < chunks:
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    worker.stop.set()
    thread.join(30)
    index.close()
    return chunks / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=400)
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder(device=args.device)
    raw: list[float] = []
    pipeline: list[float] = []
    chunks = 0
    with tempfile.TemporaryDirectory() as tmp, mock_aws():
        Provisioner(
            Template(ROOT / "template.yaml", LOCAL_PARAMETERS),
            AwsClients("us-east-1"),
            {"WebhookSecret": "{}", "ConsoleSessionSecret": "{}"},
            tls=False,
        ).provision()
        embedder.embed(["warm up"])
        for round_ in range(args.rounds):
            docs = documents(args.documents, seed=round_ + 1)  # fresh sources: nothing reused
            texts = [embedding_text(c) for d in docs for c in chunk_document(d)]
            chunks = len(texts)
            raw.append(raw_rate(embedder, texts))
            pipeline.append(pipeline_rate(embedder, docs, chunks, Path(tmp) / f"index-{round_}"))
            print(
                f"round {round_ + 1}: {chunks} chunks, raw {raw[-1]:.1f}/s, "
                f"pipeline {pipeline[-1]:.1f}/s",
                file=sys.stderr,
            )
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "raw_chunks_per_s": round(max(raw), 1),
                "pipeline_chunks_per_s": round(max(pipeline), 1),
                "ratio": round(max(pipeline) / max(raw), 3),
                "peak_rss_mb": round(peak_kb / 1024, 1),
                "device": embedder.device,
                "chunks_per_round": chunks,
                "rounds": args.rounds,
                "cpu_count": os.cpu_count(),
                "load_average_1m": round(os.getloadavg()[0], 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
