"""SHACL validation of a built graph against ontology/shapes.ttl (pyshacl).

A failure is said where it came from: each result's node is traced to the survey file and
row (or the curated entry) it was derived from (``prov:wasDerivedFrom``), so the message
names the place to fix, not only an IRI.
"""

from __future__ import annotations

from pathlib import Path

from pyshacl import validate as _shacl
from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SH

from . import settings
from .errors import ValidationError
from .vocab import RD

#: Results named one by one in a failure's message; the rest are counted.
SHOWN_RESULTS = 10


def load_shapes(path: Path | None = None) -> Graph:
    g = Graph()
    g.parse(path or settings.ONTOLOGY_DIR / "shapes.ttl", format="turtle")
    return g


def _run(graph: Graph, shapes: Graph | None):
    """pyshacl on ``graph`` itself (``inplace``: no copy of it first — with no inference
    and no SHACL rules in the shapes nothing is added to it; tests/test_build.py holds
    that the graph is unchanged): (conforms, results graph, report text)."""
    return _shacl(graph, shacl_graph=shapes or load_shapes(), inference="none",
                  advanced=True, allow_warnings=True, inplace=True)


def check(graph: Graph, shapes: Graph | None = None) -> tuple[bool, str]:
    """(conforms, report text). The graph carries its ontology, so rdfs subclass
    targets resolve without inference."""
    conforms, _, text = _run(graph, shapes)
    return bool(conforms), str(text)


def _where(graph: Graph, node) -> str:
    """The file and row (or curated entry) ``node`` was derived from: a place to fix."""
    for origin in [*graph.objects(node, PROV.wasDerivedFrom), node]:
        label = graph.value(origin, RDFS.label)
        own = graph.value(origin, RD.sourceFile)
        if own is not None:
            return f"file {own}, {label or origin}"
        if (origin, RD.rowNumber, None) in graph:
            doc = next((graph.value(d, RD.sourceFile)
                        for d in graph.subjects(RDF.type, RD.SourceDocument)), None)
            return (f"file {doc}, " if doc is not None else "") + str(label or origin)
    return "a node of no survey row or curated entry"


def failures(graph: Graph, results: Graph) -> list[str]:
    """One line per SHACL result: where it came from (:func:`_where`), the property and
    the shape's message, sorted."""
    out = set()
    for r in results.subjects(SH.focusNode, None):
        node = results.value(r, SH.focusNode)
        path = results.value(r, SH.resultPath)
        msg = " ".join(str(results.value(r, SH.resultMessage) or "violates a shape").split())
        prop = f" {path.n3(graph.namespace_manager)}" if isinstance(path, URIRef) else ""
        value = results.value(r, SH.value)
        where = _where(graph, node)
        if where.startswith("a node of no") and isinstance(value, URIRef):
            where = _where(graph, value)  # a SPARQL constraint's node is its value
        shown = f"node {node}" + (f", value {value}" if isinstance(value, URIRef) else "")
        out.add(f"{where} ({shown}):{prop} {msg}")
    return sorted(out)


def require_valid(graph: Graph, shapes: Graph | None = None) -> None:
    """ValidationError unless ``graph`` conforms: the failures, each naming the file and
    row (or entry) it came from, at most SHOWN_RESULTS of them, then how many more."""
    conforms, results, report = _run(graph, shapes)
    if conforms:
        return
    lines = failures(graph, results) if isinstance(results, Graph) else []
    if not lines:
        raise ValidationError(str(report))
    more = len(lines) - SHOWN_RESULTS
    raise ValidationError("; ".join(lines[:SHOWN_RESULTS])
                          + (f"; and {more} more" if more > 0 else ""))
