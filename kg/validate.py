"""SHACL validation of a built graph against ontology/shapes.ttl (pyshacl)."""

from __future__ import annotations

from pathlib import Path

from pyshacl import validate as _shacl
from rdflib import Graph

from . import settings
from .errors import ValidationError


def load_shapes(path: Path | None = None) -> Graph:
    g = Graph()
    g.parse(path or settings.ONTOLOGY_DIR / "shapes.ttl", format="turtle")
    return g


def check(graph: Graph, shapes: Graph | None = None) -> tuple[bool, str]:
    """(conforms, report text). The graph carries its ontology, so rdfs subclass
    targets resolve without inference."""
    conforms, _, text = _shacl(graph, shacl_graph=shapes or load_shapes(), inference="none",
                               advanced=True, allow_warnings=True)
    return bool(conforms), str(text)


def require_valid(graph: Graph, shapes: Graph | None = None) -> None:
    ok, report = check(graph, shapes)
    if not ok:
        raise ValidationError(report)
