"""Derived facts: what the graph holds by a rule, never what a source says.

The survey never states which attack a defense was evaluated against. The build derives
"evaluation E was evaluated against attack A" when one paper reports both for the same
threat (rule :data:`RULE`, query :data:`EVALUATED_AGAINST`) and materialises each link as
an ``rd:DerivedLink`` (a reified statement, ``rd:DerivedFact``)::

    rdi:derived-evaluated-against--E--A a rd:DerivedLink ;
        rdf:subject E ; rdf:predicate rd:evaluatedAgainst ; rdf:object A ;
        rd:derivedBy rdi:derived-rule--same-paper-same-threat ;
        prov:wasDerivedFrom E, A ;          # the stated facts it rests on
        rd:derivationPath "E rd:fromPaper P ; A rd:fromPaper P ; both concern T ..." .

The link is never asserted as a plain triple, so a query over stated facts never meets a
derived one by accident; ``kg sparql`` selects them with::

    SELECT ?evaluation ?attack WHERE {
      ?f a rd:DerivedLink ; rdf:subject ?evaluation ; rdf:predicate rd:evaluatedAgainst ;
         rdf:object ?attack . }

SHACL (rd:DerivedLinkShape) re-checks the rule on every materialised link, so a graph
whose derived facts disagree with its stated facts does not validate. The rule query is
the one engine: coverage and the networkx projection evaluate it too (on stores loaded
from elsewhere, which may carry no materialised links).
"""

from __future__ import annotations

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import PROV

from .sparql_text import with_prefixes
from .vocab import RD, iri

# The rule: a defense evaluation and an attack of the same paper and the same threat.
# The attack's type is checked in FILTER EXISTS: as a plain pattern, rdflib orders both
# "?x a C" patterns first and joins their cross product (27.6 s vs 0.23 s at 2,000 papers).
EVALUATED_AGAINST = """
SELECT ?evaluation ?attack ?paper ?threat WHERE {
  ?evaluation a rd:DefenseEvaluation ; rd:fromPaper ?paper ; rd:mitigates ?threat .
  ?attack rd:fromPaper ?paper ; rd:threat ?threat .
  FILTER EXISTS { ?attack a rd:Attack }
}
"""

RULE = iri("derived", "rule", "same paper same threat")
RULE_LABEL = "same paper, same threat"
RULE_COMMENT = ("A defense evaluation is derived to be evaluated against every attack that "
                "the same paper reports for the same threat. The survey does not state it.")

# Labels used in derivation paths (any node kind the rule touches).
PATH_LABELS = """
SELECT ?node ?label WHERE {
  { ?node a rd:Paper ; dcterms:title ?label . }
  UNION { ?node a rd:Attack ; rdfs:label ?label . }
  UNION { ?node a rd:DefenseEvaluation ; rdfs:label ?label . }
  UNION { ?node a rd:ThreatCategory ; skos:prefLabel ?label . }
}
"""

# The materialised links, for readers that want them as stated in the graph.
MATERIALISED = """
SELECT ?fact ?evaluation ?attack ?rule ?path WHERE {
  ?fact a rd:DerivedLink ; rdf:subject ?evaluation ; rdf:predicate rd:evaluatedAgainst ;
        rdf:object ?attack ; rd:derivedBy ?rule .
  OPTIONAL { ?fact rd:derivationPath ?path }
}
"""


def derivation_path(lab: dict[str, str], evaluation: str, attack: str, paper: str,
                    threat: str) -> tuple[str, ...]:
    """The path a derived 'evaluated against' link came from, one step per string."""
    return (f"{lab.get(evaluation, evaluation)} rd:fromPaper {lab.get(paper, paper)}",
            f"{lab.get(attack, attack)} rd:fromPaper {lab.get(paper, paper)}",
            f"both concern {lab.get(threat, threat)} (rd:mitigates / rd:threat)")


def link_iri(evaluation: str, attack: str) -> URIRef:
    """The IRI of the derived link E evaluated against A."""
    return iri("derived", "evaluated-against", evaluation.rsplit("/", 1)[-1],
               attack.rsplit("/", 1)[-1])


def derived_links(graph: Graph) -> Graph:
    """The derived links of ``graph``'s stated facts as rd:DerivedLink nodes (and the rule
    node), a graph of their own; nothing is added to ``graph``."""
    lab = {str(r["node"]): str(r["label"]) for r in graph.query(with_prefixes(PATH_LABELS))}
    g = Graph()
    rows = list(graph.query(with_prefixes(EVALUATED_AGAINST)))
    if not rows:
        return g
    g.add((RULE, RDF.type, RD.DerivationRule))
    g.add((RULE, RDFS.label, Literal(RULE_LABEL)))
    g.add((RULE, RDFS.comment, Literal(RULE_COMMENT)))
    g.add((RULE, RD.ruleQuery, Literal(EVALUATED_AGAINST.strip())))
    for r in rows:
        e, a, p, t = (str(r[k]) for k in ("evaluation", "attack", "paper", "threat"))
        n = link_iri(e, a)
        g.add((n, RDF.type, RD.DerivedLink))
        g.add((n, RDF.subject, URIRef(e)))
        g.add((n, RDF.predicate, RD.evaluatedAgainst))
        g.add((n, RDF.object, URIRef(a)))
        g.add((n, RD.derivedBy, RULE))
        g.add((n, PROV.wasDerivedFrom, URIRef(e)))
        g.add((n, PROV.wasDerivedFrom, URIRef(a)))
        g.add((n, RD.derivationPath, Literal(" ; ".join(derivation_path(lab, e, a, p, t)))))
        g.add((n, RDFS.label, Literal(f"derived: {lab.get(e, e)} evaluated against "
                                      f"{lab.get(a, a)}")))
    return g


def materialise(g: Graph) -> Graph:
    """Add the derived links of ``g``'s stated facts to ``g`` (replacing any earlier ones),
    the last step of a build."""
    for n in set(g.subjects(RDF.type, RD.DerivedLink)):
        g.remove((n, None, None))
    g.remove((RULE, None, None))
    g += derived_links(g)
    return g


__all__ = ["EVALUATED_AGAINST", "MATERIALISED", "RULE", "derivation_path", "derived_links",
           "link_iri", "materialise"]
