"""Where a node's facts came from: the survey cells or the curated entries behind them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import Literal, URIRef

from .errors import KGError, UnknownLabelError
from .stores.base import Store
from .urls import iri_problem
from .vocab import ID, PREFIXES, qname

LABELS_QUERY = """
SELECT ?node ?label WHERE {
  ?node rdfs:label|skos:prefLabel|skos:altLabel|dcterms:title|rd:shortName|rd:citationLabel ?label .
  FILTER NOT EXISTS { ?node a rd:SourceCell }
  FILTER NOT EXISTS { ?node a rd:SourceRow }
  FILTER NOT EXISTS { ?node a rd:CuratedEntry }
  FILTER NOT EXISTS { ?node a rd:SourceColumn }
}
"""

# The nodes LABELS_QUERY gives for one label (?label bound).
LABEL_LOOKUP = LABELS_QUERY.replace("SELECT ?node ?label", "SELECT DISTINCT ?node")

FACTS_QUERY = """
SELECT ?p ?o WHERE { ?node ?p ?o . FILTER (?p != prov:wasDerivedFrom) }
"""

# Where the facts of each property come from (?p): one query per kind of source, each run
# once per node (as OPTIONALs of the facts query, rdflib ran them once per fact).
SOURCE_QUERIES = (
    """SELECT ?p ?kind ?where ?text WHERE {
      ?node prov:wasDerivedFrom ?source . ?source a rd:SourceRow .
      ?source rd:hasCell ?cell . ?cell rd:column ?col ; rd:cellText ?text .
      ?col rd:mapsTo ?p .
      ?cell rdfs:label ?where .
      BIND("survey" AS ?kind)
    }""",
    """SELECT ?p ?kind ?where WHERE {
      ?node prov:wasDerivedFrom ?source . ?source a rd:CuratedEntry ;
            rd:sourceFile ?file ; rd:entryKey ?key .
      VALUES (?p ?aliasEntry) {
        (skos:altLabel true) (skos:broader false) (rd:isTextToImage false)
        (skos:topConceptOf false) (rdf:type false) (skos:prefLabel false) (rdfs:label false)
        (skos:exactMatch true) (skos:closeMatch true) (skos:broadMatch true)
        (skos:narrowMatch true) (skos:relatedMatch true)
        (rd:citationKey false) (rd:citationLabel false)
      }
      FILTER (CONTAINS(?key, "/") = ?aliasEntry)
      FILTER NOT EXISTS { ?source a rd:AdditionEntry }
      BIND("curated" AS ?kind)
      BIND(CONCAT(?file, ": ", ?key) AS ?where)
    }""",
    """SELECT ?p ?kind ?where ?text WHERE {
      ?node prov:wasDerivedFrom ?source . ?source a rd:CuratedEntry ;
            rd:sourceFile ?file ; rd:entryKey ?key ; rd:hasVerification ?v .
      ?v rd:verifiesProperty ?p ; rd:citation ?cited .
      BIND("curated" AS ?kind)
      BIND(CONCAT(?file, ": ", ?key) AS ?where)
      BIND(IF(STRSTARTS(?cited, "derived from"), ?cited, CONCAT("verified against ", ?cited))
           AS ?text)
    }""",
    """SELECT ?p ?kind ?where WHERE {
      ?node prov:wasDerivedFrom ?source . ?source a rd:AdditionEntry ;
            rd:sourceFile ?file ; rd:entryKey ?key .
      ?node ?p ?o .
      FILTER (?p NOT IN (rdf:type, prov:wasDerivedFrom))
      BIND("addition" AS ?kind)
      BIND(CONCAT(?file, ": entry ", ?key) AS ?where)
    }""",
)

INCOMING_QUERY = """
SELECT ?s ?slabel ?p ?where ?text WHERE {
  ?s ?p ?node .
  ?s prov:wasDerivedFrom ?row . ?row a rd:SourceRow ; rd:hasCell ?cell .
  ?cell rd:column ?col ; rd:cellText ?text ; rdfs:label ?where .
  ?col rd:mapsTo ?p .
  OPTIONAL { ?s rdfs:label ?slabel }
}
"""

# The derived links (kg.derive) this node takes part in, either way round: one pattern
# from the node (a UNION of two branches starting at ?fact read every derived link of the
# graph before joining the node: 3 s at 100k papers, now 10 ms).
DERIVED_QUERY = """
SELECT ?fact ?relation ?other ?otherLabel ?path ?rule WHERE {
  VALUES (?near ?far ?relation) {
    (rdf:subject rdf:object "evaluated against")
    (rdf:object rdf:subject "defense evaluated against this attack") }
  ?fact ?near ?node .
  ?fact a rd:DerivedLink ; ?far ?other ; rd:derivationPath ?path ; rd:derivedBy/rdfs:label ?rule .
  OPTIONAL { ?other rdfs:label ?otherLabel }
}
"""

# Fields of the node's curated entries no public record verified (they stay empty).
UNVERIFIED_QUERY = """
SELECT ?field ?where WHERE {
  ?node prov:wasDerivedFrom ?e . ?e rd:unverifiedField ?field ; rd:sourceFile ?file ;
     rd:entryKey ?key .
  BIND(CONCAT(?file, ": ", ?key) AS ?where)
}
"""

# The order of a paper's authors (dcterms:creator facts are listed in it).
AUTHOR_ORDER_QUERY = """
SELECT ?person ?k WHERE { ?node rd:hasAuthorship ?a . ?a rd:author ?person ; rd:authorPosition ?k }
"""

ROWS_QUERY = """
SELECT ?row ?where WHERE {
  ?node prov:wasDerivedFrom ?row . ?row rdfs:label ?where .
}
"""


@dataclass
class Fact:
    predicate: str
    value: str
    sources: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, where, text)


@dataclass
class Explanation:
    iri: str
    label: str
    facts: list[Fact]
    incoming: list[tuple[str, str, str, str]]  # (subject label, predicate, where, cell text)
    derived_from: list[str]
    derived_links: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    # (relation, other node IRI, other label, rule, path): derived, never stated
    unverified: list[tuple[str, str]] = field(default_factory=list)  # (field, curated entry)

    def as_dict(self) -> dict:
        return {
            "iri": self.iri, "label": self.label,
            "facts": [{"predicate": f.predicate, "value": f.value,
                       "sources": [{"kind": k, "where": w, "text": t} for k, w, t in f.sources]}
                      for f in self.facts],
            "mentioned_in": [{"subject": s, "predicate": p, "where": w, "text": t}
                             for s, p, w, t in self.incoming],
            "derived_from": self.derived_from,
            "derived_links": [{"derived": True, "relation": r, "node": o, "label": lab,
                               "rule": rule, "path": path}
                              for r, o, lab, rule, path in self.derived_links],
            "unverified": [{"field": f, "where": w, "value": None}
                           for f, w in self.unverified],
        }




def checked_iri(iri: str, given: str | None = None) -> URIRef:
    """``iri`` as a URIRef once it is a valid IRI (kg.urls); KGError "not a valid IRI"
    (naming what the user gave) before rdflib or a store sees it."""
    why = iri_problem(iri)
    if why:
        shown = given if given is not None else iri
        raise KGError(f"{shown[:120]!r} is not a valid IRI: it {why}")
    return URIRef(iri)


def resolve_node(store: Store, text: str, scan: bool = True) -> URIRef:
    """A node from an IRI, a prefixed name (rdi:...), a local name, or a label. ``scan``
    False: a label only as written (an index lookup), never by reading every label (a
    large graph: the caller searches its own index); UnknownLabelError without hints."""
    text = text.strip()
    candidates: list[URIRef] = []
    if text.startswith(("http://", "https://")):
        candidates.append(checked_iri(text))
    elif ":" in text and text.split(":", 1)[0] in PREFIXES:
        p, local = text.split(":", 1)
        candidates.append(checked_iri(str(PREFIXES[p]) + local, text))
    elif re.fullmatch(r"[A-Za-z0-9._-]+", text):
        candidates.append(ID[text])
    for c in candidates:
        if store.ask("ASK { ?n ?p ?o }", {"n": c}):
            return c
    # the label as written first: a bound value, looked up in the store's index (reading
    # every label costs minutes at 100k papers); then any case, over all labels
    exact: set[URIRef] = set()
    for lit in (Literal(text), Literal(text, lang="en")):
        exact |= {r["node"] for r in store.select(LABEL_LOOKUP, {"label": lit})}
    if len(exact) == 1:
        return next(iter(exact))
    if not scan and not exact:
        raise UnknownLabelError("node", text, [])
    labels: dict[str, set[URIRef]] = {}
    for r in store.select(LABELS_QUERY):
        labels.setdefault(str(r["label"]).casefold(), set()).add(r["node"])
    hits = labels.get(text.casefold(), set())
    if len(hits) == 1:
        return next(iter(hits))
    if len(hits) > 1:
        names = ", ".join(sorted(qname(h) for h in hits))
        raise UnknownLabelError("node (ambiguous label)", text, [],
                                f"{text!r} names several nodes: {names}")
    raise UnknownLabelError("node", text, {str(r["label"]) for r in store.select(LABELS_QUERY)})


def explain(store: Store, node: URIRef, mentions: bool = True) -> Explanation:
    """Everything stated about ``node``, each fact with its sources; ``mentions=False``
    leaves out the rows that mention it (``incoming``: every attack of a threat, 100k at
    100k papers), for a caller that lists them itself, bounded (the Entity page)."""
    b = {"node": node}
    sources: dict[str, list[tuple[str, str, str]]] = {}
    for q in SOURCE_QUERIES:
        for r in store.select(q, b):
            src = (str(r["kind"]), str(r["where"]),
                   "" if r.get("text") is None else str(r["text"]))
            lst = sources.setdefault(qname(r["p"]), [])
            if src not in lst:
                lst.append(src)
    facts: dict[tuple[str, str], Fact] = {}
    for r in store.select(FACTS_QUERY, b):
        key = (qname(r["p"]), qname(r["o"]) if isinstance(r["o"], URIRef) else str(r["o"]))
        f = facts.setdefault(key, Fact(*key))
        f.sources = list(sources.get(key[0], ()))
    label = next((f.value for f in facts.values()
                  if f.predicate in ("rdfs:label", "skos:prefLabel")), qname(node))
    incoming = sorted({(str(r["slabel"] or qname(r["s"])), qname(r["p"]), str(r["where"]),
                        str(r["text"])) for r in store.select(INCOMING_QUERY, b)}) \
        if mentions else []
    derived = sorted(str(r["where"]) for r in store.select(ROWS_QUERY, b))
    links = sorted({(str(r["relation"]), str(r["other"]),
                     str(r["otherLabel"] or qname(r["other"])), str(r["rule"]), str(r["path"]))
                    for r in store.select(DERIVED_QUERY, b)})
    for f in facts.values():
        f.sources.sort()
    unverified = sorted({(str(r["field"]), str(r["where"]))
                         for r in store.select(UNVERIFIED_QUERY, b)})
    order = {qname(r["person"]): int(r["k"].toPython())
             for r in store.select(AUTHOR_ORDER_QUERY, b)}

    def key(f: Fact):  # authors in their order, the rest by property and value
        return (f.predicate, order.get(f.value, 0) if f.predicate == "dcterms:creator" else 0,
                f.value)

    return Explanation(str(node), label, sorted(facts.values(), key=key), incoming, derived,
                       links, unverified)


def render_text(e: Explanation) -> str:
    out = [f"{e.label}", f"  {e.iri}", ""]
    if e.derived_from:
        out.append("derived from: " + "; ".join(e.derived_from))
    out.append("facts:")
    for f in e.facts:
        out.append(f"  {f.predicate} = {f.value}")
        if not f.sources:
            out.append("      (set by the build for a node made from the sources above)")
        for kind, where, text in f.sources:
            cell = f' "{text}"' if text else ""
            out.append(f"      <- {kind}: {where}{cell}")
    if e.unverified:
        out.append("not verified against a public record (left empty):")
        for f, where in e.unverified:
            what = ("peer-reviewed venue (none found: cited as a preprint)"
                    if f == "peer_reviewed_venue" else f)
            out.append(f"  {what}  <- curated: {where}")
    if e.derived_links:
        out.append("derived links (not stated by the survey; rule in brackets):")
        for relation, _, other, rule, path in e.derived_links:
            out.append(f"  {relation}: {other}  [derived: {rule}]")
            out.append(f"      <- {path}")
    if e.incoming:
        out.append("mentioned in:")
        for s, p, where, text in e.incoming:
            out.append(f"  {s} {p} this  <- survey: {where} \"{text}\"")
    return "\n".join(out)


__all__ = ["explain", "resolve_node", "render_text", "Literal"]
