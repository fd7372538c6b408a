"""Speed of `kg ask` on the survey graph: warm p50 over every benchmark question against the
bare SPARQL of the same answers, and the cold CLI against the native floor: a process that
bulk-loads the built graph into pyoxigraph and runs the SPARQL the answer shows.

    .venv/bin/python benchmarks/bench_ask.py [--reps 5]
    .venv/bin/python benchmarks/bench_ask.py --store oxigraph:/tmp/scale100k/ox-100000 --reps 3

With ``--store`` (an embedded Oxigraph directory, e.g. the 100k synthetic graph of
bench_scale.py), the warm p50 of `ask` on that store is set beside the bare SPARQL of the
same answers run straight on pyoxigraph (the shown query, and the count query when the
listing stopped), per intent and over all; the first question's time (lexicon, model tree)
is reported apart, and no cold CLI is measured.

Prints a table: medians, and each figure as a ratio to its baseline measured in the same
run (warm: the shown SPARQL alone on the same store; cold: `python -c` importing pyoxigraph,
bulk-loading build/graph.nt and running the answer's shown SPARQL, every row read). The cold
CLI and its floor run alternately (A, B, A, B, ...), so a busy machine weighs on both alike;
each process's wall time and its CPU time (user + sys, less moved by other processes on a
shared machine) are reported. Runs `kg build` first, so the cold CLI reads the current
build/graph.nt, and compiles the package's bytecode (as an install does: with
PYTHONDONTWRITEBYTECODE set, every cold process would otherwise compile kg's sources anew).

``--other DIR``: a checkout of another commit (its own `kg build` made there first) whose
cold `kg ask` runs in the same alternation, for a before/after in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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


def run(cmd: list[str], reps: int, tree: Path = ROOT) -> tuple[float, float]:
    """Medians (ms) of the wall and the CPU time (user + sys) of ``reps`` runs of ``cmd``
    with ``tree`` as the package's checkout (first on the path, the working directory)."""
    times, cpu = [], []
    env = {**os.environ, "PYTHONPATH": str(tree)}
    for _ in range(reps):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=tree, env=env)
        times.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if r.returncode != 0:
            sys.exit(f"{' '.join(cmd[:3])}…: exit {r.returncode}: {r.stderr[:200]}")
    return statistics.median(times) * 1000, statistics.median(cpu) * 1000


def alternate(cmds: list[tuple[list[str], Path]], reps: int) -> list[tuple[float, float]]:
    """Medians (wall ms, CPU ms) of whole processes ``cmds`` (command, checkout) run
    alternately."""
    got: list[list[tuple[float, float]]] = [[] for _ in cmds]
    for _ in range(reps):
        for i, (cmd, tree) in enumerate(cmds):
            got[i].append(run(cmd, 1, tree))
    return [(statistics.median(w for w, _ in g), statistics.median(c for _, c in g))
            for g in got]


def native_floor(graph: Path, question: str, kg: str) -> list[str]:
    """The floor of a cold ``kg ask``: load the graph into pyoxigraph, run the shown SPARQL."""
    from kg.vocab import SPARQL_PREFIXES

    shown = json.loads(subprocess.run([kg, "ask", question, "--json"], capture_output=True,
                                      text=True, cwd=ROOT, check=True).stdout)["sparql"]
    code = ("import pyoxigraph as ox\n"
            "s = ox.Store()\n"
            f"s.bulk_load(path={str(graph)!r}, format=ox.RdfFormat.N_TRIPLES)\n"
            f"for _ in s.query({SPARQL_PREFIXES + shown!r}): pass\n")
    return [sys.executable, "-c", code]


def bare_oxigraph(store, sparql: str) -> float:
    """Milliseconds of ``sparql`` straight on the pyoxigraph Store (every row read)."""
    from kg.vocab import SPARQL_PREFIXES

    t = time.perf_counter()
    for _ in store.ox.query(SPARQL_PREFIXES + sparql):
        pass
    return (time.perf_counter() - t) * 1000


def on_store(setting: str, reps: int, each: Path | None = None) -> None:
    from kg.ask import ask
    from kg.stores.open import open_store

    store = open_store(setting)
    qs = questions()
    t = time.perf_counter()
    ask(store, qs[0])
    first = time.perf_counter() - t
    for q in qs[:20]:  # warm-up (the lexicon, model tree and vocabulary are built above)
        ask(store, q)
    per: dict[str, list[tuple[float, float | None]]] = {}
    for q in qs:
        ts, bs = [], []
        for _ in range(reps):
            t = time.perf_counter()
            a = ask(store, q)
            ts.append((time.perf_counter() - t) * 1000)
            if a.intent == "query" and a.sparql:
                b = bare_oxigraph(store, a.sparql)
                if a.count_sparql:
                    b += bare_oxigraph(store, a.count_sparql)
                bs.append(b)
        per.setdefault(a.intent, []).append(
            (statistics.median(ts), statistics.median(bs) if bs else None))
        if each is not None:
            with each.open("a", encoding="utf-8") as f:
                f.write(json.dumps({"q": q, "intent": a.intent, "ask_ms": per[a.intent][-1][0],
                                    "bare_ms": per[a.intent][-1][1]}) + "\n")
    print(f"kg ask on {setting} ({len(qs)} questions x {reps}; medians per question, "
          "then the median over questions)")
    print(f"{'intent':16} {'questions':>9} {'ask p50':>10} {'bare p50':>10} {'ratio':>7} "
          f"{'ask max':>10}")
    everything = [x for v in per.values() for x in v]
    for name, rows in sorted(per.items()) + [("all", everything)]:
        p50 = statistics.median(r[0] for r in rows)
        bare = [r[1] for r in rows if r[1] is not None]
        b50 = statistics.median(bare) if bare else None
        ratio = f"{p50 / b50:6.2f}x" if b50 else "     -"
        bcol = f"{b50:8.1f}ms" if b50 is not None else "         -"
        print(f"{name:16} {len(rows):9} {p50:8.1f}ms {bcol} {ratio} "
              f"{max(r[0] for r in rows):8.0f}ms")
    query = per.get("query", [])
    over = sum(1 for r in query if r[0] > 50)
    print(f"query answers over 50 ms: {over} of {len(query)}; first question (lexicon, model "
          f"tree, text vocabulary built): {first:.1f} s")
    print("baseline: the answer's SPARQL (and its count query, when the listing stopped) "
          "straight on pyoxigraph, same store, same run")
    print(f"machine: {os.cpu_count()} cores; {sys.version.split()[0]}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5, help="repetitions of each measurement")
    ap.add_argument("--store", help="an oxigraph:DIR store to measure warm ask on instead")
    ap.add_argument("--each", type=Path, help="with --store: append each question's medians "
                    "to this JSON-lines file")
    ap.add_argument("--other", type=Path, help="another checkout (built there) whose cold "
                    "`kg ask` runs in the same alternation")
    args = ap.parse_args()
    if args.store:
        sys.path.insert(0, str(ROOT))
        on_store(args.store, args.reps, args.each)
        return

    subprocess.run([str(Path(sys.executable).parent / "kg"), "build"], check=True,
                   capture_output=True, cwd=ROOT)
    from kg.ask import ask
    from kg.stores.open import open_store

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
    kg = str(Path(sys.executable).parent / "kg")
    for tree in [ROOT] + ([args.other] if args.other else []):  # as installed: bytecode kept
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "kg")],
                       check=True, capture_output=True)
    cold = {}
    for q in ("which gray-box attacks are not membership inference?",
              "Which model is attacked most often?"):
        cmds = [([kg, "ask", q], ROOT), (native_floor(graph, q, kg), ROOT)]
        cmds += [([kg, "ask", q], args.other)] if args.other else []
        cold[q] = alternate(cmds, args.reps)

    p50, base = statistics.median(ask_ms), statistics.median(sparql_ms)
    print(f"kg ask on the survey graph ({len(qs)} questions x {args.reps}; medians)")
    print(f"{'measure':52} {'median':>10} {'baseline':>10} {'ratio':>7}")
    print(f"{'warm ask (parse + compile + SPARQL + answers)':52} {p50:8.1f}ms {base:8.1f}ms "
          f"{p50 / base:6.2f}x")
    print(f"{'  baseline: the shown SPARQL alone, same store':52} {base:8.1f}ms")
    for q, got in cold.items():
        (ms, cpu), (floor, floor_cpu) = got[0], got[1]
        print(f"{'cold `kg ask` ' + repr(q[:32]):52} {ms:8.0f}ms {floor:8.0f}ms "
              f"{ms / floor:6.2f}x")
        print(f"{'  CPU (user + sys)':52} {cpu:8.0f}ms {floor_cpu:8.0f}ms "
              f"{cpu / floor_cpu:6.2f}x")
        if args.other:
            (oms, ocpu) = got[2]
            print(f"{'  --other checkout, wall / CPU':52} {oms:8.0f}ms {floor:8.0f}ms "
                  f"{oms / floor:6.2f}x")
            print(f"{'':52} {ocpu:8.0f}ms {floor_cpu:8.0f}ms {ocpu / floor_cpu:6.2f}x")
    print("  baseline: pyoxigraph bulk-loads graph.nt and runs the shown SPARQL")
    print(f"machine: {os.cpu_count()} cores; {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
