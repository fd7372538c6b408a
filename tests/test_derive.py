"""Derived links materialised by the build (kg.derive): each one an instance of its rule,
none missing, selectable by SPARQL, carried by RDF and GraphML exports, labelled derived."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import PROV

from kg import derive
from kg.app import console as app_console
from kg.app import entity as app_entity
from kg.coverage.links import evaluated_against
from kg.errors import ValidationError
from kg.explain import explain
from kg.export import export, make_view, view_spec
from kg.validate import require_valid
from kg.vocab import RD

SELECT_LINKS = """
SELECT ?evaluation ?attack WHERE {
  ?f a rd:DerivedLink ; rdf:subject ?evaluation ; rdf:predicate rd:evaluatedAgainst ;
     rdf:object ?attack .
}"""


def _pairs_by_hand(graph: Graph) -> set[tuple[str, str]]:
    """The rule applied without SPARQL: same paper, same threat."""
    evals = {(e, p, t) for e in graph.subjects(RDF.type, RD.DefenseEvaluation)
             for p in graph.objects(e, RD.fromPaper) for t in graph.objects(e, RD.mitigates)}
    attacks = {(a, p, t) for a in graph.subjects(RDF.type, RD.Attack)
               for p in graph.objects(a, RD.fromPaper) for t in graph.objects(a, RD.threat)}
    return {(str(e), str(a)) for e, p, t in evals for a, q, u in attacks if (p, t) == (q, u)}


def _links(graph: Graph) -> set[tuple[str, str]]:
    return {(str(graph.value(f, RDF.subject)), str(graph.value(f, RDF.object)))
            for f in graph.subjects(RDF.type, RD.DerivedLink)}


def test_the_build_materialises_exactly_the_rule(graph):
    want = _pairs_by_hand(graph)
    assert len(want) == 12  # Carlini 3, Wen 3, Duan 5, PriSampler 1
    assert _links(graph) == want
    for f in graph.subjects(RDF.type, RD.DerivedLink):
        assert graph.value(f, RDF.predicate) == RD.evaluatedAgainst
        assert graph.value(f, RD.derivedBy) == derive.RULE
        assert set(graph.objects(f, PROV.wasDerivedFrom)) == {graph.value(f, RDF.subject),
                                                              graph.value(f, RDF.object)}
        assert str(graph.value(f, RDFS.label)).startswith("derived: ")
        assert "rd:fromPaper" in str(graph.value(f, RD.derivationPath))
    # never asserted as a plain triple: stated-fact queries cannot meet it by accident
    assert not list(graph.triples((None, RD.evaluatedAgainst, None)))
    assert str(graph.value(derive.RULE, RD.ruleQuery)) == derive.EVALUATED_AGAINST.strip()


def test_coverage_and_the_materialised_links_agree(graph, store):
    assert {(d.evaluation.iri, d.attack.iri) for d in evaluated_against(store)} == _links(graph)


def test_materialise_is_idempotent(graph):
    g = Graph()
    g += graph
    before = set(g)
    derive.materialise(g)
    assert set(g) == before


@pytest.fixture(scope="module")
def broken_links(graph):
    """A copy of the graph with two derived links broken, validated once: the first one's
    attack replaced by an attack the rule does not give, the second one removed whole.
    (the two links, the SHACL report)"""
    g = Graph()
    g += graph
    first, second = sorted(g.subjects(RDF.type, RD.DerivedLink))[:2]
    assert g.value(first, RDF.subject) != g.value(second, RDF.subject)  # found apart
    other = next(a for a in sorted(g.subjects(RDF.type, RD.Attack))
                 if (str(g.value(first, RDF.subject)), str(a)) not in _links(graph))
    g.set((first, RDF.object, other))
    g.remove((second, None, None))
    with pytest.raises(ValidationError) as err:
        require_valid(g)
    return first, second, str(err.value)


def _blocks(report: str) -> list[str]:
    """The results of a failure (kg.validate.require_valid: one line, results by "; ")."""
    return report.split("; ")


def test_shacl_rejects_a_link_the_rule_does_not_give(broken_links):
    first, _, report = broken_links
    assert any("same paper and concern the same threat" in b and str(first) in b
               for b in _blocks(report))


def test_shacl_rejects_a_missing_link(broken_links, graph):
    _, second, report = broken_links
    evaluation = graph.value(second, RDF.subject)  # its evaluation now lacks the link
    assert any("has its derived link" in b and str(evaluation) in b for b in _blocks(report))


def test_kg_sparql_selects_the_derived_links(kg_cli, graph):
    r = kg_cli("sparql", SELECT_LINKS, "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)["results"]["bindings"]
    assert {(b["evaluation"]["value"], b["attack"]["value"]) for b in rows} == _links(graph)


def test_the_console_example_runs_and_says_derived(store):
    q = app_console.EXAMPLE_QUERIES["Derived links: defenses evaluated against attacks"]
    rows = store.select(q).rows
    assert len(rows) == 12 and {str(r["rule"]) for r in rows} == {derive.RULE_LABEL}


def test_explain_and_entity_page_show_derived_links_labelled(store, graph):
    e_iri, a_iri = sorted(_links(graph))[0]
    e = explain(store, URIRef(e_iri))
    assert any(o == a_iri and rule == derive.RULE_LABEL for _, o, _, rule, _ in e.derived_links)
    assert all(d["derived"] for d in e.as_dict()["derived_links"])
    page = app_entity.entity_page(store, e_iri)
    assert page.derived and all(rel == "evaluated against" for rel, *_ in page.derived)
    attack_page = app_entity.entity_page(store, a_iri)
    assert any(short.endswith(e_iri.rsplit("/", 1)[-1]) for _, short, *_ in attack_page.derived)


@pytest.fixture(scope="module")
def mi_view(store):
    return make_view(store, view_spec(store, threats=["Membership inference"]))


def test_turtle_export_carries_the_links_among_its_rows(mi_view, graph):
    g = Graph().parse(data=export(mi_view, "turtle"), format="turtle")
    rows = set(map(str, g.subjects(RDF.type, RD.Attack))) | set(
        map(str, g.subjects(RDF.type, RD.DefenseEvaluation)))
    want = {(e, a) for e, a in _links(graph) if e in rows and a in rows}
    assert want and _links(g) == want
    assert (derive.RULE, RDF.type, RD.DerivationRule) in g


def test_graphml_export_has_each_link_as_a_derived_edge(mi_view, graph):
    root = ET.fromstring(export(mi_view, "graphml").split("-->", 1)[1].strip())
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    keys = {k.get("attr.name"): k.get("id") for k in root.iter(f"{{{ns['g']}}}key")
            if k.get("for") == "edge"}
    derived = set()
    for edge in root.iter(f"{{{ns['g']}}}edge"):
        data = {d.get("key"): d.text for d in edge.findall("g:data", ns)}
        if data.get(keys["derived"]) == "true":
            assert data[keys["label"]] == "rd:evaluatedAgainst (derived)"
            derived.add((edge.get("source"), edge.get("target")))
    g = Graph().parse(data=export(mi_view, "turtle"), format="turtle")
    assert derived == _links(g) and derived
