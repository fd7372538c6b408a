"""Phrasing benchmark for `kg ask`: questions written by a writer who did not read the parser,
scored per style as right, declined (flagged: not understood / asked back / not in the graph)
or confidently wrong (answered, not flagged, not right) — the headline figure.

    .venv/bin/python benchmarks/quality/phrasing.py benchmarks/quality/phrasing_tune.yaml [-v]

The file's items: id, style, q, expect (answer | not_in_graph | decline), answer_type
(papers | methods | models | threats | knowledge | authors | venues | value | count), gold
(labels), value, count, groups, unknown. Misses are listed only with ``-v``. The held-out
file is run once, by the lead, untouched; nothing here reads it by default.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

FLAG_INTENTS = ("unknown_entity", "not_understood", "not_applicable", "search", "ask_back")


def _n(text) -> str:
    return " ".join(str(text).split()).casefold()


def flagged(a) -> bool:
    """The answer says it is not a confident answer: a word not understood, a name not in
    the graph, a question asked back, or no answer by query."""
    return bool(a.not_understood or a.not_in_graph or a.intent in FLAG_INTENTS
                or getattr(a, "readings", None))


def right_answer(a, item: dict) -> tuple[bool, str]:
    """Whether an unflagged answer is the gold one, and what differed."""
    labels = {_n(x.get("value", x["label"])) for x in a.answers}
    kind = item.get("answer_type")
    if kind == "value":
        want = _n(item.get("value", ""))
        ok = any(want == lab or want in lab for lab in labels)
        return ok, f"value {item.get('value')!r} not in {sorted(labels)[:4]}"
    gold = {_n(g) for g in item.get("gold") or []}
    if kind == "count":
        n = a.total if a.total is not None else len(a.answers)
        if n != item.get("value"):
            return False, f"count {n} != {item.get('value')}"
        return True, ""
    if labels != gold:
        return False, (f"missing {sorted(gold - labels)[:4]} extra {sorted(labels - gold)[:4]}")
    if "count" in item and a.answers and a.answers[0].get("n") != item["count"]:
        return False, f"n {a.answers[0].get('n')} != {item['count']}"
    if "groups" in item:
        got = {_n(x["label"]): x.get("n") for x in a.answers}
        want = {_n(k): v for k, v in (item["groups"] or {}).items()}
        if got != want:
            return False, f"groups {got} != {want}"
    return True, ""


def judge(a, item: dict) -> tuple[str, str]:
    """right | declined | wrong (confidently wrong), and why."""
    expect = item["expect"]
    if expect == "not_in_graph":
        said = " ".join(_n(u["text"]) for u in a.not_in_graph)
        unknown = [_n(u) for u in item.get("unknown") or []]
        if a.intent == "unknown_entity" and all(u in said or said in u for u in unknown):
            return "right", ""
        return ("declined", "flagged, not as not in the graph") if flagged(a) else (
            "wrong", "answered as if the name were in the graph")
    if expect == "decline":
        return ("right", "") if flagged(a) else ("wrong", "answered a question it cannot")
    if flagged(a):
        return "declined", f"flagged: {a.intent} {a.not_understood} " \
                           f"{[u['text'] for u in a.not_in_graph]}"
    ok, why = right_answer(a, item)
    return ("right", "") if ok else ("wrong", why)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path", type=Path, help="a phrasing question file (YAML)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list the misses")
    args = ap.parse_args()

    from kg.ask import ask
    from kg.stores.open import open_store

    store = open_store()
    items = yaml.safe_load(args.path.read_text(encoding="utf-8"))["questions"]
    table: dict[str, Counter] = defaultdict(Counter)
    misses = []
    for item in items:
        a = ask(store, item["q"])
        verdict, why = judge(a, item)
        table[item["style"]][verdict] += 1
        table["all"][verdict] += 1
        if verdict != "right":
            misses.append((verdict, item, a, why))
    if args.verbose:
        for verdict, item, a, why in misses:
            print(f"[{verdict}] {item['id']} {item['style']} {item['q']!r} expect={item['expect']}"
                  f"\n    understood as: {a.understood_as} ({a.intent})\n    {why}")
    print(f"\n{args.path.name}: {len(items)} questions")
    print(f"{'style':10} {'n':>4} {'conf. wrong':>12} {'right':>7} {'declined':>9}")
    for style in sorted(table, key=lambda s: (s == "all", s)):
        c = table[style]
        n = sum(c.values())
        print(f"{style:10} {n:>4} {c['wrong']:>5} ({c['wrong'] / n:>4.0%}) "
              f"{c['right']:>3} ({c['right'] / n:>3.0%}) {c['declined']:>3} "
              f"({c['declined'] / n:>3.0%})")


if __name__ == "__main__":
    main()
