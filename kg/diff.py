"""What changed between two graphs: papers, attacks, defense evaluations, gaps.

Nodes are compared by IRI (minted from the paper title, and the method for defense
evaluations), so renumbered survey rows are not changes. A changed node lists its
changes cell by cell: each changed property is named by the survey column it is
read from (the provenance mapping rd:mapsTo of :data:`kg.graph.COLUMN_PROPERTIES`),
with the old and new values. Gaps (``kg.coverage.gaps.find_gaps``) are compared by their
identity (type, level and cells): opened or closed.

:func:`diff_graphs` is pure over two graphs; :func:`load_side` reads a survey file,
a build directory or an RDF file; :func:`changes_since_previous` compares a build
with the graph it replaced (``previous.nt``, kept by ``kg build``).

A survey side is built tolerating names the curated vocabulary does not know: each is a
curation task (:mod:`kg.tasks`, the cells that name it, the closest known names, the
command that resolves it), left out of the graph, and the rest of the diff is shown. A
method new to the new side whose name is close to an old one's is a task too (perhaps
another name). :meth:`Diff.as_dict` is the one review structure: ``kg diff --json``,
``kg curate --json`` and the app's preview of an addition print it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from . import settings, snapshot
from .errors import SourceError
from .files import display_path
from .graph import COLUMN_PROPERTIES, graph_from_files
from .stores.base import Store
from .stores.memory import MemoryStore
from .survey import ATTACKS, CODE, DEFENSES, REF
from .tasks import Task, Tasks, method_tasks, render_tasks
from .version import read_version, sha256_file
from .vocab import RD, qname

PREVIOUS = "previous.nt"

PAPER_COLUMNS = {DCTERMS.title: REF, RD.paperURL: REF, RD.codeAvailability: CODE,
                 RD.codeRepository: CODE}


def _columns(table: str) -> dict[URIRef, str]:
    out: dict[URIRef, str] = {}
    for header, props in COLUMN_PROPERTIES[table].items():
        for p in props:
            out.setdefault(p, header)
    return out


# section name -> (class, property -> the survey column it is read from)
SECTIONS: dict[str, tuple[URIRef, dict[URIRef, str]]] = {
    "papers": (RD.Paper, PAPER_COLUMNS),
    "attacks": (RD.Attack, {p: c for p, c in _columns(ATTACKS).items()
                            if p not in PAPER_COLUMNS}),
    "defense_evaluations": (RD.DefenseEvaluation,
                            {p: c for p, c in _columns(DEFENSES).items()
                             if p not in PAPER_COLUMNS}),
}

FACTS_QUERY = """
SELECT ?node ?p ?o WHERE { ?node a ?cls ; ?p ?o . }
"""

LABELS_QUERY = """
SELECT ?n ?label WHERE { ?n skos:prefLabel|rdfs:label ?label . }
"""

METHODS_QUERY = """
SELECT ?label ?where WHERE {
  ?m a rd:DefenseMethod ; rdfs:label ?label .
  OPTIONAL { ?m prov:wasDerivedFrom ?src . ?src rdfs:label ?where }
}
"""

SOURCES_QUERY = """
SELECT ?node ?where WHERE {
  ?node a ?cls ; prov:wasDerivedFrom ?src .
  OPTIONAL { ?src rdfs:label ?where }
}
"""




@dataclass
class _Node:
    iri: str
    label: str
    facts: dict[str, set[str]] = field(default_factory=dict)  # property qname -> values
    sources: set[str] = field(default_factory=set)


def labels(store: Store) -> dict[str, str]:
    """Node -> its label (the smallest, when it has several)."""
    out: dict[str, str] = {}
    for r in store.select(LABELS_QUERY):
        n, lbl = str(r["n"]), str(r["label"])
        out[n] = min(out.get(n, lbl), lbl)
    return out


def node_facts(store: Store, cls: URIRef, props: dict[URIRef, str],
               label: dict[str, str] | None = None) -> dict[str, _Node]:
    """The nodes of a class with the facts of ``props``, values shown by label."""
    label = label if label is not None else labels(store)
    nodes: dict[str, _Node] = {}
    for r in store.select(FACTS_QUERY, {"cls": cls}):
        n = str(r["node"])
        node = nodes.setdefault(n, _Node(n, label.get(n, n)))
        if r["p"] not in props:
            continue
        o = r["o"]
        shown = str(o) if isinstance(o, Literal) else label.get(str(o), str(o))
        node.facts.setdefault(qname(r["p"]), set()).add(shown)
    for r in store.select(SOURCES_QUERY, {"cls": cls}):
        n = str(r["node"])
        if n in nodes:
            nodes[n].sources.add(str(r["where"] or r["node"]))
    return nodes


def _item(n: _Node) -> dict:
    return {"iri": n.iri, "label": n.label, "sources": sorted(n.sources)}


def _section(old: dict[str, _Node], new: dict[str, _Node], props: dict[URIRef, str]) -> dict:
    column = {qname(p): c for p, c in props.items()}
    added = [_item(new[k]) for k in sorted(set(new) - set(old), key=lambda k: new[k].label)]
    removed = [_item(old[k]) for k in sorted(set(old) - set(new), key=lambda k: old[k].label)]
    changed = []
    for k in sorted(set(old) & set(new), key=lambda k: new[k].label):
        a, b = old[k], new[k]
        cells = []
        for p in sorted(set(a.facts) | set(b.facts), key=lambda p: (column.get(p, p), p)):
            va, vb = a.facts.get(p, set()), b.facts.get(p, set())
            if va != vb:
                cells.append({"column": column.get(p, p), "property": p,
                              "old": sorted(va), "new": sorted(vb),
                              "removed": sorted(va - vb), "added": sorted(vb - va)})
        if cells:
            changed.append({**_item(b), "old_sources": sorted(a.sources), "changes": cells})
    return {"added": added, "removed": removed, "changed": changed}


def _gaps(store: Store):
    try:
        from .coverage.gaps import find_gaps
    except ImportError:  # the coverage module is optional for a diff
        return None
    return {g.key: g for g in find_gaps(store)}


def _gap_item(g) -> dict:
    d = {"type": g.type, "level": g.level,
         "cells": [{k: v["label"] for k, v in c.items()} for c in g.cells],
         "reason": g.reason}
    return d


@dataclass
class Diff:
    old: dict
    new: dict
    sections: dict[str, dict]
    gaps_opened: list[dict] | None
    gaps_closed: list[dict] | None
    tasks: list[Task] = field(default_factory=list)  # the new side's open curation tasks

    @property
    def empty(self) -> bool:
        return not any(v for s in self.sections.values() for v in s.values()) and \
            not self.gaps_opened and not self.gaps_closed and not self.tasks

    def summary(self) -> dict:
        out = {name: {k: len(v) for k, v in s.items()} for name, s in self.sections.items()}
        if self.gaps_opened is not None:
            out["gaps"] = {"opened": len(self.gaps_opened), "closed": len(self.gaps_closed or [])}
        out["tasks"] = len(self.tasks)
        return out

    def as_dict(self) -> dict:
        """The review structure: both sides, the counts, each section's rows added /
        removed / changed cell by cell, gaps opened / closed, and the curation tasks."""
        return {"old": self.old, "new": self.new, "summary": self.summary(),
                **self.sections,
                "gaps": (None if self.gaps_opened is None else
                         {"opened": self.gaps_opened, "closed": self.gaps_closed}),
                "tasks": [t.as_dict() for t in self.tasks]}


def _methods(store: Store) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in store.select(METHODS_QUERY):
        where = out.setdefault(str(r["label"]), [])
        if r["where"] is not None and str(r["where"]) not in where:
            where.append(str(r["where"]))
    return out


def diff_stores(old: Store, new: Store, old_info: dict | None = None,
                new_info: dict | None = None, gaps: bool = True,
                tasks: Tasks | None = None) -> Diff:
    """The diff of two stores; ``tasks``: the new side's curation tasks (unknown names met
    while it was built), to which the new methods close to an old one's are added."""
    tasks = tasks if tasks is not None else Tasks()
    mo, mn = _methods(old), _methods(new)
    method_tasks({m: sorted(w) or [m] for m, w in mn.items() if m not in mo}, mo, tasks)
    sections = {}
    lo, ln = labels(old), labels(new)
    for name, (cls, props) in SECTIONS.items():
        sections[name] = _section(node_facts(old, cls, props, lo),
                                  node_facts(new, cls, props, ln), props)
    opened = closed = None
    if gaps:
        go, gn = _gaps(old), _gaps(new)
        if go is not None and gn is not None:
            opened = [_gap_item(gn[k]) for k in gn if k not in go]
            closed = [_gap_item(go[k]) for k in go if k not in gn]
    return Diff(old_info or {}, new_info or {}, sections, opened, closed, list(tasks))


def diff_graphs(old: Graph, new: Graph, old_info: dict | None = None,
                new_info: dict | None = None, gaps: bool = True,
                tasks: Tasks | None = None) -> Diff:
    """Papers, attacks and defense evaluations added / removed / changed cell by cell,
    gaps opened / closed, and the curation tasks, from ``old`` to ``new``."""
    return diff_stores(MemoryStore(old), MemoryStore(new), old_info, new_info, gaps, tasks)


# ------------------------------------------------------------------ the I/O edge

RDF_SUFFIXES = {".nt": "nt", ".ttl": "turtle", ".jsonld": "json-ld", ".rdf": "xml",
                ".owl": "xml", ".nq": "nquads", ".trig": "trig"}


def _parse_rdf(path: Path, fmt: str) -> Graph:
    g = Graph()
    try:
        g.parse(path, format=fmt)
    except Exception as e:  # rdflib raises many kinds for malformed input
        raise SourceError(f"cannot parse as RDF ({fmt}): {e}", file=str(path)) from None
    return g


def load_side(path: Path, *, with_additions: bool = False,
              additions_dir: Path | None = None,
              tasks: Tasks | None = None) -> tuple[Graph, dict]:
    """A graph to diff, from a build directory, an RDF file or a survey file.

    A survey file is built as ``kg build`` would (without the lock check), by default
    without data/additions, so two survey versions are compared as they are; a name the
    vocabulary does not know is a curation task noted in ``tasks`` (a new Tasks when None)
    and left out.
    """

    if path.is_dir():
        built = snapshot.resolve(path)  # one build's files, even while another switches in
        nt = built / "graph.nt"
        if not nt.is_file():
            raise SourceError(f"no built graph (graph.nt) in {path}; run 'kg build "
                              f"--build-dir {path}' or pass a survey file", file=str(path))
        return _parse_rdf(nt, "nt"), {"path": display_path(path), "kind": "build",
                                      "version": read_version(built)}
    if not path.is_file():
        raise SourceError("no such file or build directory", file=str(path))
    if path.suffix in RDF_SUFFIXES:
        return _parse_rdf(path, RDF_SUFFIXES[path.suffix]), {
            "path": display_path(path), "kind": "rdf", "sha256": sha256_file(path)}

    tasks = tasks if tasks is not None else Tasks()
    g = graph_from_files(path, additions_dir, with_additions=with_additions, tasks=tasks)
    return g, {"path": display_path(path), "kind": "survey", "sha256": sha256_file(path),
               "with_additions": with_additions, "tasks": len(tasks)}


def diff_paths(old: Path, new: Path, *, with_additions: bool = False,
               gaps: bool = True) -> Diff:
    """The diff of two sides (:func:`load_side`), with the new side's curation tasks."""
    go, io = load_side(old, with_additions=with_additions)
    tasks = Tasks()
    gn, inn = load_side(new, with_additions=with_additions, tasks=tasks)
    return diff_graphs(go, gn, io, inn, gaps=gaps, tasks=tasks)


def review_sources(source: Path | None = None, additions_dir: Path | None = None,
                   build_dir: Path | None = None, gaps: bool = True) -> Diff:
    """``kg curate``: what the next build would change — the sources as they are now (the
    survey with the additions) against the current build (before any build: against the
    survey alone) — with every open curation task."""
    source = source or settings.path("source")
    build_dir = build_dir or settings.path("build_dir")
    if (snapshot.resolve(build_dir) / "graph.nt").is_file():
        go, io = load_side(build_dir)
    else:
        go, io = load_side(source, tasks=Tasks())
    tasks = Tasks()
    gn, inn = load_side(source, with_additions=True, additions_dir=additions_dir, tasks=tasks)
    return diff_graphs(go, gn, io, inn, gaps=gaps, tasks=tasks)


def changes_since_previous(build_dir: Path | None = None, gaps: bool = True) -> Diff | None:
    """What the last build changed: its graph against the one it replaced, or None
    when the directory has no previous graph (first build, or nothing changed yet)."""

    build_dir = build_dir or settings.path("build_dir")
    built = snapshot.resolve(build_dir)  # one build's files, even while another switches in
    prev, cur = built / PREVIOUS, built / "graph.nt"
    if not prev.is_file() or not cur.is_file():
        return None
    return diff_graphs(_parse_rdf(prev, "nt"), _parse_rdf(cur, "nt"),
                       {"path": display_path(build_dir / PREVIOUS), "kind": "previous build"},
                       {"path": display_path(build_dir), "kind": "build",
                        "version": read_version(built)}, gaps=gaps)


# ------------------------------------------------------------------ text

SECTION_TITLES = {"papers": "Papers", "attacks": "Attacks",
                  "defense_evaluations": "Defense evaluations"}


def _vals(v: list[str]) -> str:
    return ", ".join(v) if v else "(none)"


def render_text(d: Diff) -> str:
    """The diff for a terminal: one block per section, a line per node and per cell."""
    def name(info: dict) -> str:
        v = (info.get("version") or {}).get("version")
        return info.get("path", "?") + (f" ({v})" if v else "")

    out = [f"{name(d.old)} -> {name(d.new)}"]
    if d.empty:
        out.append("no changes")
        return "\n".join(out) + "\n"
    out += render_tasks(d.tasks)
    for key, title in SECTION_TITLES.items():
        s = d.sections[key]
        out.append(f"{title}: {len(s['added'])} added, {len(s['removed'])} removed, "
                   f"{len(s['changed'])} changed")
        for it in s["added"]:
            out.append(f"  + {it['label']}  [{'; '.join(it['sources'])}]")
        for it in s["removed"]:
            out.append(f"  - {it['label']}  [{'; '.join(it['sources'])}]")
        for it in s["changed"]:
            out.append(f"  ~ {it['label']}  [{'; '.join(it['sources'])}]")
            for c in it["changes"]:
                out.append(f"      {c['column']} ({c['property']}): {_vals(c['old'])} -> "
                           f"{_vals(c['new'])}")
    if d.gaps_opened is None:
        out.append("Gaps: not compared (kg.coverage.gaps unavailable)")
    else:
        out.append(f"Gaps: {len(d.gaps_opened)} opened, {len(d.gaps_closed or [])} closed")
        for sign, gaps in (("+ opened", d.gaps_opened), ("- closed", d.gaps_closed or [])):
            for g in gaps:
                cells = "; ".join(", ".join(f"{k} {v}" for k, v in c.items()) for c in g["cells"])
                lvl = f"@{g['level']}" if g["level"] else ""
                out.append(f"  {sign} {g['type']}{lvl}: {cells}")
    return "\n".join(out) + "\n"


__all__ = ["Diff", "changes_since_previous", "diff_graphs", "diff_paths", "diff_stores",
           "load_side", "node_facts", "render_text", "review_sources"]
