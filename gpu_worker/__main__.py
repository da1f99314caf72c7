"""`python -m gpu_worker`: the embedding worker (index-queue loop + HTTP on GLUEKB_PORT)."""

from __future__ import annotations

import json
import socket
import sys
import threading
from typing import Any

import uvicorn

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.payload_store import PayloadStore
from gluekb.adapters.sentence_embedder import SentenceTransformerEmbedder
from gluekb.adapters.state_store import StateStore
from gluekb.errors import ConfigurationError
from gluekb.observability import logger
from gluekb.services.health import check_health
from gluekb.services.indexing.pipeline import IndexingService
from gluekb.settings import WorkerSettings, get_settings
from gluekb.wiring.search_index import open_search_index
from gpu_worker import metrics
from gpu_worker.app import EmbedBatcher, create_app
from gpu_worker.encoding import gated_encoder
from gpu_worker.gate import PriorityGate
from gpu_worker.worker import IndexWorker, LoopConfig


def _max_receive_count(clients: AwsClients, queue_url: str) -> int:
    attributes = clients.sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["RedrivePolicy"]
    )
    policy = attributes.get("Attributes", {}).get("RedrivePolicy")
    return int(json.loads(policy)["maxReceiveCount"]) if policy else 1_000_000


def main() -> int:
    try:
        settings = get_settings(WorkerSettings)
    except ConfigurationError as exc:
        print(f"worker: {exc.message}", file=sys.stderr)
        return 2
    embedder = SentenceTransformerEmbedder(
        settings.model_path, settings.device, settings.encode_batch_size, settings.cpu_threads
    )
    index = open_search_index(settings, dimension=embedder.dimension, writer=True)
    clients = AwsClients.from_settings(settings)
    gate = PriorityGate()
    indexing = IndexingService(
        index,
        # On a CPU a sub-batch holds the device for seconds: keep them small, so a query
        # embedding (which goes first) never waits long.
        gated_encoder(
            embedder, gate, settings.encode_batch_size if embedder.device == "cuda" else 16
        ),
        PayloadStore(clients.s3, settings.raw_bucket),
    )
    worker = IndexWorker(
        clients.sqs,
        indexing,
        LoopConfig(
            queue_url=settings.index_queue_url,
            poll_wait_s=settings.poll_wait_s,
            batch_max_messages=settings.batch_max_messages,
            gather_window_s=settings.gather_window_s,
            visibility_timeout_s=settings.visibility_timeout_s,
            max_receive_count=_max_receive_count(clients, settings.index_queue_url),
        ),
        StateStore(clients.dynamodb, settings.state_table),
    )

    def queue_probe() -> dict[str, Any]:
        attributes = clients.sqs.get_queue_attributes(
            QueueUrl=settings.index_queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        visible = int(attributes.get("ApproximateNumberOfMessages", 0))
        in_flight = int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0))
        metrics.queue_visible.set(visible)
        metrics.queue_in_flight.set(in_flight)
        return {"visible": visible, "in_flight": in_flight}

    def health() -> dict[str, Any]:
        report = check_health(
            {
                "model": lambda: {
                    "name": embedder.model_name,
                    "device": embedder.device,
                    "dimension": embedder.dimension,
                },
                "index": lambda: {"chunks": index.count()},
                "queue": queue_probe,
                "loop": worker.health,
            }
        )
        body = report.as_json()
        body.update({"model": embedder.model_name, "device": embedder.device})
        return body

    loop_thread = threading.Thread(target=worker.run, name="index-loop", daemon=True)
    loop_thread.start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(embedder, EmbedBatcher(embedder, gate), health),
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
    )
    # One line that supervisors (the local stack) wait for.
    print(
        json.dumps(
            {
                "ready": True,
                "url": f"http://{settings.host}:{sock.getsockname()[1]}",
                "device": embedder.device,
            }
        ),
        flush=True,
    )
    logger.info("worker ready", extra={"device": embedder.device, "model": embedder.model_name})
    server.run(sockets=[sock])  # returns after SIGTERM/SIGINT
    worker.stop.set()
    loop_thread.join(settings.visibility_timeout_s)
    index.close()
    logger.info("worker stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
