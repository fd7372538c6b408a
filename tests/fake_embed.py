"""A deterministic fake embedder for fast tests: hashed character trigrams -> unit vectors."""

from __future__ import annotations

import hashlib

import numpy as np

DIM = 256


class CountingEmbedder:
    """Embeds by hashed character trigrams; counts the texts it was asked to embed."""

    def __init__(self) -> None:
        self.calls = 0
        self.texts = 0

    def __call__(self, texts):
        self.calls += 1
        self.texts += len(texts)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, t in enumerate(texts):
            t = f"  {t.lower()}  "
            for j in range(len(t) - 2):
                h = int.from_bytes(hashlib.blake2b(t[j:j + 3].encode(), digest_size=4).digest(),
                                   "little")
                out[i, h % DIM] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)
