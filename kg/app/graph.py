"""The Graph explorer's data: a node's neighbourhood, laid out for a plot.

Only the part of the graph around the centre that the view shows is read
(kg.project.local_graph), at most NEIGHBOURS_READ neighbour rows per node, and a node read
in part is named with its count; the layout is seeded, so the same view draws the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from ..project import local_graph, neighbors
from ..stores.base import Store
from .names import TYPE_NAMES, expand, ref

#: The Graph explorer reads at most this many neighbour rows of a node (a threat has
#: 100k attacks at 100k papers); a node cut so is named with its count (Neighbourhood.cut).
NEIGHBOURS_READ = 1000


@dataclass
class Neighbourhood:
    center: str  # short name
    nodes: list[dict]  # ref, label, type, distance, x, y
    edges: list[dict]  # source, target, predicate, derived, x, y, x2, y2
    #: nodes whose neighbours were read only in part: ref, label, read, total
    cut: list[dict] = field(default_factory=list)
    more: bool = False  # more nodes than max_nodes were found: the nearest are shown
    max_nodes: int = 150


def neighbourhood(G, center: str, depth: int = 1, types: list[str] | None = None,
                  max_nodes: int = 150) -> Neighbourhood:
    """A node's neighbourhood in the networkx projection (kg.project), laid out for a
    plot: positions from a seeded spring layout, so the same view draws the same way."""
    iri = str(expand(center))
    back = {v: k for k, v in TYPE_NAMES.items()}
    wanted = [back.get(t, t) for t in types] if types else None
    found = neighbors(G, iri, depth, wanted)
    near = found[:max_nodes]
    keep = {iri: 0} | {n["iri"]: n["distance"] for n in near}
    sub = G.subgraph(keep).copy()
    H = nx.Graph()  # sorted, so the layout does not depend on how G was filled
    H.add_nodes_from(sorted(keep))
    H.add_edges_from(sorted(tuple(sorted((u, v))) for u, v in sub.edges()))
    pos = nx.spring_layout(H, seed=7, k=1.2 / max(1, len(keep)) ** 0.5)
    nodes = [{"ref": ref(n), "label": G.nodes[n]["label"],
              "type": TYPE_NAMES.get(G.nodes[n]["type"], G.nodes[n]["type"]),
              "distance": keep[n], "x": float(pos[n][0]), "y": float(pos[n][1])}
             for n in sorted(keep, key=lambda n: (keep[n], G.nodes[n]["label"]))]
    edges = []
    for s, o, data in sorted(sub.edges(data=True), key=lambda e: (e[0], e[1])):
        edges.append({"source": ref(s), "target": ref(o), "predicate": data.get("predicate", ""),
                      "derived": bool(data.get("derived")),
                      "x": float(pos[s][0]), "y": float(pos[s][1]),
                      "x2": float(pos[o][0]), "y2": float(pos[o][1])})
    cut = [{"ref": ref(n), "label": G.nodes[n]["label"],
            "read": len(set(G.successors(n)) | set(G.predecessors(n))), "total": total}
           for n, total in sorted(G.graph.get("cut", {}).items()) if n in G]
    return Neighbourhood(ref(iri), nodes, edges, cut, len(found) > max_nodes, max_nodes)


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
