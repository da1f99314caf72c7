"""The embedder port, and its HTTP client: how the Lambda functions and the MCP server get query
embeddings without importing torch (the worker serves `POST /embed`)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import httpx

from gluekb.errors import DependencyUnavailable

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


class Embedder(Protocol):
    @property
    def dimension(self) -> int: ...

    @property
    def model_name(self) -> str: ...

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One L2-normalised float32 vector per text, shape (len(texts), dimension)."""


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
    def __init__(self, url: str, timeout_s: float = 2.0, dimension: int = 384) -> None:
        self.url = url.rstrip("/")
        self._dimension = dimension
        self._model = "remote"
        self._client = httpx.Client(timeout=timeout_s)

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def model_name(self) -> str:
        return self._model

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        try:
            response = self._client.post(f"{self.url}/embed", json={"texts": list(texts)})
            response.raise_for_status()
            payload = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise DependencyUnavailable(f"embedding service unavailable: {exc}") from exc
        self._model = str(payload.get("model", self._model))
        vectors = decode_vectors(payload)
        self._dimension = vectors.shape[1]
        return vectors

    def health(self) -> dict[str, object]:
        response = self._client.get(f"{self.url}/health")
        body: dict[str, object] = response.json()
        return {
            "ok": response.status_code == 200,
            "model": body.get("model"),
            "device": body.get("device"),
        }

    def close(self) -> None:
        self._client.close()
