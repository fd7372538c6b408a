"""The Graph explorer's data: a node's neighbourhood, drawn (kg.drawing) for a plot.

Only the part of the graph around the centre that the view shows is read
(kg.project.local_graph), at most NEIGHBOURS_READ neighbour rows per node, and a node read
in part is named with its count. Nodes are named by their display names (kg.display) and
placed so that no two labels overlap; the layout is seeded, so the same view draws the same
way, and "export this view" (:func:`export_view`) writes that same drawing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import drawing
from ..project import local_graph
from ..stores.base import Store
from .names import TYPE_NAMES, expand, ref

#: The Graph explorer reads at most this many neighbour rows of a node (a threat has
#: 100k attacks at 100k papers); a node cut so is named with its count (Neighbourhood.cut).
NEIGHBOURS_READ = drawing.NEIGHBOURS_READ


@dataclass
class Neighbourhood:
    center: str  # short name
    nodes: list[dict]  # ref, label (display name), full, type, distance, x, y (pixels)
    edges: list[dict]  # source, target, predicate, derived, x, y, x2, y2
    #: nodes whose neighbours were read only in part: ref, label, read, total
    cut: list[dict] = field(default_factory=list)
    more: bool = False  # more nodes than max_nodes were found: the nearest are shown
    max_nodes: int = 150
    drawing: drawing.Drawing | None = None  # what the page draws and export_view writes
    palette: dict[str, str] = field(default_factory=dict)  # type (page name) -> colour


def neighbourhood(G, center: str, depth: int = 1, types: list[str] | None = None,
                  max_nodes: int = 150) -> Neighbourhood:
    """A node's neighbourhood in the networkx projection (kg.project), drawn for a plot
    (kg.drawing: display names, no two overlapping; a seeded layout, so the same view draws
    the same way)."""
    iri = str(expand(center))
    back = {v: k for k, v in TYPE_NAMES.items()}
    wanted = [back.get(t, t) for t in types] if types else None
    d, more = drawing.view(G, iri, depth, wanted, max_nodes)
    nodes = [{"ref": ref(n.iri), "label": n.name, "full": n.full,
              "type": TYPE_NAMES.get(n.type, n.type), "distance": n.distance,
              "x": n.x, "y": drawing.dot_y(n), "label_y": drawing.text_y(n)} for n in d.nodes]
    at = {n.iri: n for n in d.nodes}
    edges = [{"source": ref(e["source"]), "target": ref(e["target"]),
              "predicate": e["predicate"], "derived": e["derived"],
              "x": at[e["source"]].x, "y": drawing.dot_y(at[e["source"]]),
              "x2": at[e["target"]].x, "y2": drawing.dot_y(at[e["target"]])} for e in d.edges]
    cut = [{"ref": ref(n), "label": G.nodes[n].get("name", G.nodes[n]["label"]),
            "read": len(set(G.successors(n)) | set(G.predecessors(n))), "total": total}
           for n, total in sorted(G.graph.get("cut", {}).items()) if n in G]
    palette = {TYPE_NAMES[t]: c for t, c in drawing.PALETTE.items()}
    return Neighbourhood(ref(iri), nodes, edges, cut, more, max_nodes, d, palette)


def store_neighbourhood(store: Store, center: str, depth: int = 1,
                        types: list[str] | None = None, max_nodes: int = 150,
                        max_read: int | None = NEIGHBOURS_READ) -> Neighbourhood:
    """:func:`neighbourhood` without projecting the whole graph: only the part around
    ``center`` that the view shows is read (kg.project.local_graph), at most ``max_read``
    neighbour rows per node (a node read in part is listed in ``cut`` with its count), so
    it costs about the same on 100k papers as on the survey."""
    back = {v: k for k, v in TYPE_NAMES.items()}
    wanted = [back.get(t, t) for t in types] if types else None
    G = local_graph(store, str(expand(center)), depth, wanted, max_nodes, max_read)
    return neighbourhood(G, center, depth, types, max_nodes)


FONT_SIZE, FONT = drawing.FONT_SIZE, drawing.FONT

#: The formats "export this view" writes (kg.drawing), with their file suffixes and types.
EXPORT_FORMATS = {"svg": ("svg", "image/svg+xml"), "pdf": ("pdf", "application/pdf"),
                  "graphml": ("graphml", "application/xml")}


def export_view(nb: Neighbourhood, fmt: str) -> bytes:
    """The view as drawn, in ``fmt`` (svg, pdf, graphml): the same names, positions and
    colours as the page (kg.drawing.render). KGError for another format or when Graphviz,
    which renders the PDF, is missing."""
    return drawing.render(nb.drawing, fmt)


def can_export(fmt: str) -> None:
    """KGError when :func:`export_view` cannot write ``fmt`` on this machine (an unknown
    format; Graphviz missing for a PDF), checked without rendering, so the page can offer
    the file and make it only when it is asked for."""
    drawing.can_render(fmt)
