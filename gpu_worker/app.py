"""The worker's HTTP side: GET /health, GET /metrics, POST /embed.

POST /embed batches concurrent callers together (a few milliseconds of gathering) and runs
ahead of index work on the device, so search latency does not suffer while the queue drains.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gluekb.adapters.embedder import Embedder, encode_vectors
from gluekb.services.indexing.gate import PriorityGate
from gpu_worker import metrics

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

MAX_TEXTS = 64
MAX_CHARS = 8000


class EmbedRequest(BaseModel):
    texts: list[str] = Field(min_length=1, max_length=MAX_TEXTS)


@dataclass
class _Pending:
    texts: list[str]
    future: asyncio.Future[NDArray[np.float32]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class EmbedBatcher:
    def __init__(
        self, embedder: Embedder, gate: PriorityGate, max_batch: int = 64, max_wait_s: float = 0.002
    ) -> None:
        self.embedder = embedder
        self.gate = gate
        self.max_batch = max_batch
        self.max_wait_s = max_wait_s
        self._queue: asyncio.Queue[_Pending] | None = None
        self._task: asyncio.Task[None] | None = None

    async def embed(self, texts: list[str]) -> NDArray[np.float32]:
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._task = asyncio.create_task(self._run())
        pending = _Pending(texts)
        await self._queue.put(pending)
        return await pending.future

    def _encode(self, texts: list[str]) -> NDArray[np.float32]:
        with self.gate.high():
            return self.embedder.embed(texts)

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            batch = [await self._queue.get()]
            size = len(batch[0].texts)
            deadline = time.monotonic() + self.max_wait_s
            while size < self.max_batch:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    item = await asyncio.wait_for(self._queue.get(), remaining)
                except TimeoutError:
                    break
                batch.append(item)
                size += len(item.texts)
            texts = [t for item in batch for t in item.texts]
            try:
                vectors = await asyncio.to_thread(self._encode, texts)
            except Exception as exc:  # every caller of this batch gets the error
                for item in batch:
                    if not item.future.done():
                        item.future.set_exception(exc)
                continue
            offset = 0
            for item in batch:
                if not item.future.done():
                    item.future.set_result(vectors[offset : offset + len(item.texts)])
                offset += len(item.texts)


def create_app(
    embedder: Embedder, batcher: EmbedBatcher, health: Callable[[], dict[str, Any]]
) -> Starlette:
    async def embed(request: Request) -> Response:
        started = time.perf_counter()
        try:
            body = EmbedRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
            return JSONResponse(
                {"error": {"code": "invalid_input", "message": "; ".join(problems)}}, 422
            )
        if any(len(t) > MAX_CHARS for t in body.texts):
            message = f"each text may have at most {MAX_CHARS} characters"
            return JSONResponse({"error": {"code": "invalid_input", "message": message}}, 422)
        vectors = await batcher.embed(body.texts)
        metrics.embeddings.labels("query").inc(len(body.texts))
        metrics.embed_request_seconds.observe(time.perf_counter() - started)
        return JSONResponse(
            {
                "model": embedder.model_name,
                "dimension": embedder.dimension,
                "count": len(body.texts),
                "vectors": encode_vectors(vectors),
            }
        )

    async def get_health(request: Request) -> Response:
        report = await asyncio.to_thread(health)
        return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)

    async def get_metrics(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/embed", embed, methods=["POST"]),
            Route("/health", get_health, methods=["GET"]),
            Route("/metrics", get_metrics, methods=["GET"]),
        ]
    )
