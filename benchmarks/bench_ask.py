"""Speed of `kg ask` on the survey graph: warm p50 over every benchmark question against the
bare SPARQL of the same answers, and the cold CLI against bare rdflib loading the built graph.

    .venv/bin/python benchmarks/bench_ask.py [--reps 5]

Prints a table: medians, and each figure as a ratio to its baseline measured in the same
run (warm: the shown SPARQL alone on the same store; cold: `python -c "import rdflib; parse
build/graph.nt"`). Runs `kg build` first, so the cold CLI reads the current build/graph.nt.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent / "quality"


def questions() -> list[str]:
    out = []
    for f in ("questions.yaml", "compositional.yaml"):
        out += [q["q"] for q in yaml.safe_load((HERE / f).read_text())["questions"]]
    return out


def wall(cmd: list[str], reps: int) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        times.append(time.perf_counter() - t)
        if r.returncode != 0:
            sys.exit(f"{' '.join(cmd[:3])}…: exit {r.returncode}: {r.stderr[:200]}")
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5, help="repetitions of each measurement")
    args = ap.parse_args()

    subprocess.run([str(Path(sys.executable).parent / "kg"), "build"], check=True,
                   capture_output=True, cwd=ROOT)
    from kg.ask import ask
    from kg.context import open_store

    store = open_store()
    qs = questions()
    for q in qs:  # warm-up: lexicon, model tree, text vocabulary, rdflib's parser
        ask(store, q)
    ask_ms, sparql_ms = [], []
    for q in qs:
        for _ in range(args.reps):
            t = time.perf_counter()
            a = ask(store, q)
            ask_ms.append((time.perf_counter() - t) * 1000)
            if a.sparql and a.intent == "query":
                t = time.perf_counter()
                store.select(a.sparql)
                sparql_ms.append((time.perf_counter() - t) * 1000)
    graph = ROOT / "build" / "graph.nt"
    py = sys.executable
    kg = str(Path(py).parent / "kg")
    bare = wall([py, "-c", f"import rdflib; rdflib.Graph().parse({str(graph)!r})"], args.reps)
    cold = wall([kg, "ask", "which gray-box attacks are not membership inference?"], args.reps)
    cold_json = wall([kg, "ask", "Which model is attacked most often?", "--json"], args.reps)

    p50, base = statistics.median(ask_ms), statistics.median(sparql_ms)
    print(f"kg ask on the survey graph ({len(qs)} questions x {args.reps}; medians)")
    print(f"{'measure':52} {'median':>10} {'baseline':>10} {'ratio':>7}")
    print(f"{'warm ask (parse + compile + SPARQL + answers)':52} {p50:8.1f}ms {base:8.1f}ms "
          f"{p50 / base:6.2f}x")
    print(f"{'  baseline: the shown SPARQL alone, same store':52} {base:8.1f}ms")
    print(f"{'cold `kg ask` (process start to answer)':52} {cold:8.0f}ms {bare:8.0f}ms "
          f"{cold / bare:6.2f}x")
    print(f"{'cold `kg ask --json` (an aggregate)':52} {cold_json:8.0f}ms {bare:8.0f}ms "
          f"{cold_json / bare:6.2f}x")
    print(f"{'  baseline: python -c import rdflib + parse graph.nt':52} {bare:8.0f}ms")
    print(f"machine: {os.cpu_count()} cores; {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
