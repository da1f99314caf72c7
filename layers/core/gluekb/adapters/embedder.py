"""The embedder's HTTP client: how the Lambda functions and the MCP server get query embeddings
without importing torch (the worker serves `POST /embed`). The port is `gluekb.ports.embedder`."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gluekb.errors import DependencyUnavailable
from gluekb.ports.embedder import Embedder as Embedder  # re-exported for its older importers

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


def decode_vectors(payload: dict[str, object]) -> NDArray[np.float32]:
    """The worker answers with base64 little-endian float32 (compact and exact)."""
    import numpy as np

    dimension = int(str(payload["dimension"]))
    raw = base64.b64decode(str(payload["vectors"]))
    return np.frombuffer(raw, dtype="<f4").reshape(-1, dimension).astype(np.float32)


def encode_vectors(vectors: NDArray[np.float32]) -> str:
    import numpy as np

    return base64.b64encode(np.ascontiguousarray(vectors, dtype="<f4").tobytes()).decode()


class HttpEmbedder:
    """POST /embed on the worker. urllib3 (which botocore already brings) keeps the Lambda's
    imports small; the pool is made on first use and keeps connections alive."""

    def __init__(self, url: str, timeout_s: float = 3.0, dimension: int = 384) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self._dimension = dimension
        self._model = "remote"
        self._pool: Any = None

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def model_name(self) -> str:
        return self._model

    def _request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, Any]:
        import urllib3

        if self._pool is None:
            self._pool = urllib3.PoolManager(maxsize=8, retries=False)
        response = self._pool.request(
            method,
            f"{self.url}{path}",
            body=body,
            headers={"Content-Type": "application/json"} if body is not None else None,
            timeout=urllib3.Timeout(total=self.timeout_s),
        )
        return response.status, json.loads(response.data or b"null")

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        try:
            status, payload = self._request(
                "POST", "/embed", json.dumps({"texts": list(texts)}).encode()
            )
        except Exception as exc:  # urllib3's errors, refused connections, timeouts, bad JSON
            raise DependencyUnavailable(f"embedding service unavailable: {exc}") from exc
        if status != 200 or not isinstance(payload, dict):
            raise DependencyUnavailable(f"embedding service answered {status}")
        self._model = str(payload.get("model", self._model))
        vectors = decode_vectors(payload)
        self._dimension = vectors.shape[1]
        return vectors

    def health(self) -> dict[str, object]:
        status, body = self._request("GET", "/health")
        return {"ok": status == 200, "model": body.get("model"), "device": body.get("device")}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.clear()
