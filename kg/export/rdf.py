"""The view's subgraph as Turtle and JSON-LD (parse either back: the same graph)."""

from __future__ import annotations

import json

from ..vocab import PREFIXES
from .views import View


def _used_prefixes(view: View) -> dict[str, str]:
    text = {str(t) for triple in view.graph for t in triple}
    return {p: str(ns) for p, ns in PREFIXES.items() if any(s.startswith(str(ns)) for s in text)}


def to_turtle(view: View) -> str:
    header = "".join(f"# {line}".rstrip() + "\n" for line in view.header("turtle"))
    return header + "\n" + view.graph.serialize(format="turtle")


def to_jsonld(view: View) -> str:
    """JSON-LD with the used prefixes as context. JSON has no comments: the header is the
    value of the top-level key ``_comment``, a term with no IRI, so JSON-LD processors
    drop it (it adds no triple)."""
    doc = json.loads(view.graph.serialize(format="json-ld", context=_used_prefixes(view)))
    if isinstance(doc, list):
        doc = {"@graph": doc}
    ordered = {"_comment": view.header("jsonld")}
    ordered.update(doc)
    return json.dumps(ordered, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
