"""Real embedding vectors at 100k synthetic papers, and search quality with them.

    .venv/bin/python benchmarks/bench_embed_scale.py --store DIR [--cache DIR]
    .venv/bin/python benchmarks/bench_embed_scale.py --write-relevance   # the relevance set

DIR is an embedded Oxigraph store of ``kg.synthetic`` (100,000 papers, seed 0) — a copy,
never the original (one process per store directory). Each step is its own process:

1. ``embed``: node texts from the store (kg.embed.node_texts), how many are distinct, and
   kg.embed.embed_nodes with the real model (sentence-transformers, the shipped bulk
   path) into an empty cache directory: wall time, distinct texts/s, peak RSS.
2. ``warm`` (a second run): the same vectors from the warm cache, by the whole-matrix
   fast path and by the chunk files alone; the embedder must not be called.
3. ``sample``: one 2,048-text sample of the distinct texts through sentence-transformers
   and through the ONNX export (kg.onnx_embed, 2 threads): texts/s and the cosine of
   each pair (the ONNX export stays the query path unless its vectors agree).
4. ``quality``: kg.search.Searcher over the store, as `kg search` builds it (ONNX query
   path when exported, node vectors from the warm cache), on the relevance set
   benchmarks/quality/synthetic100k.yaml: MRR@10 and Recall@5 of the shipped hybrid
   ranking against dense-only, per split and per query family. Recall@5 here is the share
   of min(5, |relevant|) found in the top 5 (category queries have thousands of relevant
   nodes).

Prints Markdown tables: medians where repeated, ratios against a baseline of the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
N_PAPERS, SEED = 100_000, 0
SAMPLE = 256  # texts in the bulk-encoder sample


def relevance_file(n_papers: int) -> Path:
    return HERE / "quality" / f"synthetic{n_papers // 1000}k.yaml"
PICK_SEED = 17  # which synthetic papers the title queries come from


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ------------------------------------------------------------------ the relevance set

#: Category queries, written by hand from the generator's structure (every synthetic row
#: copies a real survey row: threat, attacker knowledge, target models, defense method
#: family "X" or "X variant k"). ``where``: the node has, for each field, one of the
#: values; "method family" matches a method label or an evaluation's method by family.
CATEGORIES = [
    ("white-box membership inference attacks",
     ["attack"], {"threat": ["Membership inference"], "attacker knowledge": ["White-box"]}),
    ("black-box membership inference attack",
     ["attack"], {"threat": ["Membership inference"], "attacker knowledge": ["Black-box"]}),
    ("gray-box membership inference",
     ["attack"], {"threat": ["Membership inference"], "attacker knowledge": ["Gray-box"]}),
    ("training data extraction attacks", ["attack"], {"threat": ["Training data extraction"]}),
    ("extracting training images from Stable Diffusion",
     ["attack"], {"threat": ["Training data extraction"],
                  "target models": ["Stable Diffusion", "SD v1.4", "SD v1.5", "SD v2.0"]}),
    ("property inference attacks", ["attack"], {"threat": ["Property inference"]}),
    ("gradient inversion attacks in federated learning",
     ["attack"], {"threat": ["Gradient inversion"]}),
    ("membership inference against DDPM",
     ["attack"], {"threat": ["Membership inference"], "target models": ["DDPM"]}),
    ("DP-SGD defense evaluations", ["evaluation"], {"method family": ["DP-SGD"]}),
    ("differentially private training as a defense",
     ["evaluation", "method"], {"method family": ["DP-SGD"]}),
    ("RandAugment data augmentation defense",
     ["evaluation", "method"], {"method family": ["RandAugment"]}),
    ("deduplicating the training data",
     ["evaluation", "method"], {"method family": ["Deduplicating"]}),
    ("LoRA fine-tuning privacy defense",
     ["evaluation", "method"], {"method family": ["MP-LoRA", "SMP-LoRA"]}),
    ("auditing with canaries",
     ["evaluation", "method"], {"method family": ["Auditing with Canaries"]}),
    ("defenses against training data extraction",
     ["evaluation"], {"threat": ["Training data extraction"]}),
    ("defenses evaluated on TabDDPM", ["evaluation"], {"target models": ["TabDDPM"]}),
    ("attacks on latent diffusion models",
     ["attack"], {"target models": ["Latent diffusion model"]}),
    ("inference-time memorization mitigation",
     ["evaluation", "method"], {"method family": ["Inference-time mitigation method"]}),
    ("black-box property inference",
     ["attack"], {"threat": ["Property inference"], "attacker knowledge": ["Black-box"]}),
    ("attacks on DALL-E 2", ["attack"], {"target models": ["DALL-E 2"]}),
]
N_TITLE, N_PARTIAL, N_STUDY = 24, 24, 8


def synthetic_titles(n_papers: int, seed: int) -> list[str]:
    """The title of each synthetic paper, study 1..n, as the generator writes it."""
    from kg.survey import ATTACKS, DEFENSES
    from kg.synthetic import _papers

    return [(p[ATTACKS] + p[DEFENSES])[0]["Ref."].text for p in _papers(n_papers, seed)]


def title_words(title: str) -> list[str]:
    return title.rsplit(" (study ", 1)[0].split()


def write_relevance(path: Path, n_papers: int = N_PAPERS) -> None:
    """The relevance set, from the generator alone (no store, no model, no results)."""
    import yaml

    from kg.files import atomic_write
    from kg.lexicon import STOPWORDS

    titles = synthetic_titles(n_papers, SEED)
    rng = random.Random(PICK_SEED)
    picks = rng.sample(range(1, n_papers + 1), N_TITLE + N_PARTIAL + N_STUDY)
    items: list[dict] = []
    for k, study in enumerate(picks[:N_TITLE]):
        words = title_words(titles[study - 1])
        items.append({"id": f"title-{k + 1:02d}", "family": "title", "q": " ".join(words),
                      "gold": {"title_words": sorted(set(words))}, "source_study": study})
    for k, study in enumerate(picks[N_TITLE:N_TITLE + N_PARTIAL]):
        content = sorted({w for w in title_words(titles[study - 1])
                          if w.lower() not in STOPWORDS and len(w) > 2})
        words = rng.sample(content, min(4, len(content)))
        items.append({"id": f"partial-{k + 1:02d}", "family": "partial title",
                      "q": " ".join(words), "gold": {"title_words": sorted(words)},
                      "source_study": study})
    for k, study in enumerate(picks[N_TITLE + N_PARTIAL:]):
        items.append({"id": f"study-{k + 1:02d}", "family": "study id",
                      "q": f"study {study}", "gold": {"study": study}})
    for k, (q, types, where) in enumerate(CATEGORIES):
        items.append({"id": f"category-{k + 1:02d}", "family": "category", "q": q,
                      "gold": {"types": types, "where": where}})
    for k, it in enumerate(items):  # alternate within each family
        it["split"] = "tune" if k % 2 == 0 else "heldout"
    head = (f"# Search relevance at {n_papers:,} synthetic papers (kg.synthetic seed {SEED}),\n"
            f"# written by `benchmarks/bench_embed_scale.py --write-relevance --papers "
            f"{n_papers}` from the\n"
            "# generator alone, before any search result was seen. Gold is a rule, resolved\n"
            "# against the store's node texts at run time:\n"
            "#   title_words: every paper whose title has all these words, and its attack and\n"
            "#     defense-evaluation rows (title: a paper's whole title without its study\n"
            f"#     number; partial title: 4 of its content words, shuffled; papers drawn with\n"
            f"#     random.Random({PICK_SEED}));\n"
            "#   study: that study number's paper and its rows;\n"
            "#   types + where: nodes of those types with, per field, one of the values\n"
            "#     (\"method family\": a defense method X or \"X variant k\", or an evaluation\n"
            "#     of one). Splits alternate; report the heldout half untouched.\n")
    text = head + yaml.safe_dump({"queries": items}, sort_keys=False, allow_unicode=True,
                                 width=100)
    atomic_write(path, text)
    print(f"wrote {path} ({len(items)} queries)")


def _family(label: str, name: str) -> bool:
    return label == name or label.startswith(name + " variant ")


def resolve_gold(items: list[dict], nodes) -> dict[str, set[str]]:
    """Query id -> relevant IRIs (see the relevance file's header)."""
    by_title: dict[str, list[str]] = {}
    paper_title: dict[str, str] = {}
    for n in nodes:
        if n.type == "paper":
            paper_title[n.label] = n.iri
            by_title.setdefault(n.label, []).append(n.iri)
    for n in nodes:
        if n.type in ("attack", "evaluation"):
            for f, v in n.fields:
                if f == "paper" and v in paper_title:
                    by_title[v].append(n.iri)
    word_sets = {t: set(title_words(t)) for t in by_title}
    study_of = {t.rsplit(" (study ", 1)[1].rstrip(")"): t for t in by_title
                if " (study " in t}
    gold: dict[str, set[str]] = {}
    for it in items:
        g = it["gold"]
        if "title_words" in g:
            want = set(g["title_words"])
            gold[it["id"]] = {i for t, ws in word_sets.items() if want <= ws
                              for i in by_title[t]}
        elif "study" in g:
            t = study_of.get(str(g["study"]))
            gold[it["id"]] = set(by_title[t]) if t else set()
        else:
            types, where = set(g["types"]), g["where"]
            out = set()
            for n in nodes:
                if n.type not in types:
                    continue
                fields: dict[str, set[str]] = {}
                for f, v in n.fields:
                    fields.setdefault(f, set()).add(v)
                ok = True
                for f, values in where.items():
                    if f == "method family":
                        have = fields.get("method", set()) | (
                            {n.label} if n.type == "method" else set())
                        ok = any(_family(h, v) for h in have for v in values)
                    else:
                        ok = bool(fields.get(f, set()) & set(values))
                    if not ok:
                        break
                if ok:
                    out.add(n.iri)
            gold[it["id"]] = out
    return gold


def mrr(ranked: list[str], gold: set[str], k: int = 10) -> float:
    for i, iri in enumerate(ranked[:k], 1):
        if iri in gold:
            return 1 / i
    return 0.0


def recall5(ranked: list[str], gold: set[str]) -> float:
    return len(set(ranked[:5]) & gold) / min(5, len(gold))


# ------------------------------------------------------------------ steps (children)


def load_texts(path: Path):
    from kg.embed import NodeText

    data = json.loads(path.read_text(encoding="utf-8"))
    return [NodeText(i, t, lab, tuple(tuple(f) for f in fs)) for i, t, lab, fs in data]


def step_embed(o: dict) -> dict:
    from kg.embed import embed_nodes, node_texts
    from kg.files import atomic_write
    from kg.sentence_model import DEFAULT_MODEL, model_embedder
    from kg.stores.oxigraph import OxigraphStore

    t = time.perf_counter()
    store = OxigraphStore(Path(o["store"]))
    nodes = node_texts(store)
    res = {"node_texts_s": time.perf_counter() - t, "nodes": len(nodes)}
    store.close()
    strings = [n.text for n in nodes]
    distinct = set(strings)
    res["distinct"] = len(distinct)
    res["chars_mean"] = statistics.fmean(len(s) for s in distinct)
    dump = json.dumps([[n.iri, n.type, n.label, [list(f) for f in n.fields]] for n in nodes],
                      ensure_ascii=False)
    atomic_write(Path(o["texts"]), dump)
    del strings, distinct
    t = time.perf_counter()
    emb = model_embedder(DEFAULT_MODEL)
    emb(["warm up"])
    res["model_load_s"] = time.perf_counter() - t
    calls = {"texts": 0}

    def counting(texts):
        calls["texts"] += len(texts)
        return emb(texts)

    t = time.perf_counter()
    v = embed_nodes(nodes, counting, DEFAULT_MODEL, Path(o["cache"]), progress=True)
    res["embed_s"] = time.perf_counter() - t
    res["embedded"] = calls["texts"]
    res["shape"] = list(v.shape)
    res["peak_mb"] = peak_mb()
    return res


def step_warm(o: dict) -> dict:
    from kg.embed import cached_chunks, chunk_dir, embed_nodes, text_key
    from kg.sentence_model import DEFAULT_MODEL

    nodes = load_texts(Path(o["texts"]))

    def refuse(texts):
        raise AssertionError(f"warm cache asked to embed {len(texts)} texts")

    res = {}
    times = []
    for _ in range(3):
        t = time.perf_counter()
        v = embed_nodes(nodes, refuse, DEFAULT_MODEL, Path(o["cache"]))
        times.append(time.perf_counter() - t)
    res["fast_s"] = statistics.median(times)
    keys = [text_key(s) for s in dict.fromkeys(n.text for n in nodes)]
    times = []
    for _ in range(3):
        t = time.perf_counter()
        got, found = cached_chunks(chunk_dir(Path(o["cache"]), DEFAULT_MODEL), keys)
        times.append(time.perf_counter() - t)
    res["chunks_s"] = statistics.median(times)
    res["chunks_complete"] = bool(found.all())
    res["chunk_files"] = len(list(chunk_dir(Path(o["cache"]), DEFAULT_MODEL).glob("*.npz")))
    res["cache_mb"] = sum(f.stat().st_size for f in (Path(o["cache"]) / "embeddings").rglob("*")
                          if f.is_file()) / 2**20
    res["shape"] = list(v.shape)
    res["peak_mb"] = peak_mb()
    return res


def step_sample(o: dict) -> dict:
    import numpy as np

    from kg.onnx_embed import OnnxEmbedder, export_dir
    from kg.sentence_model import DEFAULT_MODEL, model_embedder

    nodes = load_texts(Path(o["texts"]))
    distinct = list(dict.fromkeys(n.text for n in nodes))
    sample = random.Random(3).sample(distinct, min(SAMPLE, len(distinct)))
    sample.sort(key=len, reverse=True)  # both encoders see like-length batches
    st = model_embedder(DEFAULT_MODEL)
    st(sample[:64])
    res: dict = {"n": len(sample)}
    ts = []
    for _ in range(3):
        t = time.perf_counter()
        a = st(sample)
        ts.append(time.perf_counter() - t)
    res["st_s"] = statistics.median(ts)
    d = export_dir(DEFAULT_MODEL)
    if not (d / "model.onnx").is_file():
        res["onnx_s"] = None
        return res
    ox = OnnxEmbedder(d, threads=os.cpu_count() or 1)
    ox(sample[:64])
    ts = []
    for _ in range(3):
        t = time.perf_counter()
        b = ox(sample)
        ts.append(time.perf_counter() - t)
    res["onnx_s"] = statistics.median(ts)
    cos = np.sum(a * b, axis=1)
    res["cos_min"], res["cos_median"] = float(cos.min()), float(np.median(cos))
    return res


def step_quality(o: dict) -> dict:
    import yaml

    from kg.embed import query_embedder
    from kg.search import Searcher
    from kg.sentence_model import DEFAULT_MODEL, lazy_embedder
    from kg.stores.oxigraph import OxigraphStore

    items = yaml.safe_load(Path(o["relevance"]).read_text(encoding="utf-8"))["queries"]
    store = OxigraphStore(Path(o["store"]))
    qe = query_embedder(DEFAULT_MODEL)
    t = time.perf_counter()
    s = Searcher(store, qe, DEFAULT_MODEL, Path(o["cache"]),
                 corpus=(lazy_embedder(DEFAULT_MODEL), DEFAULT_MODEL))
    res: dict = {"searcher_s": time.perf_counter() - t,
                 "query_encoder": "ONNX export" if type(qe).__name__ == "OnnxEmbedder"
                 else "sentence-transformers"}
    gold = resolve_gold(items, s.index.nodes)
    rows = []
    lat = {"hybrid": [], "dense": []}
    for it in items:
        g = gold[it["id"]]
        row = {"id": it["id"], "family": it["family"], "split": it["split"], "n_gold": len(g)}
        if g:
            for mode, dense in (("hybrid", False), ("dense", True)):
                t = time.perf_counter()
                hits = s.search(it["q"], 10, dense_only=dense)
                lat[mode].append(time.perf_counter() - t)
                ranked = [h.iri for h in hits]
                row[f"{mode}_mrr"] = mrr(ranked, g)
                row[f"{mode}_r5"] = recall5(ranked, g)
        rows.append(row)
    res["rows"] = rows
    res["p50_ms"] = {m: statistics.median(v) * 1000 for m, v in lat.items() if v}
    res["peak_mb"] = peak_mb()
    return res


STEPS = {"embed": step_embed, "warm": step_warm, "sample": step_sample,
         "quality": step_quality}


def run_step(name: str, o: dict, log: Path, minutes: float | None = None) -> dict | None:
    """One step in a child process; None when it ran out of ``minutes`` (interrupted with
    SIGINT, as Ctrl-C would: the chunks written so far stay in the cache)."""
    import signal

    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONHASHSEED="0")
    with log.open("a", encoding="utf-8") as err:
        err.write(f"--- step {name} {time.strftime('%H:%M:%S')}\n")
        err.flush()
        p = subprocess.Popen([sys.executable, __file__, "--step", name, json.dumps(o)],
                             stdout=subprocess.PIPE, stderr=err, text=True, env=env)
        try:
            out, _ = p.communicate(timeout=minutes * 60 if minutes else None)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGINT)
            try:
                p.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
            return None
    if p.returncode != 0:
        sys.exit(f"step {name} failed (exit {p.returncode}); see {log}")
    return json.loads(out.strip().splitlines()[-1])


def cached_texts(cache: Path) -> int:
    """Distinct texts the chunk files of the default model hold (keys only, not verified)."""
    import numpy as np

    from kg.embed import chunk_dir
    from kg.sentence_model import DEFAULT_MODEL

    n = 0
    for f in chunk_dir(cache, DEFAULT_MODEL).glob("*.npz"):
        try:
            with np.load(f, allow_pickle=False) as z:
                n += z["keys"].shape[0]
        except Exception:  # noqa: BLE001 — a damaged chunk counts nothing
            pass
    return n


# ------------------------------------------------------------------ report


def fmt(x: float | None, nd: int = 2) -> str:
    return "—" if x is None else f"{x:,.{nd}f}"


def report(e: dict, w: dict, s: dict, q: dict) -> None:
    rate = e["embedded"] / e["embed_s"] if e["embedded"] else float("nan")
    print(f"## Embedding {e['nodes']:,} node texts of the synthetic store "
          f"({os.cpu_count()} CPUs)\n")
    print("| measure | value |")
    print("|---|---|")
    print(f"| node texts (kg.embed.node_texts, from the store) | {e['nodes']:,} "
          f"({fmt(e['node_texts_s'], 1)} s) |")
    print(f"| distinct texts | {e['distinct']:,} (ratio {e['distinct'] / e['nodes']:.4f}; "
          f"mean {e['chars_mean']:.0f} chars) |")
    print(f"| texts the embedder was given | {e['embedded']:,} "
          f"({e.get('cached_before', 0):,} distinct texts cached before this run) |")
    print(f"| model load + warm-up | {fmt(e['model_load_s'])} s |")
    print(f"| embed_nodes, cold cache (sentence-transformers) | {e['embed_s']:,.1f} s = "
          f"{e['embed_s'] / 60:.1f} min |")
    print(f"| distinct texts / s | {rate:,.0f} |")
    print(f"| peak RSS, embedding process | {e['peak_mb']:,.0f} MB |")
    print(f"| cache on disk (chunks + whole matrix) | {w['cache_mb']:,.0f} MB in "
          f"{w['chunk_files']} chunk files + 1 matrix |")
    print()
    print("| load | median of 3 (s) | ratio to the cold embed |")
    print("|---|---|---|")
    print(f"| cold: embed_nodes, empty cache | {e['embed_s']:,.1f} | 1 |")
    print(f"| warm (second process): whole-matrix fast path | {w['fast_s']:.3f} | "
          f"{w['fast_s'] / e['embed_s']:.5f} |")
    print(f"| warm: chunk files only (a graph whose matrix key changed) | {w['chunks_s']:.3f} | "
          f"{w['chunks_s'] / e['embed_s']:.5f} |")
    print(f"\nwarm chunks complete: {w['chunks_complete']}; warm peak RSS {w['peak_mb']:,.0f} MB\n")
    if s:
        print(f"### Bulk encoder on a sample of {s['n']:,} distinct texts (median of 3)\n")
        print("| encoder | s | texts/s | ratio to sentence-transformers |")
        print("|---|---|---|---|")
        print(f"| sentence-transformers (shipped bulk path) | {s['st_s']:.2f} | "
              f"{s['n'] / s['st_s']:,.0f} | 1 |")
        if s.get("onnx_s"):
            print(f"| ONNX export, {os.cpu_count()} threads | {s['onnx_s']:.2f} | "
                  f"{s['n'] / s['onnx_s']:,.0f} | {s['onnx_s'] / s['st_s']:.2f} |")
            print(f"\ncosine ONNX vs sentence-transformers: min {s['cos_min']:.6f}, "
                  f"median {s['cos_median']:.6f}\n")
    rows = q["rows"]
    dropped = [r["id"] for r in rows if not r["n_gold"]]
    print(f"## Search quality with real vectors, {len(rows) - len(dropped)} queries"
          + (f"; no relevant node found for {dropped}" if dropped else "") + "\n")
    print(f"searcher built in {q['searcher_s']:.1f} s; query encoder {q['query_encoder']}; "
          f"per-query p50 hybrid {q['p50_ms'].get('hybrid', 0):.0f} ms, dense-only "
          f"{q['p50_ms'].get('dense', 0):.0f} ms; peak RSS {q['peak_mb']:,.0f} MB\n")
    print("| split | family | n | median relevant | dense MRR@10 | hybrid MRR@10 | ratio | "
          "dense R@5 | hybrid R@5 | ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for split in ("tune", "heldout"):
        fams = sorted({r["family"] for r in rows})
        for fam in [*fams, "all"]:
            sel = [r for r in rows if r["split"] == split and r["n_gold"]
                   and (fam == "all" or r["family"] == fam)]
            if not sel:
                continue
            vals = {k: statistics.fmean(r[k] for r in sel)
                    for k in ("dense_mrr", "hybrid_mrr", "dense_r5", "hybrid_r5")}

            def ratio(a: str, b: str, vals=vals) -> str:
                return f"{vals[b] / vals[a]:.2f}" if vals[a] else "—"

            name = f"**{fam}**" if fam == "all" else fam
            print(f"| {split} | {name} | {len(sel)} | "
                  f"{statistics.median(r['n_gold'] for r in sel):g} | "
                  f"{vals['dense_mrr']:.3f} | {vals['hybrid_mrr']:.3f} | "
                  f"{ratio('dense_mrr', 'hybrid_mrr')} | {vals['dense_r5']:.3f} | "
                  f"{vals['hybrid_r5']:.3f} | {ratio('dense_r5', 'hybrid_r5')} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path, help="a COPY of the synthetic embedded Oxigraph store")
    ap.add_argument("--papers", type=int, default=N_PAPERS,
                    help="papers in the store (picks the relevance file synthetic<N/1000>k.yaml)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/scale100k/embed-cache"),
                    help="cache directory for this run (emptied first unless --reuse)")
    ap.add_argument("--relevance", type=Path, help="default: by --papers")
    ap.add_argument("--reuse", action="store_true",
                    help="keep the cache directory: resume an interrupted embed")
    ap.add_argument("--max-minutes", type=float,
                    help="interrupt the embedding after this long and report how far it got "
                         "(run again with --reuse to resume)")
    ap.add_argument("--write-relevance", action="store_true",
                    help="write the relevance file for --papers from the generator")
    ap.add_argument("--step", nargs=2, metavar=("NAME", "JSON"), help=argparse.SUPPRESS)
    ap.add_argument("--json-out", type=Path, help="also write every step's result here")
    a = ap.parse_args()
    if a.step:
        print(json.dumps(STEPS[a.step[0]](json.loads(a.step[1]))))
        return
    relevance = a.relevance or relevance_file(a.papers)
    if a.write_relevance:
        write_relevance(relevance, a.papers)
        return
    if a.store is None or not (a.store.is_dir() and any(a.store.iterdir())):
        sys.exit(f"--store {a.store}: not a loaded Oxigraph store directory")
    if a.store.resolve() == Path("/tmp/scale100k/ox-100000"):
        sys.exit("--store: the original 100k store; copy it (cp -a) and pass the copy")
    if not relevance.is_file():
        sys.exit(f"--relevance {relevance}: no such file (make it with --write-relevance)")
    if a.cache.exists() and not a.reuse:
        import shutil

        shutil.rmtree(a.cache)
    a.cache.mkdir(parents=True, exist_ok=True)
    log = a.cache.parent / (a.cache.name + ".log")
    o = {"store": str(a.store), "cache": str(a.cache), "texts": str(a.cache / "texts.json"),
         "relevance": str(relevance)}
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    head = f"bench_embed_scale.py, started {started}, store {a.store}, progress log {log}\n"
    before = cached_texts(a.cache)
    t = time.perf_counter()
    e = run_step("embed", o, log, a.max_minutes)
    if e is None:
        wall = time.perf_counter() - t
        now = cached_texts(a.cache)
        print(head)
        print(f"embedding interrupted after {wall / 60:.1f} min (--max-minutes): "
              f"{now:,} distinct texts cached ({now - before:,} new in this run, "
              f"{before:,} before it); the rate and the remaining estimate are in {log}; "
              "run again with --reuse to resume")
        return
    e["cached_before"] = before
    w = run_step("warm", o, log)
    s = run_step("sample", o, log)
    q = run_step("quality", o, log)
    if a.json_out:
        a.json_out.write_text(json.dumps({"embed": e, "warm": w, "sample": s, "quality": q},
                                         indent=1), encoding="utf-8")
    print(head)
    report(e, w, s, q)


if __name__ == "__main__":
    main()
