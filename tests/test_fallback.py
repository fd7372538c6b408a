"""The search fallback of an answer is bounded on any graph (issue 30, item 5): above
SEMANTIC_FALLBACK_MAX_PAPERS papers a question naming nothing of the graph gets name-search
hits from the lexicon written at load — no model loaded, no node embedded — and the app's
searcher is refused at once on a large graph whose embeddings are not cached."""

from __future__ import annotations

import pytest

import kg.name_search as name_search_mod
import kg.search as search_mod
from kg.app import ask as app_ask
from kg.ask import ask
from kg.errors import KGError
from kg.lexicon_cache import StoredLexicon, write_lexicon
from kg.search import fallback_hits, more_papers_than, name_hits

QUESTION = "what attacks does Smith et al. propose on diffusion models"


def _no_searcher(*a, **k):
    raise AssertionError("a semantic searcher was built for a large graph")


def _oracle_best(store, words: list[str]) -> int:
    """The most query words the name of a node of the searched types holds (plain Python
    over the store's labels)."""
    best = 0
    for r in store.select("""SELECT ?l WHERE {
        VALUES ?c { rd:Paper rd:Attack rd:DefenseMethod rd:DefenseEvaluation
                    rd:ThreatCategory rd:AttackerKnowledge rd:TargetModel }
        ?n a ?c . OPTIONAL { ?n skos:prefLabel ?pl } OPTIONAL { ?n dcterms:title ?t }
        OPTIONAL { ?n rdfs:label ?rl } BIND(COALESCE(?pl, ?t, ?rl) AS ?l) }"""):
        folded = str(r["l"]).casefold()
        best = max(best, sum(w in folded for w in words))
    return best


def test_more_papers_than_counts_up_to_the_bound(store):
    n = len(store.select("SELECT ?p WHERE { ?p a rd:Paper }"))
    assert more_papers_than(store, n - 1) and not more_papers_than(store, n)


def test_a_large_graph_answers_an_unknown_name_by_name_search(store, monkeypatch):
    monkeypatch.setattr(name_search_mod, "SEMANTIC_FALLBACK_MAX_PAPERS", 1)
    monkeypatch.setattr(search_mod, "searcher", _no_searcher)
    a = ask(store, QUESTION, lambda text, k: fallback_hits(store, text, k))
    assert a.intent == "unknown_entity" and "'Smith et al.'" in a.message
    assert "showing name-search hits instead (not answers to the question)" in a.message
    assert a.answers and all(x["source"] == "name search" for x in a.answers)
    words = search_mod.name_words(QUESTION)
    counts = [sum(w in x["label"].casefold() for w in words) for x in a.answers]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == _oracle_best(store, words) > 0
    for x in a.answers:  # each hit says which words its name holds, and holds them
        held = [w.strip("'") for w in x["why"].removeprefix("name holds ").split(", ")]
        assert held and all(w in x["label"].casefold() for w in held)
    from kg.ask import render_text  # the text says what kind of hits they are

    assert f"{len(a.answers)} name-search hits (not answers)" in render_text(a)
    assert "semantic-search" not in render_text(a)


def test_the_ask_command_imports_no_numpy_until_a_small_graph_needs_it():
    """`kg ask`'s fallback on a large store is a name search: its modules import neither
    numpy, scipy nor kg.search (0.46 s of a cold answer at 100k papers)."""
    import subprocess
    import sys

    code = ("import sys, kg.name_search, kg.ask, kg.commands.search, kg.stores.oxigraph; "
            "print(sorted(m for m in ('numpy', 'scipy', 'kg.search') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_the_stored_lexicon_ranks_names_as_the_built_one(store, tmp_path):
    from kg.lexicon_cache import lexicon

    lex = lexicon(store)
    path = tmp_path / "lex.sqlite"
    write_lexicon(lex, path)
    stored = StoredLexicon(path)
    for q in (QUESTION, "membership inference", "Stable Diffusion 1.5 watermark", "zzz qqq"):
        words = search_mod.name_words(q)
        got = stored.named(words, 5)
        built = sorted((-sum(w in e.label.casefold() for w in words), len(e.label), e.label)
                        for e in lex.entities.values()
                        if any(w in e.label.casefold() for w in words))[:5]
        assert [(e.label, n) for e, n in got] == [(lab, -n) for n, _, lab in built], q


def test_name_hits_refuse_an_empty_query(store):
    with pytest.raises(KGError):
        name_hits(store, "   ")


def test_the_app_refuses_a_searcher_for_a_large_uncached_graph_at_once(store, monkeypatch):
    monkeypatch.setattr(app_ask, "SEMANTIC_FALLBACK_MAX_PAPERS", 1)
    monkeypatch.setattr(app_ask, "search_ready", lambda s: False)
    monkeypatch.setattr(app_ask, "make_searcher", _no_searcher)
    with pytest.raises(KGError, match="not cached"):
        app_ask.searcher(store)
    monkeypatch.setattr(name_search_mod, "SEMANTIC_FALLBACK_MAX_PAPERS", 1)
    monkeypatch.setattr(search_mod, "searcher", _no_searcher)
    view = app_ask.ask_view(store, QUESTION, None)
    assert view.answers and all(x["source"] == "name search" for x in view.answers)
