"""The Gaps page's data: every typed gap as a flat row with its reason and evidence.

The gaps are kg.coverage.gaps's; this module only flattens them for filtering and display.
On a graph of more than EVIDENCE_MAX_PAPERS papers (kg.app.names) the gaps are read from
the coverage summary without evidence, and a gap names its cell so the page can fetch that
cell's items on demand (kg.app.coverage.coverage_cell).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..coverage.gaps import find_gaps, from_summary
from ..display import names_of
from ..stores.base import Store
from .names import ref, small_graph


@dataclass
class GapRow:
    type: str
    level: str
    reason: str
    threat: str
    model: str
    knowledge: str
    paper: str
    refs: list[tuple[str, str]]  # (label, short name) of the cell's nodes
    evidence: list[dict]  # kind, label, ref, paper, paper_ref, cells: ["where — “text”"]
    on_demand: bool = False  # evidence not fetched (large graph): coverage_cell gives the cell
    cell: tuple[str, str, str, str] | None = None  # (by, level, threat, column) of that cell


GAP_TYPE_NAMES = {"threat_without_defense": "threat without defense",
                  "model_without_defense": "model without defense",
                  "knowledge_without_defense": "knowledge without defense",
                  "no_code_link": "no code link"}


def _evidence(g, shown: dict) -> list[dict]:
    """A gap's evidence as plain rows (kind, label, ref, paper, paper_ref, cells, path),
    each node by its display name (``shown``: IRI -> kg.display.Name)."""
    evidence = []
    for e in g.evidence:
        cells = [f"{c['where']} — “{c['text']}”" for c in e.get("cells", [])]
        if e.get("kind") == "absent":
            cells = [f"{e.get('where', '')}: {e.get('text', '')}"]
        paper = e.get("paper") or {}
        evidence.append({"kind": e.get("kind", ""),
                         "label": _name(shown, e.get("iri"), e.get("label", "")),
                         "ref": ref(e["iri"]) if e.get("iri") else "",
                         "paper": _name(shown, paper.get("iri"), paper.get("label", "")),
                         "paper_ref": ref(e["paper"]["iri"]) if e.get("paper") else "",
                         "cells": cells, "path": e.get("path", [])})
    return evidence


def gap_rows(store: Store, evidence: bool | None = None) -> list[GapRow]:
    """The gaps flattened for filtering and display: kg.coverage.gaps.find_gaps with evidence
    (``evidence`` None: when the graph has at most EVIDENCE_MAX_PAPERS papers), else
    kg.coverage.gaps.from_summary (reasons and cells, no evidence)."""
    listed = small_graph(store) if evidence is None else evidence
    out = []
    gaps = find_gaps(store) if listed else from_summary(store)
    shown = names_of(store, {n["iri"] for g in gaps for n in _named(g)})
    for g in gaps:
        cell = g.cells[0] if g.cells else {}
        evidence = _evidence(g, shown)
        if not g.cells:  # "… and N more papers": nothing to link
            evidence = []
        refs = [(_name(shown, v["iri"], v["label"]), ref(v["iri"]))
                for c in g.cells for v in c.values()]
        where = None
        if "model" in cell:
            where = ("model", g.level or "model", cell["threat"]["iri"], cell["model"]["iri"])
        elif "knowledge" in cell:
            where = ("knowledge", "model", cell["threat"]["iri"], cell["knowledge"]["iri"])
        out.append(GapRow(GAP_TYPE_NAMES.get(g.type, g.type), g.level or "", g.reason,
                          cell.get("threat", {}).get("label", ""),
                          cell.get("model", {}).get("label", ""),
                          cell.get("knowledge", {}).get("label", ""),
                          _name(shown, cell.get("paper", {}).get("iri"),
                                cell.get("paper", {}).get("label", "")), refs, evidence,
                          on_demand=not listed and bool(g.cells), cell=where))
    return out


def _named(g) -> list[dict]:
    """The nodes (dicts with an ``iri``) a gap names: its cells' and its evidence's."""
    out = [v for c in g.cells for v in c.values()]
    for e in g.evidence:
        out += [x for x in (e, e.get("paper") or {}) if x.get("iri")]
    return out


def _name(shown: dict, iri: str | None, label: str) -> str:
    return shown[iri].short if iri in shown else label
