"""The query path without torch (issue 17): the ONNX export, its equality with
sentence-transformers, and a warm `kg search` that runs no query and imports no torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from kg.embed import query_embedder
from kg.errors import KGError
from kg.search import Searcher, _search_data_key
from kg.sentence_model import DEFAULT_MODEL, lazy_embedder
from kg.stores.memory import MemoryStore
from tests.fake_embed import CountingEmbedder

ROOT = Path(__file__).resolve().parent.parent


class CountingStore:
    """A store that counts the queries it runs (a cached search must run none)."""

    def __init__(self, inner: MemoryStore, content_id: str) -> None:
        self.inner = inner
        self.content_id = content_id
        self.name = "counting"
        self.queries = 0

    def select(self, sparql, bindings=None):
        self.queries += 1
        return self.inner.select(sparql, bindings)

    def ask(self, sparql, bindings=None):
        self.queries += 1
        return self.inner.ask(sparql, bindings)

    def construct(self, sparql, bindings=None):
        self.queries += 1
        return self.inner.construct(sparql, bindings)


def test_search_data_is_cached_by_the_graph_content(graph, tmp_path):
    first = CountingStore(MemoryStore(graph), "a" * 64)
    s1 = Searcher(first, CountingEmbedder(), "fake", tmp_path)
    assert first.queries > 0
    again = CountingStore(MemoryStore(graph), "a" * 64)
    s2 = Searcher(again, CountingEmbedder(), "fake", tmp_path)
    assert again.queries == 0  # node texts, lexicon and papers of authors from the file
    for q in ("SecMI", "membrship inferance", "papers by Carlini", "DP-SGD"):
        assert [h.as_dict() for h in s1.search(q, 5)] == [h.as_dict() for h in s2.search(q, 5)]
    other = CountingStore(MemoryStore(graph), "b" * 64)
    Searcher(other, CountingEmbedder(), "fake", tmp_path)
    assert other.queries > 0  # another content, another key
    assert _search_data_key(MemoryStore(graph)) is None  # unknown content: never cached


def test_a_lazily_parsed_store_parses_on_first_use():
    calls = []

    def load():
        from rdflib import Graph

        calls.append(1)
        return Graph()

    s = MemoryStore(loader=load, content_id="x")
    assert calls == []
    assert s.select("SELECT ?s WHERE { ?s ?p ?o }").rows == []
    s.select("SELECT ?s WHERE { ?s ?p ?o }")
    assert calls == [1]


def test_the_query_encoder_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))  # no export here
    monkeypatch.setenv("KG_QUERY_ENCODER", "onnx")
    with pytest.raises(KGError, match="no current ONNX export"):
        query_embedder()
    monkeypatch.setenv("KG_QUERY_ENCODER", "auto")
    e = query_embedder()
    # no export: the sentence-transformers path, loaded only when first called
    assert e.model_id == DEFAULT_MODEL and e.__qualname__ == "lazy_embedder.<locals>.embed"
    monkeypatch.setenv("KG_QUERY_ENCODER", "sometimes")
    with pytest.raises(KGError, match="KG_QUERY_ENCODER='sometimes' is not one of"):
        query_embedder()


def _queries() -> list[str]:
    data = yaml.safe_load((ROOT / "benchmarks/quality/search.yaml").read_text("utf-8"))
    return [q["q"] for q in data["queries"]]


@pytest.mark.slow
def test_onnx_query_vectors_equal_sentence_transformers(tmp_path):
    """The export (made here, in a fresh cache) gives the reference's vectors (cosine >=
    0.999) for every search benchmark query and for long texts cut at 256 tokens."""
    from kg.onnx_embed import OnnxEmbedder, export

    d = export(DEFAULT_MODEL, tmp_path)
    meta = json.loads((d / "meta.json").read_text("utf-8"))
    assert meta["check_cosine"] >= 0.999 and meta["pooling"] == "mean"
    texts = _queries() + ["membership inference " * 300, "ℓ2-regularization — Tramèr", "x"]
    ref = lazy_embedder(DEFAULT_MODEL)(texts)
    got = OnnxEmbedder(d)(texts)
    assert got.shape == ref.shape and got.dtype == np.float32
    cos = np.sum(ref * got, axis=1)
    assert float(cos.min()) >= 0.999, (float(cos.min()), texts[int(cos.argmin())])
    assert export(DEFAULT_MODEL, tmp_path) == d  # once: the current export is kept


@pytest.mark.slow
def test_a_warm_cli_search_imports_no_torch_and_ranks_as_the_reference(tmp_path):
    """`kg search` with the export and warm caches: no torch or sentence-transformers
    import, and the same top 5 as the sentence-transformers path for every benchmark
    query."""
    subprocess.run([sys.executable, "-m", "kg.onnx_embed"], check=True, cwd=ROOT,
                   capture_output=True)
    probe = ("import sys, runpy; sys.argv = ['kg', 'search', 'SecMI', '-k', '1']\n"
             "try:\n    runpy.run_module('kg', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print('TORCH' if 'torch' in sys.modules or 'sentence_transformers' in "
             "sys.modules else 'NO-TORCH')")
    for _ in range(2):  # the first run may fill the caches
        out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout
    assert " 1. " in out and out.strip().endswith("NO-TORCH"), out  # searched, no torch
    from kg.search import Searcher
    from kg.stores.open import open_store

    store = open_store()
    fast = Searcher(store, query_embedder(), DEFAULT_MODEL,
                    corpus=(lazy_embedder(DEFAULT_MODEL), DEFAULT_MODEL))
    slow = Searcher(store, lazy_embedder(DEFAULT_MODEL), DEFAULT_MODEL)
    assert type(fast.embed).__name__ == "OnnxEmbedder"
    for q in _queries():
        assert [h.iri for h in fast.search(q, 5)] == [h.iri for h in slow.search(q, 5)], q
