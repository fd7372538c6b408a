"""A view's RDF subgraph: what the RDF and GraphML exports of a view carry.

The rule: the rows' own triples; their papers' (without the papers' links to every row);
the papers' bibliographic nodes (authors, authorships, venues) and the curated entries they
come from, with the public records those were verified against (rd:Verification); the
concepts the rows name (models with their whole broader chain, as ``ancestors`` gives it);
the survey rows they derive from, with those rows' tables; and the derived links
(rd:DerivedLink, with their rule) between two of the rows. Read with a few simple queries
per class and picked in Python (rdflib's parsing, not matching, is the cost).
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import RDF, RDFS, SKOS, Graph, URIRef
from rdflib.namespace import DCTERMS

from ..stores.base import Store
from ..vocab import RD

# The triples of every node of a class (?cls bound); the view's subgraph is picked from
# these in Python (few simple queries: rdflib's parsing, not matching, is the cost).
CLASS_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { ?s a ?cls ; ?p ?o }"
BIB_TRIPLES = """CONSTRUCT { ?s ?p ?o } WHERE {
  VALUES ?cls { rd:Person rd:Authorship rd:Venue rd:CuratedEntry rd:Verification }
  ?s a ?cls ; ?p ?o }"""
CONCEPT_PREDICATES = (RDF.type, SKOS.prefLabel, RDFS.label, SKOS.broader, SKOS.inScheme)
SOURCE_ROW_PREDICATES = (RDF.type, RDFS.label, RD.rowNumber, RD.inTable)
TABLE_PREDICATES = (RDF.type, RDFS.label)
_PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")


def subgraph(store: Store, rows: Iterable[URIRef],
             ancestors: dict[URIRef, set[URIRef]]) -> Graph:
    """The rows' own triples, their papers' (without the papers' links to every row), the
    concepts the rows name (models with their whole broader chain), the survey rows
    they derive from, with those rows' tables, and the derived links (rd:DerivedLink, with
    their rule) between two of the rows."""
    rows = set(rows)

    def triples(cls: URIRef) -> Graph:
        return store.construct(CLASS_TRIPLES, {"cls": cls})

    g = Graph()
    row_graph = triples(RD.Attack) + triples(RD.DefenseEvaluation)
    for t in row_graph:
        if t[0] in rows:
            g.add(t)
    papers = set(g.objects(None, RD.fromPaper))
    sources = set(g.objects(None, _PROV_DERIVED))
    concepts: set = set()
    for p in (RD.threat, RD.mitigates, RD.assumesKnowledge, RD.method, RD.evaluatedOn):
        concepts |= set(g.objects(None, p))
    for m in set(g.objects(None, RD.evaluatedOn)):
        concepts |= ancestors.get(m, set())
    bib = store.construct(BIB_TRIPLES)  # one query for the five bibliographic classes
    curated = set(bib.subjects(RDF.type, RD.CuratedEntry))
    for s_, p_, o_ in triples(RD.Paper):
        if s_ in papers and (p_ != _PROV_DERIVED or o_ in curated):
            g.add((s_, p_, o_))
    # the papers' bibliographic nodes (authors, authorships, venues) and the curated
    # entries they come from, with the public records those were verified against
    linked = set(g.objects(None, RD.hasAuthorship)) | set(g.objects(None, DCTERMS.creator)) \
        | set(g.objects(None, RD.publishedAt)) | {o for s, p, o in g if p == _PROV_DERIVED
                                                 and o in curated and s in papers}
    people_venues = set(bib.subjects(RDF.type, RD.Person)) | set(bib.subjects(RDF.type,
                                                                             RD.Venue))
    for s_, p_, o_ in bib:
        if s_ in linked and (s_ not in people_venues or p_ != _PROV_DERIVED):
            g.add((s_, p_, o_))
    checks = set(g.objects(None, RD.hasVerification))
    for s_, p_, o_ in bib:
        if s_ in checks:
            g.add((s_, p_, o_))
    for cls in (RD.ThreatCategory, RD.AttackerKnowledge, RD.TargetModel, RD.DefenseMethod):
        for s_, p_, o_ in triples(cls):
            if s_ in concepts and p_ in CONCEPT_PREDICATES:
                g.add((s_, p_, o_))
    tables = set()
    for s_, p_, o_ in triples(RD.SourceRow):
        if s_ in sources and p_ in SOURCE_ROW_PREDICATES:
            g.add((s_, p_, o_))
            if p_ == RD.inTable:
                tables.add(o_)
    for s_, p_, o_ in triples(RD.SourceTable):
        if s_ in tables and p_ in TABLE_PREDICATES:
            g.add((s_, p_, o_))
    links = triples(RD.DerivedLink)
    rules = set()
    for f in set(links.subjects(RDF.type, RD.DerivedLink)):
        if links.value(f, RDF.subject) in rows and links.value(f, RDF.object) in rows:
            for t in links.triples((f, None, None)):
                g.add(t)
            rules |= set(links.objects(f, RD.derivedBy))
    for s_, p_, o_ in triples(RD.DerivationRule):
        if s_ in rules:
            g.add((s_, p_, o_))
    return g


__all__ = ["subgraph"]
