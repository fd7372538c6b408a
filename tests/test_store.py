"""The store layer: synthetic graphs, the Oxigraph and remote backends' own behaviour,
store selection. (The same query checks over all backends are in test_backends.py.)"""

from __future__ import annotations

from rdflib import Graph

from kg.build import counts
from kg.synthetic import generate_graph, generate_ntriples, synthetic_survey


def test_synthetic_is_deterministic_by_seed():
    a, b, c = generate_graph(60, seed=1), generate_graph(60, seed=1), generate_graph(60, seed=2)
    assert len(a ^ b) == 0
    assert len(a ^ c) > 0


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
