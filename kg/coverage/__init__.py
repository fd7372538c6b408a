"""Coverage matrices: which attacks and which defense evaluations fall in each cell of
threat x target model, threat x attacker knowledge and threat x defense method.

Everything is computed by the SPARQL queries below (module constants, so benchmarks can
run them per store). Two kinds of computed fact appear here and are labelled as such:

* roll-up: at family level an attack or defense evaluated on a model counts under every
  family that covers the model (each rd:ModelFamily above it, ``skos:broader*``, the one
  family semantics of kg.family; a model outside every family is its own column); the
  item keeps the model it was evaluated on (``evaluated_on``) and says ``rolled_up``.
* derived link: the survey never says which attack a defense was evaluated against; we
  derive "evaluation E was evaluated against attack A" when one paper reports both for
  the same threat (kg.derive, materialised by the build). Such items carry ``derived: true`` and
  the path. A defense's attacker knowledge is known only through this link; when no link
  exists its knowledge is *unknown* (listed under ``unknown``), never "none".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef

from ..derive import EVALUATED_AGAINST, derivation_path
from ..errors import KGError
from ..family import model_tree
from ..store import Store, select_values, values_block

BYS = ("model", "knowledge", "defense")
LEVELS = ("model", "family")

# A model's family: its nearest ancestor-or-self typed rd:ModelFamily, else itself.
# ``{m}`` / ``{f}`` are the variable names used by the query that embeds it.
FAMILY_PATTERN = """
  {{ SELECT ?{m} ?{f} WHERE {{
    {{ ?{m} a rd:TargetModel . ?{m} skos:broader* ?{f} . ?{f} a rd:ModelFamily .
       FILTER NOT EXISTS {{ ?{m} skos:broader* ?closer . ?closer a rd:ModelFamily .
                           ?closer skos:broader+ ?{f} . }} }}
    UNION
    {{ ?{m} a rd:TargetModel .
       FILTER NOT EXISTS {{ ?{m} skos:broader* ?anyFamily . ?anyFamily a rd:ModelFamily . }}
       BIND(?{m} AS ?{f}) }}
  }} }}
"""

FAMILY_OF = "SELECT ?model ?family WHERE {" + FAMILY_PATTERN.format(m="model", f="family") + "}"

THREATS = """
SELECT ?node ?label WHERE { ?node a rd:ThreatCategory ; skos:prefLabel ?label . }
"""

KNOWLEDGE = """
SELECT ?node ?label WHERE { ?node a rd:AttackerKnowledge ; skos:prefLabel ?label . }
"""

LABELS = """
SELECT ?node ?label WHERE {
  { ?node a rd:TargetModel ; skos:prefLabel ?label . }
  UNION { ?node a rd:DefenseMethod ; rdfs:label ?label . }
  UNION { ?node a rd:Paper ; dcterms:title ?label . }
  UNION { ?node a rd:Attack ; rdfs:label ?label . }
  UNION { ?node a rd:DefenseEvaluation ; rdfs:label ?label . }
}
"""

# Cell queries: one row per (threat, item, model / knowledge / method), with the labels of
# the item, its paper and the item it is linked through (?via, derived links). Flat
# SELECTs: the column (a model, or at family level its family, see :func:`families`) is
# worked out in Python, so the large joins carry no property path.
_ITEM_LABELS = """
  OPTIONAL { ?item rdfs:label ?itemLabel . }
  OPTIONAL { ?paper a rd:Paper ; dcterms:title ?paperLabel . }
"""
_VIA_LABEL = "  OPTIONAL { ?via rdfs:label ?viaLabel . }\n"

ATTACKS_BY_MODEL = """
SELECT ?threat ?item ?paper ?evaluatedOn ?itemLabel ?paperLabel WHERE {
  ?item a rd:Attack ; rd:threat ?threat ; rd:evaluatedOn ?evaluatedOn ; rd:fromPaper ?paper .
""" + _ITEM_LABELS + "}"

DEFENSES_BY_MODEL = """
SELECT ?threat ?item ?paper ?evaluatedOn ?itemLabel ?paperLabel WHERE {
  ?item a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:evaluatedOn ?evaluatedOn ;
        rd:fromPaper ?paper .
""" + _ITEM_LABELS + "}"

ATTACKS_BY_KNOWLEDGE = """
SELECT ?threat ?col ?item ?paper ?itemLabel ?paperLabel WHERE {
  ?item a rd:Attack ; rd:threat ?threat ; rd:assumesKnowledge ?col ; rd:fromPaper ?paper .
""" + _ITEM_LABELS + "}"

# Derived: the knowledge of the attacks the evaluation was (derived to be) evaluated against.
DEFENSES_BY_KNOWLEDGE = """
SELECT ?threat ?col ?item ?paper ?via ?itemLabel ?paperLabel ?viaLabel WHERE {
  ?item a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:fromPaper ?paper .
  ?via a rd:Attack ; rd:fromPaper ?paper ; rd:threat ?threat ; rd:assumesKnowledge ?col .
""" + _ITEM_LABELS + _VIA_LABEL + "}"

# Defense evaluations whose attacker knowledge is unknown: no attack to derive it from.
# MINUS, not FILTER NOT EXISTS: the same rows (both variables are bound on each side),
# and an anti-join instead of one sub-query per evaluation.
DEFENSES_UNKNOWN_KNOWLEDGE = """
SELECT ?threat ?item ?paper ?itemLabel ?paperLabel WHERE {
  ?item a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:fromPaper ?paper .
  MINUS { ?a a rd:Attack ; rd:fromPaper ?paper ; rd:threat ?threat . }
""" + _ITEM_LABELS + "}"

DEFENSES_BY_METHOD = """
SELECT ?threat ?col ?item ?paper ?itemLabel ?paperLabel WHERE {
  ?item a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:method ?col ; rd:fromPaper ?paper .
""" + _ITEM_LABELS + "}"

# Derived: attacks of the same paper and threat as an evaluation of the method.
ATTACKS_BY_METHOD = """
SELECT ?threat ?col ?item ?paper ?via ?itemLabel ?paperLabel ?viaLabel WHERE {
  ?via a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:method ?col ; rd:fromPaper ?paper .
  ?item a rd:Attack ; rd:fromPaper ?paper ; rd:threat ?threat .
""" + _ITEM_LABELS + _VIA_LABEL + "}"

# The small vocabularies' labels (threats, knowledge levels, models, methods).
VOCAB_LABELS = """
SELECT ?node ?label WHERE {
  { ?node a rd:TargetModel ; skos:prefLabel ?label . }
  UNION { ?node a rd:DefenseMethod ; rdfs:label ?label . }
}
"""

# The model tree (small): every skos:broader edge, and the typed families and models.
BROADER = "SELECT ?node ?broader WHERE { ?node skos:broader ?broader . }"
MODEL_FAMILIES = "SELECT ?node WHERE { ?node a rd:ModelFamily . }"
TARGET_MODELS = "SELECT ?node WHERE { ?node a rd:TargetModel . }"

# (by, level) -> (attack query, defense query); at family level the model queries' rows
# are rolled up in Python.
CELL_QUERIES: dict[tuple[str, str], tuple[str, str]] = {
    ("model", "model"): (ATTACKS_BY_MODEL, DEFENSES_BY_MODEL),
    ("model", "family"): (ATTACKS_BY_MODEL, DEFENSES_BY_MODEL),
    ("knowledge", "model"): (ATTACKS_BY_KNOWLEDGE, DEFENSES_BY_KNOWLEDGE),
    ("defense", "model"): (ATTACKS_BY_METHOD, DEFENSES_BY_METHOD),
}


@dataclass(frozen=True)
class Node:
    iri: str
    label: str

    def as_dict(self) -> dict:
        return {"iri": self.iri, "label": self.label}


@dataclass(frozen=True)
class Item:
    """An attack or a defense evaluation placed in a cell, with its paper."""

    kind: str  # "attack" | "defense"
    node: Node
    paper: Node
    evaluated_on: tuple[Node, ...] = ()  # the models the survey names (model views)
    rolled_up: bool = False  # counted under a family, not (only) the model itself
    derived: bool = False  # placed by a derived link
    path: tuple[str, ...] = ()  # the derivation path(s), when derived

    def as_dict(self) -> dict:
        d = {"kind": self.kind, "iri": self.node.iri, "label": self.node.label,
             "paper": self.paper.as_dict(), "derived": self.derived}
        if self.evaluated_on:
            d["evaluated_on"] = [n.as_dict() for n in self.evaluated_on]
            d["rolled_up"] = self.rolled_up
        if self.derived:
            d["path"] = list(self.path)
        return d


@dataclass
class Cell:
    threat: Node
    col: Node
    attacks: list[Item] = field(default_factory=list)
    defenses: list[Item] = field(default_factory=list)

    def papers(self) -> list[Node]:
        return sorted({i.paper for i in self.attacks + self.defenses}, key=lambda n: n.label)

    def as_dict(self) -> dict:
        return {"threat": self.threat.as_dict(), "column": self.col.as_dict(),
                "attacks": [i.as_dict() for i in self.attacks],
                "defenses": [i.as_dict() for i in self.defenses],
                "papers": [p.as_dict() for p in self.papers()]}


@dataclass
class Matrix:
    by: str
    level: str
    rows: list[Node]  # threats
    cols: list[Node]
    cells: dict[tuple[str, str], Cell]  # (threat IRI, column IRI) -> cell
    unknown: dict[str, list[Item]] = field(default_factory=dict)  # threat IRI -> items

    def cell(self, threat: str, col: str) -> Cell:
        """The cell by IRIs or labels (an empty cell when nothing falls in it)."""
        t = _find(self.rows, threat, "threat")
        c = _find(self.cols, col, COLUMN_KIND[self.by])
        return self.cells.get((t.iri, c.iri)) or Cell(t, c)

    def as_dict(self) -> dict:
        return {
            "by": self.by,
            "level": self.level,
            "level_note": LEVEL_NOTES[(self.by, self.level)],
            "rows": [r.as_dict() for r in self.rows],
            "columns": [c.as_dict() for c in self.cols],
            "cells": [self.cells[k].as_dict() for k in sorted(
                self.cells, key=lambda k: (self.cells[k].threat.label, self.cells[k].col.label))],
            "unknown": [{"threat": _find(self.rows, t, "threat").as_dict(),
                         "note": "attacker knowledge unknown (no attack in the same paper and "
                                 "threat to derive it from); unknown is not none",
                         "defenses": [i.as_dict() for i in items]}
                        for t, items in sorted(self.unknown.items())],
        }


COLUMN_KIND = {"model": "target model", "knowledge": "attacker knowledge",
               "defense": "defense method"}
LEVEL_NOTES = {
    ("model", "model"): "model level: each attack/defense counts under the models the survey names",
    ("model", "family"): "family level: a family covers every model below it (skos:broader*); "
                         "a model outside every family is its own column; items keep "
                         "evaluated_on",
    ("knowledge", "model"): "attacker knowledge: attacks as stated; defenses only through the "
                            "derived link (same paper, same threat); 'unknown' lists defenses "
                            "whose attacker knowledge is unknown (not none)",
    ("defense", "model"): "defense method: evaluations as stated; attacks only through the "
                          "derived link (same paper, same threat)",
}


def _find(nodes: list[Node], text: str, kind: str) -> Node:
    for n in nodes:
        if text in (n.iri, n.label) or text.casefold() == n.label.casefold():
            return n
    from ..errors import UnknownLabelError

    raise UnknownLabelError(kind, text, [n.label for n in nodes])


def labels(store: Store) -> dict[str, str]:
    out = {str(r["node"]): str(r["label"]) for r in store.select(LABELS)}
    for q in (THREATS, KNOWLEDGE):
        out.update({str(r["node"]): str(r["label"]) for r in store.select(q)})
    return out


def families(store: Store) -> dict[str, tuple[str, ...]]:
    """Every node -> the family columns it counts under (kg.family: every rd:ModelFamily
    that covers it via skos:broader*, nearest first; else the node itself)."""
    return _FamilyMap(model_tree(store))


class _FamilyMap(dict):
    """node -> families, computed on first use from the model tree."""

    def __init__(self, tree) -> None:
        super().__init__()
        self.tree = tree

    def __missing__(self, node: str) -> tuple[str, ...]:
        self[node] = out = self.tree.families_of(node)
        return out


def family_of(store: Store) -> dict[str, str]:
    """Model IRI -> its nearest family (nearest ancestor-or-self rd:ModelFamily, else
    itself): the context a model-level gap names."""
    fam = families(store)
    return {m: fam[m][0] for m, in select_values(store, TARGET_MODELS)[1]}


def vocab_labels(store: Store) -> dict[str, str]:
    """Labels of the small vocabularies: threats, knowledge levels, models, methods."""
    out = {}
    for q in (VOCAB_LABELS, THREATS, KNOWLEDGE):
        out.update(select_values(store, q)[1])
    return out


def _restricted(q: str, by: str, level: str, threat: str | None, column: str | None,
                models: set[str], fam) -> tuple[str, dict]:
    """``q`` narrowed to one threat and/or one column (bound values; a family's models as a
    VALUES block)."""
    bindings: dict = {}
    if threat is not None:
        bindings["threat"] = URIRef(threat)
    if column is not None and "?col" in q:
        bindings["col"] = URIRef(column)
    elif column is not None and level == "family":
        members = sorted(m for m in models if column in fam[m])
        q = q.rstrip()[:-1] + values_block(["evaluatedOn"], [(m,) for m in members]) + "\n}"
    elif column is not None:
        bindings["evaluatedOn"] = URIRef(column)
    return q, bindings


def matrix(store: Store, by: str = "model", level: str = "model", threat: str | None = None,
           column: str | None = None) -> Matrix:
    """The coverage matrix of threats x ``by`` ('model', 'knowledge' or 'defense');
    ``level`` 'family' rolls models up to their families (only for by='model').

    ``threat`` / ``column`` (IRIs) narrow it to one row, one column or one cell: the
    queries are bound to them, so the cost follows the cell, not the graph."""
    if by not in BYS:
        raise KGError(f"unknown coverage view {by!r}; expected one of {', '.join(BYS)}")
    if level not in LEVELS:
        raise KGError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    if by != "model" and level != "model":
        raise KGError(f"--level family applies to --by model only (not --by {by})")
    lab = vocab_labels(store)
    nodes: dict[str, Node] = {}

    def node(t: str, label: str | None = None) -> Node:
        n = nodes.get(t)
        if n is None:
            n = nodes[t] = Node(t, lab.get(t) or label or t)
        return n

    rows = sorted((node(t) for t, _ in select_values(store, THREATS)[1]), key=lambda n: n.label)
    attacks_q, defenses_q = CELL_QUERIES[(by, level)]
    cells: dict[tuple[str, str], Cell] = {}
    cols: dict[str, Node] = {}
    if by == "knowledge":
        cols = {k: node(k) for k, _ in select_values(store, KNOWLEDGE)[1]}
    models: set[str] = set()
    fam: dict[str, tuple[str, ...]] = {}
    if by == "model":
        models = {m for m, in select_values(store, TARGET_MODELS)[1]}
        fam = families(store) if level == "family" else {}
    acc: dict[tuple[str, str, str, str], dict] = {}
    for kind, q in (("attack", attacks_q), ("defense", defenses_q)):
        q, bindings = _restricted(q, by, level, threat, column, models, fam)
        names, result = select_values(store, q, bindings)
        ix = {n: i for i, n in enumerate(names)}
        i_on, i_col, i_via = ix.get("evaluatedOn"), ix.get("col"), ix.get("via")
        i_t, i_item, i_paper = ix["threat"], ix["item"], ix["paper"]
        i_il, i_pl, i_vl = ix["itemLabel"], ix["paperLabel"], ix.get("viaLabel")
        for r in result:
            t, it, paper = r[i_t], r[i_item], r[i_paper]
            if i_on is None:
                targets = (r[i_col],)
            elif level == "family":  # FAMILY_PATTERN: only typed models roll up
                targets = fam[r[i_on]] if r[i_on] in models else ()
            else:
                targets = (r[i_on],)
            for c in targets:
                tn, cn = node(t), node(c)
                cols.setdefault(c, cn)
                if (t, c) not in cells:
                    cells[(t, c)] = Cell(tn, cn)
                a = acc.get((kind, t, c, it))
                if a is None:
                    node(it, r[i_il])
                    a = acc[(kind, t, c, it)] = {"paper": node(paper, r[i_pl]), "on": set(),
                                                 "paths": []}
                if i_on is not None:
                    a["on"].add(node(r[i_on]))
                if i_via is not None:
                    via = node(r[i_via], r[i_vl])
                    item = nodes[it]
                    e, at = (item, via) if kind == "defense" else (via, item)
                    pn = nodes[paper]
                    path = derivation_path({e.iri: e.label, at.iri: at.label,
                                            pn.iri: pn.label, tn.iri: tn.label},
                                           e.iri, at.iri, pn.iri, tn.iri)
                    if path not in a["paths"]:
                        a["paths"].append(path)
    for (kind, t, c, it), a in acc.items():
        on = tuple(sorted(a["on"], key=lambda n: n.label))
        item = Item(kind, nodes[it], a["paper"], on, any(n.iri != c for n in on),
                    bool(a["paths"]), tuple(step for p in sorted(a["paths"]) for step in p))
        cell = cells[(t, c)]
        (cell.attacks if kind == "attack" else cell.defenses).append(item)
    for cell in cells.values():
        cell.attacks.sort(key=lambda i: i.node.label)
        cell.defenses.sort(key=lambda i: i.node.label)
    unknown: dict[str, list[Item]] = {}
    if by == "knowledge":
        bound = {"threat": URIRef(threat)} if threat is not None else None
        for t, it, paper, il, pl in select_values(store, DEFENSES_UNKNOWN_KNOWLEDGE, bound)[1]:
            unknown.setdefault(t, []).append(Item("defense", node(it, il), node(paper, pl)))
        for items in unknown.values():
            items.sort(key=lambda i: i.node.label)
    return Matrix(by, level, rows, sorted(cols.values(), key=lambda n: n.label), cells, unknown)


@dataclass(frozen=True)
class DerivedLink:
    """Evaluation E was evaluated against attack A: same paper, same threat (derived)."""

    evaluation: Node
    attack: Node
    paper: Node
    threat: Node
    path: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"derived": True, "predicate": "rd:evaluatedAgainst",
                "evaluation": self.evaluation.as_dict(), "attack": self.attack.as_dict(),
                "paper": self.paper.as_dict(), "threat": self.threat.as_dict(),
                "path": list(self.path)}


def evaluated_against(store: Store) -> list[DerivedLink]:
    lab = labels(store)

    def node(t) -> Node:
        return Node(str(t), lab.get(str(t), str(t)))

    out = []
    for r in store.select(EVALUATED_AGAINST):
        e, a, p, t = (str(r[k]) for k in ("evaluation", "attack", "paper", "threat"))
        out.append(DerivedLink(node(e), node(a), node(p), node(t),
                               derivation_path(lab, e, a, p, t)))
    return sorted(out, key=lambda d: (d.evaluation.label, d.attack.label))


def render_text(m: Matrix) -> str:
    """The matrix as a plain-text grid: 'a/d' = attacks/defenses per cell."""
    counts = {k: (len(c.attacks), len(c.defenses)) for k, c in m.cells.items()}
    unknown = {t: len(items) for t, items in m.unknown.items() if items}
    return render_counts(m.by, m.level, m.rows, m.cols, counts, unknown)


def render_counts(by: str, level: str, rows: list[Node], cols: list[Node],
                  counts: dict[tuple[str, str], tuple[int, int]], unknown: dict[str, int]) -> str:
    """A plain-text grid of (attacks, defenses) per (threat IRI, column IRI) cell."""
    width = max([len(r.label) for r in rows] + [6])
    colw = [max(5, min(18, len(c.label))) for c in cols]
    head = "threat".ljust(width) + "  " + "  ".join(c.label[:w].ljust(w)
                                                    for c, w in zip(cols, colw, strict=True))
    out = [f"coverage by {by} ({LEVEL_NOTES[(by, level)]})", "", head.rstrip(),
           "-" * len(head.rstrip())]
    for r in rows:
        parts = []
        for c, w in zip(cols, colw, strict=True):
            n = counts.get((r.iri, c.iri))
            parts.append(("." if n is None else f"{n[0]}a/{n[1]}d").ljust(w))
        line = r.label.ljust(width) + "  " + "  ".join(parts)
        if unknown.get(r.iri):
            line += f"   +{unknown[r.iri]}d unknown knowledge"
        out.append(line.rstrip())
    out += ["", "a = attacks, d = defense evaluations, . = nothing; "
            "derived items count where a derived link places them (see --json)"]
    return "\n".join(out)


__all__ = ["matrix", "Matrix", "Cell", "Item", "Node", "evaluated_against", "family_of",
           "render_text", "render_counts", "CELL_QUERIES", "families"]
