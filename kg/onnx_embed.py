"""Query vectors without torch: the embedding model exported once to ONNX.

``kg search`` (and ``kg ask`` when it falls back to search) needs one vector per query.
Importing torch and sentence-transformers and loading the model costs ~9 s of CPU on this
machine kind, for a 10 ms encoding. So the model is exported once — by
``scripts/install.sh`` (``python -m kg.onnx_embed``) or ``kg prepare`` — from the same
packaged weights to ``<cache_dir>/onnx/<model>/model.onnx``, and queries run it with
onnxruntime and the model's own fast tokenizer (``tokenizer.json``), then mean pooling and
L2 normalisation as the model's sentence-transformers modules do. sentence-transformers
stays the reference (the export is checked against it: cosine >= 0.999) and the bulk
encoder of node texts.

Only models whose sentence-transformers pipeline is Transformer -> mean Pooling ->
Normalize are exported; for another model, or when no export exists, the query path is
sentence-transformers as before (:func:`query_embedder` says which it uses).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from . import settings
from .errors import KGError
from .sentence_model import model_embedder, model_path
from .vocab import slug

FORMAT = "1"  # bump when the export's layout or pipeline changes
MIN_COSINE = 0.999
_CHECK_TEXTS = ("membership inference on Stable Diffusion", "DP-SGD",
                "attacker with full access to the weights",
                "recovering training images from shared gradients in federated learning")


def export_dir(model: str, cache_dir: Path | None = None) -> Path:
    cache_dir = cache_dir if cache_dir is not None else settings.path("cache_dir")
    stem = f"{slug(model)[:60]}-{hashlib.sha256(model.encode()).hexdigest()[:8]}"
    return cache_dir / "onnx" / stem


def _weights_digest(src: Path) -> str:
    """What the export was made from: the model directory's config and weight files."""
    h = hashlib.sha256(FORMAT.encode())
    for name in sorted(os.listdir(src)):
        p = src / name
        if p.is_file() and name.endswith((".json", ".safetensors", ".bin", ".txt")):
            h.update(name.encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def _pipeline(src: Path) -> int:
    """The max sequence length of a Transformer -> mean Pooling -> Normalize model, or
    KGError saying why the model cannot be exported."""
    try:
        modules = json.loads((src / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling = json.loads((src / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
        bert = json.loads((src / "sentence_bert_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as e:
        raise KGError(f"model at {src}: not a sentence-transformers directory ({e})") from None
    if kinds != ["Transformer", "Pooling", "Normalize"]:
        raise KGError(f"model at {src}: pipeline {kinds} is not Transformer -> Pooling -> "
                      "Normalize; queries use sentence-transformers")
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    if modes != ["pooling_mode_mean_tokens"]:
        raise KGError(f"model at {src}: pooling {modes} is not mean pooling; queries use "
                      "sentence-transformers")
    if not (src / "tokenizer.json").is_file():
        raise KGError(f"model at {src}: no fast tokenizer (tokenizer.json)")
    return int(bert.get("max_seq_length") or 512)


def export(model: str | None = None, cache_dir: Path | None = None,
           force: bool = False) -> Path:
    """Export ``model`` (default: the ``model`` setting) to ONNX once; the directory of
    the export. Checked against sentence-transformers before it is kept (all or nothing:
    a failed export leaves no directory)."""
    name = model or settings.get("model")
    src = Path(model_path(name))
    if not src.is_dir():
        raise KGError(f"model {name!r}: {src} is not a local model directory; only a local "
                      "sentence-transformers directory can be exported")
    max_len = _pipeline(src)
    out = export_dir(name, cache_dir)
    digest = _weights_digest(src)
    if not force and _meta(out).get("digest") == digest:
        return out
    import torch
    from transformers import AutoModel

    hf = AutoModel.from_pretrained(str(src)).eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.hf = hf

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.hf(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=token_type_ids).last_hidden_state

    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=out.parent, prefix=out.name + ".tmp-"))
    stage.chmod(0o755)
    try:
        ids = torch.ones((2, 8), dtype=torch.long)
        axes = {0: "batch", 1: "tokens"}
        with warnings.catch_warnings():  # the exporter's notes on opset details
            warnings.simplefilter("ignore")
            _export(torch, Encoder(), ids, axes, stage)
        shutil.copy(src / "tokenizer.json", stage / "tokenizer.json")
        meta = {"model": name, "source": str(src), "digest": digest, "format": FORMAT,
                "max_seq_length": max_len, "pooling": "mean", "normalize": True}
        (stage / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        reference = model_embedder(name)(list(_CHECK_TEXTS))
        got = OnnxEmbedder(stage)(list(_CHECK_TEXTS))
        cos = float(np.min(np.sum(reference * got, axis=1)))
        if cos < MIN_COSINE:
            raise KGError(f"model {name!r}: the ONNX export differs from sentence-transformers "
                          f"(cosine {cos:.5f} < {MIN_COSINE}); queries use "
                          "sentence-transformers")
        meta["check_cosine"] = round(cos, 6)
        (stage / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        os.replace(stage, out)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
    return out


def _export(torch, encoder, ids, axes: dict, stage: Path) -> None:
    torch.onnx.export(encoder, (ids, ids, torch.zeros_like(ids)), str(stage / "model.onnx"),
                      input_names=["input_ids", "attention_mask", "token_type_ids"],
                      output_names=["last_hidden_state"], opset_version=17,
                      dynamic_axes={"input_ids": axes, "attention_mask": axes,
                                    "token_type_ids": axes, "last_hidden_state": axes},
                      dynamo=False)


def _meta(d: Path) -> dict:
    try:
        return json.loads((d / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


class OnnxEmbedder:
    """Texts -> L2-normalised float32 rows, as the model's sentence-transformers pipeline
    computes them (tokenize, encode, mean over real tokens, normalise)."""

    def __init__(self, directory: Path, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        meta = _meta(directory)
        self.model_id = meta.get("model", str(directory))
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=int(meta.get("max_seq_length", 256)))
        pad = self.tokenizer.token_to_id("[PAD]") or 0
        self.tokenizer.enable_padding(pad_id=pad, pad_token="[PAD]")
        opts = ort.SessionOptions()
        # one thread: a query or two is fastest that way on a 2-core machine, and a
        # server's other users keep the other core
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(directory / "model.onnx"), opts,
                                            providers=["CPUExecutionProvider"])

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        out = []
        for i in range(0, len(texts), 64):
            enc = self.tokenizer.encode_batch(list(texts[i:i + 64]))
            ids = np.asarray([e.ids for e in enc], dtype=np.int64)
            mask = np.asarray([e.attention_mask for e in enc], dtype=np.int64)
            types = np.asarray([e.type_ids for e in enc], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": types})[0]
            m = mask[:, :, None].astype(np.float32)
            v = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            v /= np.clip(np.linalg.norm(v, axis=1, keepdims=True), 1e-12, None)
            out.append(v.astype(np.float32))
        return np.concatenate(out) if out else np.zeros((0, 0), dtype=np.float32)


@functools.cache
def onnx_embedder(model: str, cache_dir: str | None = None) -> OnnxEmbedder | None:
    """The exported model's embedder, or None when there is no current export."""
    d = export_dir(model, Path(cache_dir) if cache_dir else None)
    meta = _meta(d)
    if not meta or meta.get("format") != FORMAT or not (d / "model.onnx").is_file():
        return None
    try:
        src = Path(model_path(model))
        if src.is_dir() and meta.get("digest") != _weights_digest(src):
            return None  # the weights changed since the export
        return OnnxEmbedder(d)
    except (KGError, ImportError, OSError):
        return None


def main() -> None:  # python -m kg.onnx_embed [MODEL]: export once (install.sh runs it)
    import sys

    try:
        d = export(sys.argv[1] if len(sys.argv) > 1 else None)
    except KGError as e:
        print(f"kg.onnx_embed: {e}", file=sys.stderr)
        raise SystemExit(0 if "queries use sentence-transformers" in str(e) else 1) from None
    print(f"ONNX query model: {d} (cosine to sentence-transformers "
          f"{_meta(d).get('check_cosine')})")


if __name__ == "__main__":
    main()
