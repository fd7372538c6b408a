"""Runaway user queries (issue 15): how long past its deadline a runaway SPARQL query runs,
how much memory the serving process keeps, and how fast a second user's simple query
answers while the runaway runs — through kg.app.console.console_query, the function the app's
SPARQL console calls (kg.worker underneath).

Baselines measured in the same run: the simple query on an idle process (ratio of the
concurrent median against it) and, for memory, the process's RSS before any query.

    .venv/bin/python benchmarks/bench_runaway.py [--store memory|oxigraph:DIR] [--reps 5]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNAWAYS = {
    "cross join, ORDER BY (memory grows)": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?d",
    "cross join, COUNT (CPU only)": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
}
SIMPLE = "SELECT ?a ?label WHERE { ?a a rd:Attack ; rdfs:label ?label }"


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", default="memory")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--deadline", type=float, default=3.0)
    a = ap.parse_args()

    from kg.app.console import console_query
    from kg.errors import QueryError
    from kg.stores.open import open_store
    from kg.worker import Limits

    store = open_store(a.store)
    limits = Limits.from_settings(timeout=a.deadline)
    rss0 = rss_mb()

    def simple_ms() -> float:
        t = time.perf_counter()
        console_query(store, SIMPLE)
        return (time.perf_counter() - t) * 1000

    idle = [simple_ms() for _ in range(20)]
    rows = []
    for name, q in RUNAWAYS.items():
        over, during, peak_rss = [], [], []
        for _ in range(a.reps):
            box: dict = {}

            def run(q=q, box=box) -> None:
                t = time.perf_counter()
                try:
                    console_query(store, q, timeout=a.deadline)
                    box["error"] = "finished (not a runaway)"
                except QueryError as e:
                    box["msg"] = str(e)
                box["took"] = time.perf_counter() - t

            th = threading.Thread(target=run)
            th.start()
            time.sleep(0.2)
            while th.is_alive():
                during.append(simple_ms())
                time.sleep(0.05)
            th.join()
            if "error" in box:
                raise SystemExit(f"{name}: {box['error']}")
            over.append(box["took"] - a.deadline)
            peak_rss.append(rss_mb())
        rows.append((name, box["msg"].split(";")[0], statistics.median(over), max(over),
                     statistics.median(during), len(during), max(peak_rss)))

    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"store {store.name}; deadline {a.deadline:g} s; memory cap +{limits.memory_mb} MB "
          f"per worker; {a.reps} runaways per query\n")
    print("| runaway | stopped with | past deadline (median / max) | simple query while it "
          "runs (median, n) | vs idle | serving process RSS after |")
    print("|---|---|---:|---:|---:|---:|")
    idle_med = statistics.median(idle)
    for name, msg, med, mx, dur, n, rss in rows:
        print(f"| {name} | {msg} | {med * 1000:.0f} ms / {mx * 1000:.0f} ms | "
              f"{dur:.1f} ms (n={n}) | ×{dur / idle_med:.2f} | {rss:.0f} MB |")
    print(f"\nidle simple query (baseline): median {idle_med:.1f} ms over {len(idle)}; "
          f"serving process RSS before any query {rss0:.0f} MB; "
          f"peak RSS of any worker {child_peak:.0f} MB")


if __name__ == "__main__":
    main()
