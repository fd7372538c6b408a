"""Figures of a view: Graphviz DOT (rendered to SVG/PDF by the ``dot`` binary) and Mermaid.

The picture: threats (red ellipses), papers ("Author et al. year", with their citation key),
target models (green boxes, with ``broader`` edges among the view's models) and defense
methods (blue hexagons). A paper points to the threat it attacks (labelled with the
attacker knowledge) and to the models it evaluates on; a defense paper points to its
methods, and a method to the threat it mitigates.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from xml.sax.saxutils import escape as xml_escape

from ..errors import KGError
from .views import View


@dataclass(frozen=True)
class FigNode:
    id: str
    kind: str  # threat | paper | model | method
    label: str  # may hold "\n"


@dataclass(frozen=True)
class FigEdge:
    source: str
    target: str
    label: str
    style: str = "solid"  # solid | dashed | dotted


def figure(view: View) -> tuple[list[FigNode], list[FigEdge]]:
    """The nodes and edges drawn for a view, in a deterministic order."""
    nodes: dict[str, FigNode] = {}
    edges: dict[tuple[str, str, str], FigEdge] = {}

    def node(kind: str, name: str, label: str) -> str:
        nid = f"{kind}:{name}"
        nodes.setdefault(nid, FigNode(nid, kind, label))
        return nid

    def edge(a: str, b: str, label: str, style: str = "solid") -> None:
        edges.setdefault((a, b, label), FigEdge(a, b, label, style))

    for t in view.threats():
        node("threat", t, t)
    for p in view.papers:
        year = f" {p.year()}" if p.year() else ""
        node("paper", p.key, f"{p.short()}{year}\n[{p.key}]")
    for m in view.models():
        node("model", m, m)
    for a in view.attacks:
        p = f"paper:{a.paper.key}"
        edge(p, f"threat:{a.threat}", "attack: " + ", ".join(a.knowledge))
        for m in a.models:
            edge(p, f"model:{m}", "evaluated on", "dashed")
    for d in view.defenses:
        p = f"paper:{d.paper.key}"
        mth = node("method", d.method, d.method)
        edge(p, mth, "evaluates")
        edge(mth, f"threat:{d.threat}", "mitigates")
        for m in d.models:
            edge(mth, f"model:{m}", "evaluated on", "dashed")
    for child, parent in view.model_broader:
        edge(f"model:{child}", f"model:{parent}", "broader", "dotted")
    order = {"threat": 0, "paper": 1, "method": 2, "model": 3}
    ns = sorted(nodes.values(), key=lambda n: (order[n.kind], list(nodes).index(n.id)))
    return ns, list(edges.values())


# ---------------------------------------------------------------- DOT

_DOT_STYLE = {
    "threat": 'shape=ellipse, style=filled, fillcolor="#f4cccc"',
    "paper": 'shape=box, style="rounded"',
    "model": 'shape=box, style=filled, fillcolor="#d9ead3"',
    "method": 'shape=hexagon, style=filled, fillcolor="#cfe2f3"',
}


def _dq(text: str) -> str:
    """A DOT double-quoted string; a newline becomes DOT's centred line break."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(view: View) -> str:
    nodes, edges = figure(view)
    out = ["// " + line if line else "//" for line in view.header("dot")]
    out += ["digraph view {",
            '  graph [rankdir=LR, fontname="Helvetica", nodesep=0.25, ranksep=0.6];',
            '  node [fontname="Helvetica", fontsize=10];',
            '  edge [fontname="Helvetica", fontsize=8, color="#555555"];']
    for n in nodes:
        out.append(f"  {_dq(n.id)} [label={_dq(n.label)}, {_DOT_STYLE[n.kind]}];")
    for e in edges:
        style = "" if e.style == "solid" else f", style={e.style}"
        out.append(f"  {_dq(e.source)} -> {_dq(e.target)} [label={_dq(e.label)}{style}];")
    out.append("}")
    return "\n".join(out) + "\n"


def dot_binary() -> str:
    """The path of Graphviz's ``dot``; KGError (saying how to install it) when missing."""
    exe = shutil.which("dot")
    if exe is None:
        raise KGError("Graphviz 'dot' is not installed, so SVG/PDF cannot be rendered; "
                      "install graphviz (bash scripts/install.sh --test), or export "
                      "--format dot and render it elsewhere")
    return exe


def render_dot(dot: str, fmt: str, timeout: float = 60.0, engine: str = "dot") -> bytes:
    """DOT text rendered by Graphviz (``svg`` or ``pdf``); ``engine`` "neato" keeps the
    positions the DOT text pins (``neato -n2``) instead of laying it out."""
    if fmt not in ("svg", "pdf"):
        raise KGError(f"cannot render DOT as {fmt!r}; expected svg or pdf")
    pinned = ["-Kneato", "-n2"] if engine == "neato" else []
    try:
        r = subprocess.run([dot_binary(), *pinned, f"-T{fmt}"], input=dot.encode("utf-8"),
                           capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise KGError(f"Graphviz took longer than {timeout:g} s to render the figure") from None
    if r.returncode != 0:
        raise KGError("Graphviz refused the DOT text: "
                      + r.stderr.decode("utf-8", "replace").strip()[:300])
    return r.stdout


def xml_comment_text(lines: list[str], where: str) -> str:
    """Header lines for an XML comment, which may not hold '--': lines with '--' (the
    command, query lines) are left to ``where``, which holds the full header."""
    kept = [line for line in lines if "--" not in line]
    if len(kept) < len(lines):
        kept.append(f"The command (and query) that regenerate this file: see {where}.")
    return "\n".join(kept)


def to_svg(view: View) -> str:
    """The figure as SVG, with the header as an XML comment and in <metadata>."""
    svg = render_dot(to_dot(view), "svg").decode("utf-8")
    header = view.header("svg")
    comment = "<!--\n" + xml_comment_text(header, "<metadata>") + "\n-->\n"
    # after the XML declaration (or at the start)
    m = re.match(r"<\?xml[^>]*\?>\s*", svg)
    at = m.end() if m else 0
    svg = svg[:at] + comment + svg[at:]
    meta = "<metadata>" + xml_escape("\n".join(header)) + "</metadata>\n"
    tag = re.search(r"<svg\b[^>]*>\s*", svg)
    if tag:
        svg = svg[:tag.end()] + meta + svg[tag.end():]
    return svg


def to_pdf(view: View) -> bytes:
    """The figure as PDF (PDF has no comment syntax: see the DOT or SVG export)."""
    return render_dot(to_dot(view), "pdf")


# ---------------------------------------------------------------- Mermaid

_MERMAID_SHAPE = {"threat": ("([", "])"), "paper": ("[", "]"), "model": ("[/", "/]"),
                  "method": ("{{", "}}")}


# Mermaid entity codes (#NN;) for what a label could otherwise turn into markup: HTML
# (Mermaid renders labels as HTML), a Markdown string (a leading backtick), an entity.
_MERMAID_ESCAPES = str.maketrans({c: f"#{ord(c)};" for c in '#"<>&`|'})


def _mq(text: str) -> str:
    """A quoted Mermaid label: data text is text; a newline becomes a line break."""
    lines = text.translate(_MERMAID_ESCAPES).split("\n")
    return '"' + "<br/>".join(lines) + '"'


def to_mermaid(view: View) -> str:
    nodes, edges = figure(view)
    ids = {n.id: f"{n.kind[0]}{i}" for i, n in enumerate(nodes)}
    out = ["%% " + line for line in view.header("mermaid")]
    out.append("flowchart LR")
    for n in nodes:
        a, b = _MERMAID_SHAPE[n.kind]
        out.append(f"  {ids[n.id]}{a}{_mq(n.label)}{b}")
    for e in edges:
        arrow = {"solid": "-->", "dashed": "-.->", "dotted": "-.->"}[e.style]
        out.append(f"  {ids[e.source]} {arrow}|{_mq(e.label)}| {ids[e.target]}")
    for kind, colour in (("threat", "#f4cccc"), ("model", "#d9ead3"), ("method", "#cfe2f3")):
        members = [ids[n.id] for n in nodes if n.kind == kind]
        if members:
            out.append(f"  classDef {kind} fill:{colour}")
            out.append(f"  class {','.join(members)} {kind}")
    return "\n".join(out) + "\n"
