"""The embedder port: text to vectors. The model itself in the worker
(`SentenceTransformerEmbedder`), its `POST /embed` over HTTP (`HttpEmbedder`) elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

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
