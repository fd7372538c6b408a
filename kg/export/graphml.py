"""GraphML of the view's RDF subgraph through networkx (for Gephi, yEd, Cytoscape...).

Every IRI is a node (attributes: ``label``, ``types`` as prefixed names, and each literal
property as an attribute named by its prefixed name, several values joined by " | ");
every triple whose object is an IRI (other than ``rdf:type``) is an edge with its
``predicate`` and ``derived="false"``; each derived link (rd:DerivedLink, a reified
statement) is also one direct edge subject → object with ``derived="true"`` and the link
node in ``derived_by``, so graph tools see it as an edge and know it is derived. The header
goes in graph attributes and an XML comment.
"""

from __future__ import annotations

import networkx as nx
from rdflib import RDF, RDFS, SKOS, BNode, Graph, Literal
from rdflib.namespace import DCTERMS

from ..explain import qname
from ..vocab import RD
from .figures import xml_comment_text
from .views import View

LABEL_PREDICATES = (SKOS.prefLabel, RDFS.label, DCTERMS.title)
SEP = " | "


def _node_id(term) -> str:
    return f"_:{term}" if isinstance(term, BNode) else str(term)


def to_networkx(g: Graph) -> nx.MultiDiGraph:
    """The RDF graph as a networkx multigraph (deterministic insertion order)."""
    G = nx.MultiDiGraph()
    resources = sorted({t for t in (*g.subjects(), *g.objects()) if not isinstance(t, Literal)},
                       key=_node_id)
    for r in resources:
        attrs: dict[str, str] = {"iri": _node_id(r)}
        types = sorted(qname(t) for t in g.objects(r, RDF.type))
        if types:
            attrs["types"] = SEP.join(types)
        literals: dict[str, list[str]] = {}
        for p, o in g.predicate_objects(r):
            if isinstance(o, Literal):
                literals.setdefault(qname(p), []).append(str(o))
        for name in sorted(literals):
            attrs[name] = SEP.join(sorted(set(literals[name])))
        label = next((str(v) for p in LABEL_PREDICATES for v in sorted(g.objects(r, p))), None)
        attrs["label"] = label or qname(r)
        G.add_node(_node_id(r), **attrs)
    triples = sorted(((s, p, o) for s, p, o in g if not isinstance(o, Literal) and p != RDF.type),
                     key=lambda t: (_node_id(t[0]), str(t[1]), _node_id(t[2])))
    for s, p, o in triples:
        G.add_edge(_node_id(s), _node_id(o), key=qname(p), predicate=str(p), label=qname(p),
                   derived="false")
    for link in sorted(g.subjects(RDF.type, RD.DerivedLink), key=_node_id):
        s, p, o = (g.value(link, q) for q in (RDF.subject, RDF.predicate, RDF.object))
        if s is not None and p is not None and o is not None:
            G.add_edge(_node_id(s), _node_id(o), key=qname(p), predicate=str(p),
                       label=qname(p) + " (derived)", derived="true", derived_by=_node_id(link))
    return G


def to_graphml(view: View) -> str:
    G = to_networkx(view.graph)
    header = view.header("graphml")
    G.graph["kg_graph_sha256"] = view.graph_sha256
    G.graph["kg_view"] = view.spec.describe()
    G.graph["kg_export_header"] = "\n".join(header)
    text = "\n".join(nx.generate_graphml(G, encoding="utf-8", prettyprint=True))
    comment = "<!--\n" + xml_comment_text(header, "the graph attribute kg_export_header") + "\n-->"
    if text.startswith("<?xml"):
        decl, rest = text.split("\n", 1)
        return f"{decl}\n{comment}\n{rest}\n"
    return f"{comment}\n{text}\n"
