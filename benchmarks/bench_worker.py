"""What a user's SPARQL query pays for running in a killable worker (kg.worker): the median
time of a simple query through ``run_in_worker`` (fork, read-only check, run, rows back)
beside the same query run bare on the engine in this process, and beside a bare fork that
sends one message back (the floor of any worker). Ratios are against those baselines,
measured in the same run.

Run it on two commits to compare them (the script uses only ``run_in_worker``):

    .venv/bin/python benchmarks/bench_worker.py [--store memory|oxigraph:DIR] [--reps 30]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = {
    "count triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "attacks and labels": "SELECT ?a ?label WHERE { ?a a rd:Attack ; rdfs:label ?label }",
}


def _median_ms(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def _bare_fork() -> None:
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)

    def send(conn):
        conn.send(("ok",))
        conn.close()
        os._exit(0)

    proc = ctx.Process(target=send, args=(child,), daemon=True)
    proc.start()
    child.close()
    parent.poll(5)
    parent.recv()
    proc.join(5)
    parent.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", default="memory")
    ap.add_argument("--reps", type=int, default=30)
    args = ap.parse_args()
    from kg.sparql_text import with_prefixes
    from kg.stores.open import open_store
    from kg.worker import Limits, run_in_worker

    store = open_store(args.store)
    limits = Limits.from_settings()
    fork_ms = _median_ms(_bare_fork, args.reps)
    print(f"store {args.store}, {args.reps} runs each, medians; this process's first query "
          "is not counted")
    print(f"{'query':<22} {'worker ms':>10} {'bare ms':>8} {'fork ms':>8} "
          f"{'x bare':>7} {'x fork':>7}")
    engine = store.engine.ox if hasattr(store, "engine") else store.ox
    for name, text in QUERIES.items():
        first = time.perf_counter()
        run_in_worker(store, text, limits)
        first_ms = (time.perf_counter() - first) * 1000
        worker = _median_ms(lambda t=text: run_in_worker(store, t, limits), args.reps)
        bare = _median_ms(lambda t=text: list(engine.query(with_prefixes(t))), args.reps)
        print(f"{name:<22} {worker:>10.1f} {bare:>8.2f} {fork_ms:>8.1f} "
              f"{worker / bare:>7.1f} {worker / fork_ms:>7.1f}   (first: {first_ms:.0f} ms)")


if __name__ == "__main__":
    main()
