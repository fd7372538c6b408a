"""The curated definition of a threat, attacker-knowledge level, target model or defense
method (``skos:definition``, from data/definitions.yaml) with the public source it
paraphrases (the entry's ``rd:Verification`` of ``skos:definition``: ``rd:citation``) and the
curated entry it was read from. One SPARQL SELECT with the node written in a ``VALUES``
block (a graph IRI, never user text), so the text shown is the text run.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..sparql_text import iri_ref
from ..stores.base import Store, select_values

#: the kinds of node data/definitions.yaml defines
DEFINED_KINDS = ("threat", "knowledge", "model", "method")


@dataclass
class Definition:
    """A node's definition (empty when the graph holds none), its source and entry."""

    node: str
    sparql: str
    text: str
    source: str
    entry: str


def definition_sparql(node: str) -> str:
    return ("SELECT ?definition ?source ?entry WHERE {\n"
            f"  VALUES ?node {{ {iri_ref(node)} }}\n"
            "  ?node skos:definition ?definition .\n"
            "  OPTIONAL { ?node prov:wasDerivedFrom ?e . ?e rd:hasVerification ?v .\n"
            "             ?v rd:verifiesProperty skos:definition ; rd:citation ?source .\n"
            "             ?e rdfs:label ?entry . }\n"
            "}\nORDER BY ?definition ?source")


def definition(store: Store, node: str) -> Definition:
    """The definition of ``node`` (an IRI of the graph)."""
    sparql = definition_sparql(node)
    names, rows = select_values(store, sparql)
    if not rows:
        return Definition(node, sparql, "", "", "")
    r = dict(zip(names, rows[0], strict=True))
    return Definition(node, sparql, str(r["definition"]), str(r.get("source") or ""),
                      str(r.get("entry") or ""))
