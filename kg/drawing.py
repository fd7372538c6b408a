"""A drawing of a node's neighbourhood: the Graph explorer's picture and its exported figure.

The rule: every node is shown by its display name (kg.display, unique in the drawing) in a
box sized to that name at ``FONT_SIZE`` (a conservative width estimate, :func:`text_width`);
the boxes are placed by a seeded spring layout and then pushed apart until no two overlap
(:func:`place`), so no label covers another. Types are coloured from the Okabe–Ito
colour-blind-safe palette, one colour per type. The page draws these positions, and the
exports (:func:`to_svg`, :func:`to_pdf` through Graphviz with the positions pinned,
:func:`to_graphml`) carry the same names, positions and colours.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from .errors import KGError
from .export.figures import dot_binary, render_dot
from .project import local_graph, neighbors
from .stores.base import Store

#: Okabe & Ito's colour-blind-safe palette, one colour per type of the projection.
PALETTE = {"Paper": "#0072B2", "Attack": "#D55E00", "DefenseEvaluation": "#009E73",
           "DefenseMethod": "#56B4E9", "ThreatCategory": "#CC79A7",
           "AttackerKnowledge": "#E69F00", "TargetModel": "#F0E442"}
FONT_SIZE = 11
FONT = "Helvetica, Arial, DejaVu Sans, sans-serif"
#: A node's box: the dot above, its name below.
DOT = 10
BOX_HEIGHT = 30
GAP = 6  # the least room between two boxes
MARGIN = 20

# Helvetica's advance widths (1/1000 em) of the printable ASCII characters, from " " to "~";
# any other character counts as 1000. Scaled by WIDTH_SLACK: the sans-serif a browser or
# Graphviz finds (DejaVu Sans here) is up to ~15% wider.
_WIDTHS = [278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
           *[556] * 10, 278, 278, 584, 584, 584, 556, 1015,
           667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778,
           722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333,
           556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556,
           333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584]
WIDTH_SLACK = 1.2


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """An upper estimate of ``text``'s width in pixels at ``size`` in a sans-serif font."""
    units = sum(_WIDTHS[ord(c) - 32] if 32 <= ord(c) <= 126 else 1000 for c in text)
    return units / 1000 * size * WIDTH_SLACK


@dataclass
class DrawnNode:
    iri: str
    name: str  # the display name (kg.display)
    full: str  # the long form (a paper's title), for hover text
    type: str  # the projection's type (kg.project.TYPES)
    distance: int
    x: float = 0.0  # the box's centre, in pixels from the top left
    y: float = 0.0
    w: float = 0.0
    h: float = BOX_HEIGHT


@dataclass
class Drawing:
    nodes: list[DrawnNode]
    edges: list[dict]  # source, target (IRIs), predicate, derived
    width: float = 0.0
    height: float = 0.0
    centre: str = ""
    notes: list[str] = field(default_factory=list)

    def node(self, iri: str) -> DrawnNode:
        return next(n for n in self.nodes if n.iri == iri)


#: A view reads at most this many neighbour rows of a node (a threat has 100k attacks at
#: 100k papers); a node cut so is named with its count (kg.project.local_graph). Twice the
#: nodes a view draws (150) is enough to pick them by type and label; 1000 cost 0.15-0.4 s
#: more per view at 100k papers.
NEIGHBOURS_READ = 300


def view(G: nx.MultiDiGraph, centre: str, depth: int = 1,
         types: list[str] | tuple[str, ...] | None = None,
         max_nodes: int = 150) -> tuple[Drawing, bool]:
    """The drawing of ``centre``'s neighbourhood in the projection ``G``: the nearest
    ``max_nodes`` nodes within ``depth`` (kg.project.neighbors; ``types`` filters them), and
    whether more were found."""
    found = neighbors(G, centre, depth, types)
    keep = {centre: 0} | {n["iri"]: n["distance"] for n in found[:max_nodes]}
    return draw(G, centre, keep), len(found) > max_nodes


def store_view(store: Store, centre: str, depth: int = 1,
               types: list[str] | tuple[str, ...] | None = None, max_nodes: int = 150,
               max_read: int | None = NEIGHBOURS_READ) -> tuple[Drawing, nx.MultiDiGraph, bool]:
    """:func:`view` reading only the part of the graph around ``centre`` (an IRI) that it
    shows (kg.project.local_graph, at most ``max_read`` neighbour rows per node); also the
    graph read (its ``cut`` says which nodes were read in part)."""
    G = local_graph(store, centre, depth, types, max_nodes, max_read)
    d, more = view(G, centre, depth, types, max_nodes)
    return d, G, more


def draw(G: nx.MultiDiGraph, centre: str, keep: dict[str, int]) -> Drawing:
    """The drawing of the nodes ``keep`` (IRI -> distance from ``centre``) of the projection
    ``G`` (its ``name`` and ``label`` attributes) and the edges among them, placed by
    :func:`place`. Deterministic: the same view draws the same way."""
    nodes = [DrawnNode(n, G.nodes[n].get("name", G.nodes[n]["label"]), G.nodes[n]["label"],
                       G.nodes[n]["type"], keep[n])
             for n in sorted(keep, key=lambda n: (keep[n], G.nodes[n].get("name", "")))]
    sub = G.subgraph(keep)
    edges = [{"source": s, "target": o, "predicate": d.get("predicate", ""),
              "derived": bool(d.get("derived"))}
             for s, o, d in sorted(sub.edges(data=True), key=lambda e: (e[0], e[1],
                                                                        e[2].get("predicate", "")))]
    for n in nodes:
        n.w = text_width(n.name) + 8
    place(nodes, [(e["source"], e["target"]) for e in edges])
    width = max((n.x + n.w / 2 for n in nodes), default=0) + MARGIN
    height = max((n.y + n.h / 2 for n in nodes), default=0) + MARGIN
    return Drawing(nodes, edges, round(width, 1), round(height, 1), centre)


def place(nodes: list[DrawnNode], links: list[tuple[str, str]]) -> None:
    """Set each node's centre: a seeded spring layout (on the sorted graph, so it does not
    depend on the order the graph was filled) scaled to the boxes' total area, then boxes
    that overlap pushed apart along their smaller overlap until none do (when that does not
    settle, the whole picture is spread out until it does)."""
    H = nx.Graph()
    H.add_nodes_from(sorted(n.iri for n in nodes))
    H.add_edges_from(sorted(tuple(sorted(e)) for e in links if e[0] != e[1]))
    pos = nx.spring_layout(H, seed=7, k=1.2 / max(1, len(nodes)) ** 0.5)
    area = sum((n.w + GAP) * (n.h + GAP) for n in nodes) * 3
    sx, sy = (area * 1.6) ** 0.5 / 2, (area / 1.6) ** 0.5 / 2
    x = np.array([pos[n.iri][0] * sx for n in nodes], dtype=float)
    y = np.array([pos[n.iri][1] * sy for n in nodes], dtype=float)
    w = np.array([n.w for n in nodes])
    h = np.array([n.h for n in nodes])
    x, y = _separate(x, y, w, h)
    x, y = x - (x - w / 2).min() + MARGIN, y - (y - h / 2).min() + MARGIN
    for n, a, b in zip(nodes, x, y, strict=True):
        n.x, n.y = round(float(a), 1), round(float(b), 1)


def _overlaps(x, y, w, h, gap: float = GAP) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dx, dy = x[:, None] - x[None, :], y[:, None] - y[None, :]
    ox = (w[:, None] + w[None, :]) / 2 + gap - np.abs(dx)
    oy = (h[:, None] + h[None, :]) / 2 + gap - np.abs(dy)
    over = (ox > 0) & (oy > 0)
    np.fill_diagonal(over, False)
    return over, np.where(ox < oy, ox, 0.0), np.where(ox < oy, 0.0, oy)


def _separate(x, y, w, h, rounds: int = 400):
    """Boxes pushed apart until each pair has GAP + 1 pixel between them (the extra pixel
    absorbs the rounding of positions to 0.1 px). Each push is one pixel more than the
    overlap, so pairs leave the threshold instead of creeping towards it (which took every
    round and then a spread: 0.3 s and a quarter more width for a 150-node view)."""
    n = len(x)
    order = np.arange(n)
    tie = np.where(order[:, None] < order[None, :], -1.0, 1.0)  # who moves which way at a tie
    for _ in range(rounds):
        over, mx, my = _overlaps(x, y, w, h, GAP + 1)
        if not over.any():
            return x, y
        sx = np.where(x[:, None] == x[None, :], tie, np.sign(x[:, None] - x[None, :]))
        sy = np.where(y[:, None] == y[None, :], tie, np.sign(y[:, None] - y[None, :]))
        x = x + (over * np.where(mx > 0, mx + 1, 0.0) * sx).sum(1) * 0.5
        y = y + (over * np.where(my > 0, my + 1, 0.0) * sy).sum(1) * 0.5
    while _overlaps(x, y, w, h, GAP + 1)[0].any():  # spread out from the middle until nothing overlaps
        x, y = (x - x.mean()) * 1.15 + x.mean(), (y - y.mean()) * 1.15 + y.mean()
    return x, y


def overlapping(d: Drawing) -> list[tuple[str, str]]:
    """The pairs of nodes whose boxes overlap (none, for a drawing :func:`draw` made)."""
    over = _overlaps(*(np.array([getattr(n, a) for n in d.nodes], dtype=float)
                       for a in ("x", "y", "w", "h")))[0]
    return [(d.nodes[i].name, d.nodes[j].name) for i, j in zip(*np.nonzero(over), strict=True)
            if i < j]


# ---------------------------------------------------------------- exports


def _xml(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def to_svg(d: Drawing, types: dict[str, str] | None = None) -> str:
    """The drawing as SVG: edges (derived ones dashed), each node a dot in its type's colour
    with its display name below (its long form as the hover ``<title>``), and a legend of
    the types shown (``types``: projection type -> the name to show). Pure and
    deterministic: the same drawing gives the same bytes."""
    types = types or {}
    legend = sorted({n.type for n in d.nodes}, key=list(PALETTE).index)
    height = d.height + 20 * len(legend) + 10
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<svg xmlns="http://www.w3.org/2000/svg" width="{d.width:g}" height="{height:g}" '
           f'viewBox="0 0 {d.width:g} {height:g}" font-family="{FONT}" font-size="{FONT_SIZE}">',
           '<rect width="100%" height="100%" fill="white"/>', '<g class="edges">']
    at = {n.iri: n for n in d.nodes}
    for e in d.edges:
        a, b = at[e["source"]], at[e["target"]]
        dash = ' stroke-dasharray="4 3"' if e["derived"] else ""
        out.append(f'<line x1="{a.x:g}" y1="{dot_y(a):g}" x2="{b.x:g}" y2="{dot_y(b):g}" '
                   f'stroke="#888888" stroke-width="0.8"{dash}><title>{_xml(e["predicate"])}'
                   '</title></line>')
    out += ["</g>", '<g class="nodes">']
    for n in d.nodes:
        r = DOT if n.iri == d.centre else DOT / 2
        out.append(f'<g class="node"><title>{_xml(n.full)}</title>'
                   f'<circle cx="{n.x:g}" cy="{dot_y(n):g}" r="{r:g}" fill="{PALETTE[n.type]}" '
                   'stroke="black" stroke-width="0.6"/>'
                   f'<text class="label" x="{n.x:g}" y="{text_y(n):g}" text-anchor="middle" '
                   f'dominant-baseline="middle">{_xml(n.name)}</text></g>')
    out += ["</g>", '<g class="legend">']
    for i, t in enumerate(legend):
        y = d.height + 10 + 20 * i
        out.append(f'<circle cx="{MARGIN + 5}" cy="{y:g}" r="5" fill="{PALETTE[t]}" '
                   'stroke="black" stroke-width="0.6"/>'
                   f'<text x="{MARGIN + 16}" y="{y:g}" dominant-baseline="middle">'
                   f'{_xml(types.get(t, t))}</text>')
    out += ["</g>", "</svg>", ""]
    return "\n".join(out)


def dot_y(n: DrawnNode) -> float:
    """The y of a node's dot (pixels from the top): the top of its box."""
    return n.y - n.h / 2 + DOT / 2 + 1


def text_y(n: DrawnNode) -> float:
    """The y of the middle of a node's name (pixels from the top): the bottom of its box."""
    return n.y + n.h / 2 - FONT_SIZE / 2 - 2


def to_dot(d: Drawing, types: dict[str, str] | None = None) -> str:
    """The drawing as Graphviz DOT with every position pinned (points = pixels, y up), for
    ``neato -n2``: the same names, positions and colours as :func:`to_svg`."""
    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    H = d.height
    out = ["graph neighbourhood {",
           f'  graph [bb="0,0,{d.width:g},{H:g}", splines=false, outputorder=edgesfirst];',
           f'  node [fontname="Helvetica", fontsize={FONT_SIZE}];']
    ids = {n.iri: f"n{i}" for i, n in enumerate(d.nodes)}
    for n in d.nodes:
        r = DOT if n.iri == d.centre else DOT / 2
        out.append(f'  {ids[n.iri]} [shape=circle, label="", width={2 * r / 72:.3f}, '
                   f'fixedsize=true, style=filled, fillcolor="{PALETTE[n.type]}", penwidth=0.6, '
                   f'pos="{n.x:g},{H - dot_y(n):g}!", tooltip={q(n.full)}];')
        out.append(f'  {ids[n.iri]}t [shape=plaintext, label={q(n.name)}, margin=0, '
                   f'width=0, height=0, pos="{n.x:g},{H - text_y(n):g}!"];')
    for e in d.edges:
        style = ', style=dashed' if e["derived"] else ""
        out.append(f'  {ids[e["source"]]} -- {ids[e["target"]]} [color="#888888", '
                   f'penwidth=0.8{style}];')
    out.append("}")
    return "\n".join(out) + "\n"


def to_pdf(d: Drawing, types: dict[str, str] | None = None) -> bytes:
    """The drawing as PDF: :func:`to_dot` laid out by Graphviz with the positions pinned."""
    return render_dot(to_dot(d, types), "pdf", engine="neato")


def to_graphml(d: Drawing, types: dict[str, str] | None = None) -> str:
    """The drawing as GraphML (networkx): each node with its display name, long form, type,
    colour and position; each edge with its predicate and whether it is derived."""
    types = types or {}
    G = nx.MultiDiGraph()
    for n in d.nodes:
        G.add_node(n.iri, name=n.name, full=n.full, type=types.get(n.type, n.type),
                   color=PALETTE[n.type], x=n.x, y=n.y, distance=n.distance)
    for e in d.edges:
        G.add_edge(e["source"], e["target"], predicate=e["predicate"], derived=e["derived"])
    buf = io.BytesIO()
    nx.write_graphml(G, buf, encoding="utf-8")
    return buf.getvalue().decode("utf-8")


FORMATS = {"svg": to_svg, "pdf": to_pdf, "graphml": to_graphml}

#: The projection's types as people read them (the Graph explorer's names).
TYPE_NAMES = {"Paper": "Paper", "Attack": "Attack", "DefenseEvaluation": "Defense evaluation",
              "DefenseMethod": "Defense method", "ThreatCategory": "Threat category",
              "AttackerKnowledge": "Attacker knowledge", "TargetModel": "Target model"}


def can_render(fmt: str) -> None:
    """KGError (naming what is missing) when :func:`render` cannot write ``fmt`` here: an
    unknown format, or a PDF without Graphviz. Cheap: no drawing is rendered."""
    if fmt not in FORMATS:
        raise KGError(f"unknown figure format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt == "pdf":
        dot_binary()


def render(d: Drawing, fmt: str) -> bytes:
    """The drawing in ``fmt`` (svg, pdf, graphml) as bytes; KGError for another format
    (:func:`can_render`)."""
    can_render(fmt)
    out = FORMATS[fmt](d, TYPE_NAMES)
    return out if isinstance(out, bytes) else out.encode("utf-8")


def cut_notes(G: nx.MultiDiGraph) -> list[str]:
    """A sentence per node of the view read in part (``G.graph["cut"]``), so a cap is said."""
    return [f"{G.nodes[n].get('name', n)} has {total:,} neighbours: only "
            f"{len(set(G.successors(n)) | set(G.predecessors(n))):,} of them were read"
            for n, total in sorted(G.graph.get("cut", {}).items()) if n in G]
