"""Speed of `kg ask` and `kg search`: p50/p95 per query with the model loaded and the
embeddings cached, on the survey graph and on a synthetic graph of N papers; and the cold
start (process start to first answer) of the CLI.

    .venv/bin/python benchmarks/speed_search.py [--papers 100000] [--skip-cold] [--skip-synthetic]
                                                 [--embed-corpus]

The synthetic graph (kg.synthetic, survey-shaped) is loaded once into an on-disk Oxigraph
store under benchmarks/out/ and reused. Its ~300k node vectors are random unit vectors
unless --embed-corpus (the real model, ~20+ min on 2 cores; cached): query time does not
depend on the vectors' values, queries are embedded with the real model either way.
Baselines measured in the same run: dense-only brute-force numpy (the search floor), and
the SPARQL alone for ask.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
QUESTIONS = [q["q"] for q in yaml.safe_load(
    (HERE / "quality" / "questions.yaml").read_text())["questions"]]
QUERIES = [q["q"] for q in yaml.safe_load(
    (HERE / "quality" / "search.yaml").read_text())["queries"]]


def timed(fn, items) -> list[float]:
    out = []
    for x in items:
        t = time.perf_counter()
        fn(x)
        out.append((time.perf_counter() - t) * 1000)
    return out


def row(name: str, ms: list[float], base: float | None = None) -> str:
    p50 = statistics.median(ms)
    p95 = sorted(ms)[max(0, int(len(ms) * 0.95) - 1)]
    ratio = f"{p50 / base:6.2f}x" if base else "      "
    return f"  {name:42} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms  {ratio}"


def measure(label: str, store, searcher) -> None:
    from kg.ask import ask
    from kg.search import dense_rank

    def fallback(t, k):
        return searcher.search(t, k)

    # warm-up: first query pays lazy imports
    searcher.search("warm up", 5)
    ask(store, "which MIAs work black-box?", fallback)
    dense = timed(lambda q: dense_rank(searcher.index, searcher.query_vector(q), 10), QUERIES)
    embed = timed(searcher.query_vector, QUERIES)
    hybrid = timed(lambda q: searcher.search(q, 10), QUERIES)
    asks = timed(lambda q: ask(store, q, fallback), QUESTIONS)
    print(f"\n{label}: {len(searcher.index.nodes)} nodes, {len(QUERIES)} queries, "
          f"{len(QUESTIONS)} questions")
    base = statistics.median(dense)
    print(row("query embedding alone", embed))
    print(row("search dense-only (brute-force numpy)", dense, None))
    print(row("search shipped (dense+BM25+names)", hybrid, base))
    print(row("ask (link + SPARQL + answers)", asks))
    v = searcher.index.vectors
    q = searcher.query_vector("membership inference")
    mm = timed(lambda _: v @ q, range(30))
    print(row(f"  of which matmul {v.shape[0]}x{v.shape[1]} float32", mm))


def cold_start() -> None:
    kg = [str(ROOT / ".venv" / "bin" / "kg")]
    env = dict(os.environ)
    print("\ncold start (process start -> first answer, survey graph):")
    for name, args, cache in (
            ("kg search, embeddings cached", ["search", "membership inference", "-k", "3"], None),
            ("kg ask (no model needed)", ["ask", "which MIAs work black-box?"], None),
            ("kg search, empty cache (embeds nodes)", ["search", "membership inference"],
             "fresh")):
        e = dict(env)
        if cache:
            e["KG_CACHE_DIR"] = tempfile.mkdtemp(prefix="kg-cache-")
        else:
            subprocess.run(kg + args, env=e, capture_output=True)  # fill the cache
        t = time.perf_counter()
        r = subprocess.run(kg + args, env=e, capture_output=True, text=True)
        ms = (time.perf_counter() - t) * 1000
        ok = "ok" if r.returncode == 0 else f"exit {r.returncode}: {r.stderr[:80]}"
        print(f"  {name:42} {ms:8.0f} ms   ({ok})")


def synthetic_store(n: int):
    from kg.stores.oxigraph import OxigraphStore
    from kg.synthetic import generate_ntriples

    path = HERE / "out" / f"synthetic-{n}-seed0"
    done = path / "LOADED"
    store = OxigraphStore(path)
    if not done.exists():
        t = time.perf_counter()
        print(f"loading {n} synthetic papers into {path} (once) ...", flush=True)
        count = store.load_ntriples(generate_ntriples(n, 0))
        done.write_text(str(count))
        print(f"  {count} triples in {time.perf_counter() - t:.0f} s", flush=True)
    return store


def random_embedder(dim: int):
    def embed(texts):
        rng = np.random.default_rng(len(texts))
        v = rng.standard_normal((len(texts), dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)
    return embed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--skip-cold", action="store_true")
    ap.add_argument("--skip-synthetic", action="store_true")
    ap.add_argument("--embed-corpus", action="store_true")
    args = ap.parse_args()

    from kg import settings
    from kg.search import Searcher
    from kg.sentence_model import model_embedder
    from kg.stores.open import open_store

    model = settings.get("model")
    t = time.perf_counter()
    embedder = model_embedder(model)
    print(f"model {model} loaded in {(time.perf_counter() - t) * 1000:.0f} ms")
    store = open_store()
    measure("survey graph (rdflib memory store)", store, Searcher(store, embedder, model))
    if not args.skip_cold:
        cold_start()
    if args.skip_synthetic:
        return
    store = synthetic_store(args.papers)
    t = time.perf_counter()
    dim = embedder(["x"]).shape[1]
    corpus = None if args.embed_corpus else (random_embedder(dim), f"random-{dim}")
    se = Searcher(store, embedder, model, corpus=corpus)
    print(f"\nsynthetic index built in {time.perf_counter() - t:.0f} s "
          f"(node texts, {'real' if args.embed_corpus else 'random'} vectors, BM25, lexicon)")
    measure(f"{args.papers} synthetic papers (Oxigraph on disk)", store, se)


if __name__ == "__main__":
    sys.exit(main())
