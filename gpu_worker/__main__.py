"""`python -m gpu_worker`: the embedding worker (index-queue loop + HTTP on GLUEKB_PORT)."""

from __future__ import annotations

import json
import socket
import sys
import threading

import uvicorn
from starlette.applications import Starlette

from gluekb.errors import ConfigurationError
from gluekb.observability import logger
from gluekb.settings import WorkerSettings, get_settings
from gluekb.wiring.worker import WorkerServices, worker_services
from gpu_worker.app import EmbedBatcher, create_app
from gpu_worker.metrics import PrometheusWorkerMetrics


def main() -> int:
    try:
        settings = get_settings(WorkerSettings)
    except ConfigurationError as exc:
        print(f"worker: {exc.message}", file=sys.stderr)
        return 2
    services = worker_services(settings, PrometheusWorkerMetrics())
    loop_thread = threading.Thread(target=services.loop.run, name="index-loop", daemon=True)
    loop_thread.start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    server = uvicorn.Server(
        uvicorn.Config(http_app(services), log_level="warning", access_log=False, lifespan="off")
    )
    announce_ready(f"http://{settings.host}:{sock.getsockname()[1]}", services)
    server.run(sockets=[sock])  # returns after SIGTERM/SIGINT
    services.loop.stop.set()
    loop_thread.join(settings.visibility_timeout_s)
    services.close()
    logger.info("worker stopped")
    return 0


def http_app(services: WorkerServices) -> Starlette:
    """POST /embed, GET /health, GET /metrics."""
    embedder = services.embedder
    return create_app(embedder, EmbedBatcher(embedder, services.gate), services.health)


def announce_ready(url: str, services: WorkerServices) -> None:
    """One line on stdout that supervisors (the local stack) wait for."""
    device = services.embedder.device
    print(json.dumps({"ready": True, "url": url, "device": device}), flush=True)
    logger.info("worker ready", extra={"device": device, "model": services.embedder.model_name})


if __name__ == "__main__":
    sys.exit(main())
