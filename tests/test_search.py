import json

import numpy as np
import pytest

from kg.errors import KGError
from kg.search import Searcher, build_index, check_query, dense_rank, rank
from tests.fake_embed import CountingEmbedder


@pytest.fixture(scope="module")
def searcher(store, tmp_path_factory):
    return Searcher(store, CountingEmbedder(), "fake", tmp_path_factory.mktemp("cache"))


def test_label_and_alias_boosts(searcher):
    top = searcher.search("DP-SGD", 3)[0]
    assert (top.label, top.type) == ("DP-SGD", "method")
    assert "DP-SGD" in top.why
    top = searcher.search("MIA", 3)[0]
    assert top.label == "Membership inference" and 'alias "MIA"' in top.why


def test_typo_still_finds_the_node(searcher):
    hits = searcher.search("membrship inferance", 5)
    assert hits[0].label == "Membership inference"
    assert "spelling corrected" in hits[0].why


def test_why_names_the_matched_text(searcher):
    hits = searcher.search("auxiliary datasets", 5, ["attack"])
    assert hits and all(h.type == "attack" for h in hits)
    assert any("limitation" in h.why and "auxiliary" in h.why for h in hits)


def test_type_filter_and_k(searcher):
    hits = searcher.search("stable diffusion", 4, ["model"])
    assert len(hits) == 4 and {h.type for h in hits} == {"model"}
    with pytest.raises(KGError, match="did you mean"):
        searcher.search("x y", 3, ["modle"])
    with pytest.raises(KGError):
        searcher.search("x y", 0)


@pytest.mark.parametrize("q", ["", "   ", "?!?", "." * 50, "a" * 5000])
def test_bad_queries(q):
    with pytest.raises(KGError):
        check_query(q)


def test_rank_is_a_pure_function_of_arrays(searcher):
    idx = searcher.index
    v = searcher.query_vector("gradient leakage federated")
    a = rank(idx, "gradient leakage federated", v, (), 5)
    b = rank(idx, "gradient leakage federated", v, (), 5)
    assert [h.iri for h in a] == [h.iri for h in b]
    rebuilt = build_index(idx.nodes, idx.vectors)
    assert [h.iri for h in rank(rebuilt, "gradient leakage federated", v, (), 5)] == \
           [h.iri for h in a]
    d = dense_rank(idx, v, 5)
    scores = [h.score for h in d]
    assert scores == sorted(scores, reverse=True)
    assert np.isclose(d[0].score, float(idx.vectors[idx.row[d[0].iri]] @ v))


def test_cli_search_json_contract(kg_cli, monkeypatch, store, tmp_path):
    import kg.search

    fake = Searcher(store, CountingEmbedder(), "fake", tmp_path)
    asked = []

    def fake_searcher(s, model=None, progress=False):
        asked.append(progress)
        return fake

    monkeypatch.setattr(kg.search, "searcher", fake_searcher)
    r = kg_cli("search", "membership inference", "-k", "3", "--json")
    assert r.exit_code == 0, r.output
    assert asked == [True]  # kg search asks for embedding progress (on stderr)
    data = json.loads(r.output)
    assert set(data) == {"schema", "query", "results"}
    assert data["query"] == "membership inference"
    assert len(data["results"]) == 3
    for h in data["results"]:
        assert set(h) == {"iri", "label", "type", "score", "why"}
    r = kg_cli("search", "DP-SGD", "--type", "method")
    assert r.exit_code == 0 and "DP-SGD" in r.output and "why:" in r.output


def test_cli_bad_query_is_one_line_error(runner):
    from kg.cli import main

    r = runner.invoke(main, ["search", "?!"])
    assert r.exit_code == 1 and "error:" in r.output and "Traceback" not in r.output


@pytest.mark.slow
def test_real_model_quality_targets():
    """The closing-note targets on the tune split (real model): ask and compositional
    F1 >= 0.9 (each bibliographic kind too), search MRR@10 >= 0.9 and Recall@5 = 1.0.
    Issue 29: this gate read the held-out split, so the held-out figures were tuned ones; it
    gates on the tune split now, and the untouched held-out set is the phrasing benchmark's
    held-out file, which no test reads."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent

    def heldout(*extra: str) -> list[str]:
        out = subprocess.run([sys.executable, str(root / "benchmarks/quality/run.py"),
                              "--split", "tune", *extra], capture_output=True, text=True,
                             check=True, cwd=root).stdout
        line = next(ln for ln in out.splitlines() if ln.startswith("tune"))
        return line.split()  # split questions askF1 comp compF1 queries mrr(d,s) r5(d,s)

    cols = heldout()
    ask_f1, comp_f1, mrr_shipped, r5_shipped = (float(cols[i]) for i in (2, 4, 7, 9))
    assert ask_f1 >= 0.9 and comp_f1 >= 0.9, cols
    assert mrr_shipped >= 0.9 and r5_shipped == 1.0, cols
    for kind in ("author", "year", "venue", "acronym"):
        cols = heldout("--ask-only", "--kind", kind)
        assert float(cols[4]) >= 0.9, (kind, cols)
