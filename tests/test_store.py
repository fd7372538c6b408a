"""The store layer: synthetic graphs, the Oxigraph and remote backends' own behaviour,
store selection. (The same query checks over all backends are in test_backends.py.)"""

from __future__ import annotations

import gc

import pytest
from rdflib import Graph, Literal, URIRef

from kg.build import counts
from kg.errors import QueryError, StoreError
from kg.sparql_text import projected_vars, sparql_term, with_values
from kg.stores.memory import MemoryStore
from kg.stores.open import available_stores, open_store, store_kind
from kg.stores.oxigraph import OxigraphStore
from kg.synthetic import generate_graph, generate_ntriples, synthetic_survey
from kg.vocab import iri
from tests.tiers import slow


@slow
def test_synthetic_is_deterministic_by_seed():
    a, b, c = generate_graph(60, seed=1), generate_graph(60, seed=1), generate_graph(60, seed=2)
    assert len(a ^ b) == 0
    assert len(a ^ c) > 0


@slow
def test_synthetic_keeps_the_survey_proportions(graph):
    real = dict(counts(graph))
    n = 400
    syn = dict(counts(generate_graph(n, seed=0)))
    assert syn["Papers"] == n
    for name in ("Attacks", "Defense evaluations", "Source rows", "Source cells"):
        ratio = syn[name] / n
        real_ratio = real[name] / real["Papers"]
        assert 0.6 * real_ratio < ratio < 1.5 * real_ratio, (name, ratio, real_ratio)
    # the closed vocabularies stay closed
    for name in ("Threat categories", "Attacker knowledge levels", "Target models"):
        assert syn[name] == real[name]


def test_synthetic_graph_conforms_to_the_shapes():
    from kg.validate import check

    ok, report = check(generate_graph(40, seed=3))
    assert ok, report


@slow
def test_synthetic_ntriples_chunks_are_the_same_graph():
    whole = generate_graph(90, seed=5)
    parts = Graph()
    for text in generate_ntriples(90, seed=5, chunk=25):
        parts.parse(data=text, format="nt")
    assert len(whole ^ parts) == 0


def test_synthetic_rows_are_numbered_across_the_survey():
    s = synthetic_survey(50, seed=0)
    for t in s.tables.values():
        assert [r.number for r in t.rows] == list(range(1, len(t.rows) + 1))


# ------------------------------------------------------------------ store helpers



def test_sparql_term_escapes_and_checks():
    assert sparql_term(URIRef("http://x/a")) == "<http://x/a>"
    assert sparql_term(Literal('a"b\nc\\')) == '"a\\"b\\nc\\\\"'
    assert sparql_term(Literal("x", lang="en-GB")) == '"x"@en-GB'
    assert sparql_term(Literal(3)).endswith("^^<http://www.w3.org/2001/XMLSchema#integer>")
    for bad in ("http://x/a> } INSERT {", "http://x/ a", 'http://x/"'):
        with pytest.raises(QueryError, match="not a valid IRI"):
            sparql_term(URIRef(bad))


def test_with_values_opens_the_where_group():
    b = {"t": URIRef("http://x/t")}
    assert with_values("SELECT ?a WHERE { ?a ?p ?t }", b) == (
        "SELECT ?a WHERE { VALUES (?t) { (<http://x/t>) }  ?a ?p ?t }")
    got = with_values("CONSTRUCT { ?a ?p ?t } WHERE { ?a ?p ?t }", b)
    assert got.startswith("CONSTRUCT { ?a ?p ?t } WHERE { VALUES (?t)")
    got = with_values("CONSTRUCT WHERE { ?a ?p ?t }", b)
    assert got.startswith("CONSTRUCT WHERE { VALUES (?t)")
    # braces inside strings, IRIs and comments are not groups
    got = with_values('# { comment\nSELECT ?a WHERE { ?a ?p "}" }', b)
    assert '{ VALUES (?t) { (<http://x/t>) }  ?a ?p "}" }' in got
    assert with_values("ASK { ?a ?p ?t }", None) == "ASK { ?a ?p ?t }"
    with pytest.raises(QueryError, match="not a SPARQL variable"):
        with_values("ASK { ?a ?p ?t }", {"t) {": URIRef("http://x/t")})


def test_projected_vars():
    assert projected_vars("SELECT ?a ?b WHERE { }") == {"a", "b"}
    assert projected_vars("SELECT DISTINCT ?a (COUNT(?x) AS ?n) WHERE { }") == {"a", "n"}
    assert projected_vars("SELECT * WHERE { }") is None
    assert projected_vars("ASK { ?a ?b ?c }") is None


def test_store_settings():
    assert [store_kind(s) for s in ("memory", "oxigraph:x", "https://h/q")] == [
        "memory", "oxigraph", "remote"]
    with pytest.raises(StoreError, match="expected 'memory'"):
        store_kind("sqlite:x")
    assert isinstance(open_store("memory"), MemoryStore)
    choices = available_stores()
    assert choices[0].setting == "memory"


def test_oxigraph_persists_across_opens(graph, tmp_path):
    path = tmp_path / "ox"
    s = OxigraphStore(path)
    s.load(graph)
    del s
    gc.collect()
    again = open_store(f"oxigraph:{path}")
    assert again.triple_count() == len(graph)
    assert again.ask("ASK { ?a rd:threat ?t }", {"t": iri("threat", "Membership inference")})


def test_empty_or_missing_oxigraph_store_says_load_it(tmp_path):
    with pytest.raises(StoreError, match="kg load --store"):
        open_store(f"oxigraph:{tmp_path / 'missing'}")
    OxigraphStore(tmp_path / "empty")
    gc.collect()
    with pytest.raises(StoreError, match="holds no papers"):
        open_store(f"oxigraph:{tmp_path / 'empty'}")


def test_a_named_graph_is_put_whole_and_replaced_whole(tmp_path):
    """A graph the store does not hold is loaded, one it holds is replaced: either way the
    named graph holds exactly the new triples and the default graph is untouched; a bad
    line changes nothing."""
    from kg.errors import KGError
    from kg.stores.base import select_values

    st = OxigraphStore(tmp_path / "s")
    st.load(Graph().parse(data="<urn:d> <urn:p> <urn:o> .", format="nt"))

    def held() -> set:
        return set(select_values(st, "SELECT ?s ?o WHERE { GRAPH <urn:g> { ?s <urn:p> ?o } }")[1])

    assert st.put_named_graph("urn:g", b"<urn:a> <urn:p> <urn:b> .\n<urn:a> <urn:p> <urn:c> .\n")
    assert held() == {("urn:a", "urn:b"), ("urn:a", "urn:c")}
    assert st.put_named_graph("urn:g", b"<urn:x> <urn:p> <urn:y> .\n")
    assert held() == {("urn:x", "urn:y")}
    with pytest.raises(KGError):
        st.put_named_graph("urn:g", b"<urn:z> <urn:p> <urn:w> .\nnot a triple\n")
    assert held() == {("urn:x", "urn:y")}
    assert st.triple_count() == 1
