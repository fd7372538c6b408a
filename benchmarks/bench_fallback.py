"""Speed of an answer's search fallback (issue 30, item 5): `kg ask` with a name the graph
does not hold, against `kg ask` with known names, on the same store in the same run.

    .venv/bin/python benchmarks/bench_fallback.py --store oxigraph:/tmp/ox-100k [--reps 5]

Make the 100k store once (minutes): ``kg load --store oxigraph:/tmp/ox-100k --synthetic
100000``. Above kg.search.SEMANTIC_FALLBACK_MAX_PAPERS papers the fallback is a name search
over the lexicon written at load (kg.search.name_hits): no model, no embedding.

Prints a table of medians: warm (one process, the store open, each question asked ``reps``
times) and cold (a whole `kg ask` process; unknown and known questions run alternately, so
a busy machine weighs on both alike), each with its ratio to the known-name figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UNKNOWN = ["what attacks does Smith et al. propose",
           "which defenses did Zorblax and Quux evaluate",
           "attacks on Imagen 7 by Okonkwo"]
KNOWN = ["membership inference attacks on Stable Diffusion",
         "how many attacks are black-box",
         "which defense methods mitigate membership inference"]


def warm(store, questions: list[str], reps: int) -> tuple[float, list]:
    from kg.ask import ask
    from kg.search import fallback_hits

    times, answers = [], []
    for q in questions:
        for _ in range(reps):
            t = time.perf_counter()
            a = ask(store, q, lambda text, k: fallback_hits(store, text, k))
            times.append(time.perf_counter() - t)
        answers.append(a)
    return statistics.median(times) * 1000, answers


def cold(setting: str, unknown: list[str], known: list[str], reps: int) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1"}
    tu, tk = [], []
    for _ in range(reps):
        for q_u, q_k in zip(unknown, known, strict=True):
            for q, out in ((q_u, tu), (q_k, tk)):
                t = time.perf_counter()
                r = subprocess.run([sys.executable, "-m", "kg", "ask", "--store", setting, q],
                                   capture_output=True, text=True, cwd=ROOT, env=env)
                out.append(time.perf_counter() - t)
                if r.returncode != 0:
                    sys.exit(f"kg ask {q!r}: exit {r.returncode}: {r.stderr[:300]}")
    return statistics.median(tu) * 1000, statistics.median(tk) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", required=True, help="e.g. oxigraph:/tmp/ox-100k")
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    from kg.coverage.counts import fingerprint_counts
    from kg.stores.open import open_store

    store = open_store(args.store)
    papers = fingerprint_counts(store)["papers"]
    warm(store, UNKNOWN[:1] + KNOWN[:1], 1)  # the lexicon opened, the first query compiled
    wu, answers = warm(store, UNKNOWN, args.reps)
    wk, known = warm(store, KNOWN, args.reps)
    for a in answers:
        assert a.intent == "unknown_entity", (a.question, a.intent)
    for a in known:
        assert a.intent != "unknown_entity", (a.question, a.message)
    cu, ck = cold(args.store, UNKNOWN, KNOWN, max(1, args.reps // 2))
    print(f"store {args.store}: {papers:,} papers; fallback: "
          f"{answers[0].answers[0]['source'] if answers[0].answers else 'no hits'}")
    print(f"{'kg ask':<34}{'median ms':>12}{'x known':>10}")
    print(f"{'warm, unknown name (fallback)':<34}{wu:>12.1f}{wu / wk:>10.2f}")
    print(f"{'warm, known names':<34}{wk:>12.1f}{1:>10.2f}")
    print(f"{'cold CLI, unknown name (fallback)':<34}{cu:>12.1f}{cu / ck:>10.2f}")
    print(f"{'cold CLI, known names':<34}{ck:>12.1f}{1:>10.2f}")
    print("first unknown-name answer:", answers[0].message[:160])
    for h in answers[0].answers[:3]:
        print("   ", h["label"][:70], "|", h["why"])


if __name__ == "__main__":
    main()
