"""Index-side encoding: sorted by length, split into sub-batches that each hold the device
briefly, so a query embedding waits for at most one sub-batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from gluekb.adapters.embedder import Embedder
from gluekb.services.indexing.gate import PriorityGate

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


def gated_encoder(
    embedder: Embedder, gate: PriorityGate, sub_batch: int
) -> Callable[[list[str]], NDArray[np.float32]]:
    import numpy as np

    def encode(texts: list[str]) -> NDArray[np.float32]:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), embedder.dimension), dtype=np.float32)
        for start in range(0, len(order), sub_batch):
            positions = order[start : start + sub_batch]
            with gate.low():
                out[positions] = embedder.embed([texts[i] for i in positions])
        return out

    return encode
