"""Quality of `kg ask` and `kg search` against hand-written gold answers.

    .venv/bin/python benchmarks/quality/run.py [--split tune|heldout|all] [-v] [--model M]

Prints answer-set F1 for ask, and MRR@10 / Recall@5 for search, dense-only against the
shipped hybrid ranking, per split. Tune on `tune`; `heldout` is reported untouched.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
HERE = Path(__file__).resolve().parent


def resolve_names(store) -> dict[str, str]:
    from kg.embed import node_texts

    by = {(t.type, t.label): t.iri for t in node_texts(store)}
    names = yaml.safe_load((HERE / "names.yaml").read_text(encoding="utf-8"))
    out = {}
    for name, ref in names.items():
        kind, label = ref.split(":", 1)
        if (kind, label) not in by:
            sys.exit(f"names.yaml: {name}: no {kind} labelled {label!r} in the graph")
        out[name] = by[(kind, label)]
    return out


def f1(pred: set[str], gold: set[str]) -> float:
    if not pred and not gold:
        return 1.0
    tp = len(pred & gold)
    if tp == 0:
        return 0.0
    p, r = tp / len(pred), tp / len(gold)
    return 2 * p * r / (p + r)


def mrr(ranked: list[str], gold: set[str], k: int = 10) -> float:
    for i, iri in enumerate(ranked[:k], 1):
        if iri in gold:
            return 1 / i
    return 0.0


def recall(ranked: list[str], gold: set[str], k: int = 5) -> float:
    return len(set(ranked[:k]) & gold) / len(gold)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="all", choices=["tune", "heldout", "all"])
    ap.add_argument("-v", "--verbose", action="store_true", help="show every miss")
    ap.add_argument("--model", default=None, help="sentence-transformers name or path")
    args = ap.parse_args()

    from kg.ask import ask
    from kg.context import open_store
    from kg.search import searcher

    store = open_store()
    names = resolve_names(store)
    se = searcher(store, args.model)
    splits = ["tune", "heldout"] if args.split == "all" else [args.split]
    label = {iri: n for n, iri in names.items()}

    questions = yaml.safe_load((HERE / "questions.yaml").read_text())["questions"]
    queries = yaml.safe_load((HERE / "search.yaml").read_text())["queries"]
    rows = []
    for split in splits:
        qs = [q for q in questions if q["split"] == split]
        scores = []
        for item in qs:
            a = ask(store, item["q"], lambda t, k: se.search(t, k))
            pred = set() if a.intent in ("search", "unknown_entity") else {
                x["iri"] for x in a.answers}
            gold = {names[g] for g in item["gold"]}
            s = f1(pred, gold)
            scores.append(s)
            if args.verbose and s < 1:
                print(f"[ask {split}] F1={s:.2f} {item['q']!r} intent={a.intent}\n"
                      f"    missing {sorted(label.get(i, i) for i in gold - pred)}\n"
                      f"    extra   {sorted(label.get(i, i)[-40:] for i in pred - gold)}")
        sq = [q for q in queries if q["split"] == split]
        res = {}
        for mode in ("dense-only", "shipped"):
            m, r = [], []
            for item in sq:
                hits = se.search(item["q"], 10, dense_only=mode == "dense-only")
                ranked = [h.iri for h in hits]
                gold = {names[g] for g in item["gold"]}
                m.append(mrr(ranked, gold))
                r.append(recall(ranked, gold))
                if args.verbose and mode == "shipped" and m[-1] < 1:
                    top = [label.get(h.iri, h.label[:30]) for h in hits[:3]]
                    print(f"[search {split}] RR={m[-1]:.2f} {item['q']!r} top3={top}")
            res[mode] = (statistics.mean(m), statistics.mean(r))
        rows.append((split, len(qs), statistics.mean(scores), len(sq), res))

    print(f"\nmodel: {se.model_id}")
    print(f"{'split':8} {'questions':>9} {'ask F1':>7} {'queries':>8} "
          f"{'MRR@10 dense':>13} {'MRR@10 shipped':>15} {'R@5 dense':>10} {'R@5 shipped':>12}")
    for split, nq, f, ns, res in rows:
        (md, rd), (ms, rs) = res["dense-only"], res["shipped"]
        print(f"{split:8} {nq:>9} {f:>7.3f} {ns:>8} {md:>13.3f} {ms:>15.3f} {rd:>10.3f} "
              f"{rs:>12.3f}")


if __name__ == "__main__":
    main()
