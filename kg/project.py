"""The graph as a typed networkx MultiDiGraph, for graph algorithms: a node's
neighbourhood, the shortest explanation path between two nodes, centrality.

Nodes are the domain nodes (papers, attacks, defense evaluations, defense methods,
threats, attacker knowledge, target models), keyed by IRI, with attributes ``type``,
``label`` (the graph's own: a paper's title) and ``name`` (the display name of kg.display,
unique in the projection: what a table or figure shows). Edges carry ``predicate`` (a
qname) and ``derived``; the derived
``rd:evaluatedAgainst`` edges (same paper, same threat) also carry their ``path``.
The projection is built from store queries, so it works on any store backend.
"""

from __future__ import annotations

from collections import deque

import networkx as nx

from .coverage.links import evaluated_against
from .derive import EVALUATED_AGAINST, derivation_path
from .display import names_of
from .errors import KGError
from .explain import qname
from .sparql_text import values_block, values_blocks
from .stores.base import Store, select_values

TYPES = ("Paper", "Attack", "DefenseEvaluation", "DefenseMethod", "ThreatCategory",
         "AttackerKnowledge", "TargetModel")


def _typed(v: str) -> str:
    """Pattern: ``?v`` is a projected node (one of TYPES, as ?type) with its ?label
    (prefLabel, else title, else label, else the IRI)."""
    return f"""VALUES ?type {{ rd:Paper rd:Attack rd:DefenseEvaluation rd:DefenseMethod
                 rd:ThreatCategory rd:AttackerKnowledge rd:TargetModel }}
  ?{v} a ?type .
  OPTIONAL {{ ?{v} skos:prefLabel ?preferred }}
  OPTIONAL {{ ?{v} dcterms:title ?title }}
  OPTIONAL {{ ?{v} rdfs:label ?plain }}
  BIND(COALESCE(?preferred, ?title, ?plain, STR(?{v})) AS ?label)"""


# The projected edges' predicates.
PREDICATES = """VALUES ?p { rd:fromPaper rd:threat rd:assumesKnowledge rd:evaluatedOn rd:method
              rd:mitigates skos:broader }"""

NODES = f"SELECT ?node ?type ?label WHERE {{\n  {_typed('node')}\n}}\n"

DERIVED_WEIGHT = 2.01

FAMILIES = "SELECT ?node WHERE { ?node a rd:ModelFamily . }"

CODE = "SELECT ?node ?code WHERE { ?node a rd:Paper ; rd:codeAvailability ?code . }"

EDGES = f"SELECT ?s ?p ?o WHERE {{\n  {PREDICATES}\n  ?s ?p ?o .\n}}\n"


def to_networkx(store: Store, derived: bool = True) -> nx.MultiDiGraph:
    """The typed projection; ``derived`` adds the derived rd:evaluatedAgainst edges."""
    G = nx.MultiDiGraph()
    for r in sorted(store.select(NODES), key=lambda r: (str(r["node"]), str(r["label"]))):
        n = str(r["node"])
        if n not in G:
            G.add_node(n, type=str(r["type"]).rsplit("#", 1)[-1], label=str(r["label"]))
    for r in store.select(FAMILIES):
        if str(r["node"]) in G:
            G.nodes[str(r["node"])]["family"] = True
    for r in store.select(CODE):
        if str(r["node"]) in G:
            G.nodes[str(r["node"])]["code"] = str(r["code"]).rsplit("#", 1)[-1]
    for r in sorted(store.select(EDGES), key=lambda r: (str(r["s"]), str(r["p"]), str(r["o"]))):
        s, o, p = str(r["s"]), str(r["o"]), qname(r["p"])
        if s in G and o in G:
            G.add_edge(s, o, key=p, predicate=p, derived=False)
    if derived:
        for d in evaluated_against(store):
            G.add_edge(d.evaluation.iri, d.attack.iri, key="rd:evaluatedAgainst",
                       predicate="rd:evaluatedAgainst", derived=True, path=list(d.path))
    return _named(store, G)


def _named(store: Store, G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``G`` with each node's display name (kg.display, unique among G's nodes) as
    ``name``."""
    for n, name in names_of(store, list(G)).items():
        G.nodes[n]["name"] = name.short
    return G


# One node's neighbours in the projection: stated edges either way, with the neighbour's
# type and label (the same label rule as NODES). ?node is bound.
# FILTER ... IN, not VALUES: ?node is bound, so the patterns read only its own triples,
# and rdflib joins a VALUES block with every solution (7x slower here).
NEIGHBOURS_OF = """
SELECT ?p ?m ?out ?type ?label WHERE {
  { ?node ?p ?m . BIND(true AS ?out) } UNION { ?m ?p ?node . BIND(false AS ?out) }
  FILTER(?p IN (rd:fromPaper, rd:threat, rd:assumesKnowledge, rd:evaluatedOn, rd:method,
                rd:mitigates, skos:broader))
  ?m a ?type .
  FILTER(?type IN (rd:Paper, rd:Attack, rd:DefenseEvaluation, rd:DefenseMethod,
                   rd:ThreatCategory, rd:AttackerKnowledge, rd:TargetModel))
  OPTIONAL { ?m skos:prefLabel ?preferred }
  OPTIONAL { ?m dcterms:title ?title }
  OPTIONAL { ?m rdfs:label ?plain }
  BIND(COALESCE(?preferred, ?title, ?plain, STR(?m)) AS ?label)
}
"""


# How many neighbours NEIGHBOURS_OF finds (a node whose read was cut at ``max_read``): the
# nodes linked by the projected predicates. Their types are not checked (the check cost
# 1.2 s of 1.3 s on a threat with 105,786 attacks at 100k papers): each of these predicates
# links only typed nodes of the projected classes (rdfs:domain / rdfs:range in
# ontology/rdkg.ttl, sh:class in the shapes), so the count is the same on a built graph.
TYPED_LINKS = ("rd:fromPaper", "rd:threat", "rd:assumesKnowledge", "rd:evaluatedOn",
               "rd:method", "rd:mitigates", "skos:broader")
NEIGHBOUR_COUNT = """
SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {
  { ?node ?p ?m . } UNION { ?m ?p ?node . }
  FILTER(?p IN (""" + ", ".join(TYPED_LINKS) + """))
}
"""


def local_graph(store: Store, center: str, depth: int = 1,
                types: list[str] | tuple[str, ...] | None = None,
                max_nodes: int = 150, max_read: int | None = None) -> nx.MultiDiGraph:
    """The part of the projection that :func:`neighbors` needs to list the first
    ``max_nodes`` nodes around ``center`` (and one more, so a view knows whether there
    are more), and every edge among them: nodes are expanded
    (all their edges read) in the order that function visits them until enough are found.
    ``neighbors(local_graph(...), center, ...)[:max_nodes]`` and the edges among those
    nodes equal what :func:`to_networkx` gives, at a cost that follows the neighbourhood,
    not the graph (a hub's neighbours are still all read once).

    ``max_read`` bounds that too: of a node with more neighbour rows, only the first
    ``max_read`` in the store's order are read (so its neighbours listed are some of them,
    not the first by type and label), and ``G.graph["cut"]`` maps the node to how many
    neighbours it has: a view drawn from it must say so."""
    from rdflib import URIRef


    G = nx.MultiDiGraph()
    _add_nodes(store, G, [center])
    _require(G, center)
    wanted = set(types or ())
    derived: list[tuple[str, str, str, str]] = []

    G.graph["cut"] = {}

    def expand(n: str) -> None:
        q = NEIGHBOURS_OF if max_read is None else NEIGHBOURS_OF + f"LIMIT {int(max_read)}\n"
        rows = select_values(store, q, {"node": URIRef(n)})[1]
        if max_read is not None and len(rows) >= max_read:
            (total,), = select_values(store, NEIGHBOUR_COUNT, {"node": URIRef(n)})[1]
            if int(total) > len({r[1] for r in rows}):
                G.graph["cut"][n] = int(total)
        for p, m, out, t, label in sorted(rows):
            if m not in G:
                G.add_node(m, type=t.rsplit("#", 1)[-1], label=label)
            _stated(G, *((n, p, m) if out == "true" else (m, p, n)))
        role = {"DefenseEvaluation": "evaluation", "Attack": "attack"}.get(G.nodes[n]["type"])
        rows = (select_values(store, EVALUATED_AGAINST, {role: URIRef(n)})[1] if role else [])
        _add_nodes(store, G, sorted({x for e, a, _, _ in rows for x in (e, a)} - set(G)))
        for e, a, p, t in rows:
            G.add_edge(e, a, key="rd:evaluatedAgainst", predicate="rd:evaluatedAgainst",
                       derived=True, path=[])
            derived.append((e, a, p, t))

    # the BFS of neighbors(), each node expanded before its neighbours are ordered
    seen = {center: 0}
    queue = deque([center])
    found = 0
    while queue and found <= max_nodes:  # one more than shown: whether there are more
        n = queue.popleft()
        if seen[n] >= depth:
            continue
        expand(n)
        for m in sorted(set(G.successors(n)) | set(G.predecessors(n)),
                        key=lambda x: (G.nodes[x]["type"], G.nodes[x]["label"])):
            if m not in seen:
                seen[m] = seen[n] + 1
                queue.append(m)
                found += not wanted or G.nodes[m]["type"] in wanted
    keep = {center} | {x["iri"] for x in neighbors(G, center, depth, types)[:max_nodes]}
    _edges_among(store, G, sorted(keep), derived)
    return _named(store, G)


def _stated(G: nx.MultiDiGraph, s: str, p: str, o: str) -> None:
    from rdflib import URIRef

    q = qname(URIRef(p))
    if not G.has_edge(s, o, key=q):
        G.add_edge(s, o, key=q, predicate=q, derived=False)


# The stated edges among given nodes ({values}: VALUES of ?s, then the same of ?o).
# one pattern per predicate (a UNION), so each reads only its own triples: rdflib joins
# an unbound ``?s ?p ?o`` with the VALUES blocks solution by solution
_PROJECTED = ("rd:fromPaper", "rd:threat", "rd:assumesKnowledge", "rd:evaluatedOn", "rd:method",
              "rd:mitigates", "skos:broader")
EDGES_AMONG = ("SELECT ?s ?p ?o WHERE {\n  {s_values}\n  "
               + "\n  UNION ".join(f"{{ ?s {p} ?o . BIND({p} AS ?p) }}" for p in _PROJECTED)
               + "\n  {o_values}\n}\n")


def _edges_among(store: Store, G: nx.MultiDiGraph, keep: list[str],
                 derived: list[tuple[str, str, str, str]]) -> None:
    """Add the stated and derived edges among ``keep`` (and the derived edges' paths)."""

    block = values_block(["s"], [(n,) for n in keep])
    q = EDGES_AMONG.replace("{s_values}", block).replace("{o_values}", block.replace("?s", "?o"))
    for s_, p, o in select_values(store, q)[1]:
        _stated(G, s_, p, o)
    evals = [n for n in keep if G.nodes[n]["type"] == "DefenseEvaluation"]
    if evals:
        q = EVALUATED_AGAINST.replace("WHERE {", "WHERE {\n  " + values_block(
            ["evaluation"], [(e,) for e in evals]), 1)
        derived = derived + [tuple(r) for r in select_values(store, q)[1]]
    rows = sorted({d for d in derived if d[0] in G and d[1] in G})
    lab = {n: G.nodes[n]["label"] for n in G}
    lab.update(_labels_of(store, sorted({x for _, _, p, t in rows for x in (p, t)} - set(lab))))
    for e, a, p, t in rows:
        G.add_edge(e, a, key="rd:evaluatedAgainst", predicate="rd:evaluatedAgainst",
                   derived=True, path=list(derivation_path(lab, e, a, p, t)))


def _add_nodes(store: Store, G: nx.MultiDiGraph, nodes: list[str]) -> None:
    """Add ``nodes`` with their type and label (as NODES gives them)."""

    for block in values_blocks(["node"], [(n,) for n in nodes]):
        q = NODES.replace("?node a ?type .", "?node a ?type .\n  " + block)
        for n, t, label in sorted(select_values(store, q)[1], key=lambda r: (r[0], r[2])):
            if n not in G:
                G.add_node(n, type=t.rsplit("#", 1)[-1], label=label)


def _labels_of(store: Store, nodes: list[str]) -> dict[str, str]:
    G = nx.MultiDiGraph()
    _add_nodes(store, G, nodes)
    return {n: G.nodes[n]["label"] for n in G}


def _require(G: nx.MultiDiGraph, node: str) -> None:
    if node not in G:
        raise KGError(f"node {node} is not in the projection (it holds only "
                      f"{', '.join(TYPES)} nodes)")


def _undirected(G: nx.MultiDiGraph) -> nx.Graph:
    """One edge per node pair (a stated edge preferred over a derived one), remembering
    its direction and predicate."""
    U = nx.Graph()
    U.add_nodes_from(G.nodes(data=True))
    for u, v, d in G.edges(data=True):
        # a derived edge stands for the two stated edges it was derived through (evaluation
        # -> paper <- attack): it weighs a little more, so paths use the stated ones
        w = DERIVED_WEIGHT if d.get("derived") else 1.0
        if not U.has_edge(u, v) or U[u][v]["weight"] > w:
            U.add_edge(u, v, weight=w, source=u, target=v, predicate=d["predicate"],
                       derived=d.get("derived", False), path=d.get("path"))
    return U


def _step(G: nx.MultiDiGraph, U: nx.Graph, a: str, b: str) -> dict:
    e = U[a][b]
    step = {"from": _node(G, a), "to": _node(G, b), "predicate": e["predicate"],
            "direction": "forward" if e["source"] == a else "backward",
            "derived": e["derived"]}
    if e["derived"]:
        step["path"] = e["path"]
    return step


def _node(G: nx.MultiDiGraph, n: str) -> dict:
    return {"iri": n, "label": G.nodes[n]["label"],
            "name": G.nodes[n].get("name", G.nodes[n]["label"]), "type": G.nodes[n]["type"]}


def neighbors(G: nx.MultiDiGraph, node: str, depth: int = 1,
              types: list[str] | tuple[str, ...] | None = None) -> list[dict]:
    """Nodes within ``depth`` edges of ``node`` (either direction), nearest first; each
    with its distance and the edge it was reached by. ``types`` filters the result."""
    _require(G, node)
    if depth < 1:
        raise KGError(f"depth must be at least 1 (got {depth})")
    bad = [t for t in types or () if t not in TYPES]
    if bad:
        raise KGError(f"unknown node type {bad[0]!r}; expected one of {', '.join(TYPES)}")
    U = _undirected(G)
    seen = {node: 0}
    out = []
    queue = deque([node])
    while queue:
        n = queue.popleft()
        if seen[n] >= depth:
            continue
        for m in sorted(U.neighbors(n), key=lambda x: (G.nodes[x]["type"], G.nodes[x]["label"])):
            if m in seen:
                continue
            seen[m] = seen[n] + 1
            queue.append(m)
            if not types or G.nodes[m]["type"] in types:
                out.append({**_node(G, m), "distance": seen[m], "via": _step(G, U, n, m)})
    return out


def shortest_path(G: nx.MultiDiGraph, a: str, b: str) -> list[dict]:
    """The shortest explanation path from ``a`` to ``b`` (edges in either direction;
    stated edges preferred over derived ones), as steps with their edge labels."""
    _require(G, a)
    _require(G, b)
    U = _undirected(G)
    try:
        nodes = nx.shortest_path(U, a, b, weight="weight")
    except nx.NetworkXNoPath:
        raise KGError(f"no path between {_node(G, a)['name']!r} and "
                      f"{_node(G, b)['name']!r} in the projection") from None
    return [_step(G, U, x, y) for x, y in zip(nodes, nodes[1:], strict=False)]


def centrality(G: nx.MultiDiGraph, top: int | None = None) -> dict[str, list[dict]]:
    """Betweenness (on the undirected projection) and degree of papers and defense methods,
    most central first."""
    U = _undirected(G)
    between = nx.betweenness_centrality(U, weight=None)
    out: dict[str, list[dict]] = {}
    for name, t in (("papers", "Paper"), ("methods", "DefenseMethod")):
        rows = [{**_node(G, n), "betweenness": round(between[n], 6), "degree": U.degree(n)}
                for n in G if G.nodes[n]["type"] == t]
        rows.sort(key=lambda r: (-r["betweenness"], -r["degree"], r["label"]))
        out[name] = rows[:top] if top else rows
    return out


def render_path(steps: list[dict]) -> str:
    if not steps:
        return "(same node)"
    out = [f"{steps[0]['from']['name']} [{steps[0]['from']['type']}]"]
    for s in steps:
        arrow = f"--{s['predicate']}-->" if s["direction"] == "forward" else f"<--{s['predicate']}--"
        tag = "  (derived: " + " ; ".join(s["path"]) + ")" if s["derived"] else ""
        out.append(f"  {arrow} {s['to']['name']} [{s['to']['type']}]{tag}")
    return "\n".join(out)


__all__ = ["to_networkx", "local_graph", "neighbors", "shortest_path", "centrality", "render_path", "TYPES"]
