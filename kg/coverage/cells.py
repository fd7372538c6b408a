"""The items of each coverage cell: which attacks and which defense evaluations fall in each
cell of threat x target model (or family), threat x attacker knowledge and threat x defense
method, each with its paper, the models it was evaluated on and, when a derived link places
it, the derivation path.

The rule: every item is placed by the SPARQL queries below (flat SELECTs, one per view and
kind; the column is worked out in Python, families by :func:`kg.coverage.families`), and read
in stages: the queries to run (narrowed to one threat, column or cell, or bound to picked
items), the rows placed in cells, the items made and sorted by label, and (attacker-knowledge
view) the defenses whose knowledge is unknown. Bound queries cost what the cell holds, not
the graph; a page (:mod:`kg.coverage.page`) reads each item it lists exactly as the whole
matrix reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef

from ..derive import derivation_path
from ..errors import KGError
from ..sparql_text import values_block, values_blocks
from ..stores.base import Store, select_values
from . import (
    BYS,
    COLUMN_KIND,
    KNOWLEDGE,
    LEVEL_NOTES,
    LEVELS,
    TARGET_MODELS,
    THREATS,
    Node,
    families,
    find_node,
    vocab_labels,
)

# Cell queries: one row per (threat, item, model / knowledge / method), with the labels of
# the item, its paper and the item it is linked through (?via, derived links). Flat
# SELECTs: the column (a model, or at family level its family, see :func:`families`) is
# worked out in Python, so the large joins carry no property path.
# One triple pattern per OPTIONAL: Oxigraph joins a longer one as a whole (every paper),
# even when ?paper is bound. (?paper is an rd:Paper: the object of rd:fromPaper, SHACL.)
_ITEM_LABELS = """
  OPTIONAL { ?item rdfs:label ?itemLabel . }
  OPTIONAL { ?paper dcterms:title ?paperLabel . }
"""
_VIA_LABEL = "  OPTIONAL { ?via rdfs:label ?viaLabel . }\n"

# The cell patterns (one per view and kind): what places ?item in the cell of ?threat and
# the column (?col, or the model ?evaluatedOn). Oxigraph joins triple patterns in the order
# written, so each is written item first (the whole matrix, or bound items: page) ...
ATTACK_MODEL_CELL = """
  ?item a rd:Attack ; rd:threat ?threat ; rd:evaluatedOn ?evaluatedOn ; rd:fromPaper ?paper .
"""
DEFENSE_MODEL_CELL = """
  ?item a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:evaluatedOn ?evaluatedOn ;
        rd:fromPaper ?paper .
"""
ATTACK_KNOWLEDGE_CELL = """
  ?item a rd:Attack ; rd:threat ?threat ; rd:assumesKnowledge ?col ; rd:fromPaper ?paper .
"""
# Derived: the knowledge of the attacks the evaluation was (derived to be) evaluated against.
DEFENSE_KNOWLEDGE_CELL = """
  ?item a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:fromPaper ?paper .
  ?via rd:fromPaper ?paper ; a rd:Attack ; rd:threat ?threat ; rd:assumesKnowledge ?col .
"""
DEFENSE_METHOD_CELL = """
  ?item a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:method ?col ; rd:fromPaper ?paper .
"""
# Derived: attacks of the same paper and threat as an evaluation of the method.
ATTACK_METHOD_CELL = """
  ?item a rd:Attack ; rd:fromPaper ?paper ; rd:threat ?threat .
  ?via rd:fromPaper ?paper ; a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:method ?col .
"""
# ... and column first: the same patterns for a bound cell (the pick of a page).
_COLUMN_FIRST = {
    ATTACK_MODEL_CELL: "?item rd:evaluatedOn ?evaluatedOn ; rd:threat ?threat ; a rd:Attack ; "
                       "rd:fromPaper ?paper .",
    DEFENSE_MODEL_CELL: "?item rd:evaluatedOn ?evaluatedOn ; rd:mitigates ?threat ; "
                        "a rd:DefenseEvaluation ; rd:fromPaper ?paper .",
    ATTACK_KNOWLEDGE_CELL: "?item rd:assumesKnowledge ?col ; rd:threat ?threat ; a rd:Attack ; "
                           "rd:fromPaper ?paper .",
    DEFENSE_KNOWLEDGE_CELL: "?via rd:assumesKnowledge ?col ; rd:threat ?threat ; a rd:Attack ; "
                            "rd:fromPaper ?paper . ?item rd:fromPaper ?paper ; "
                            "rd:mitigates ?threat ; a rd:DefenseEvaluation .",
    DEFENSE_METHOD_CELL: "?item rd:method ?col ; rd:mitigates ?threat ; a rd:DefenseEvaluation ; "
                         "rd:fromPaper ?paper .",
    ATTACK_METHOD_CELL: "?via rd:method ?col ; rd:mitigates ?threat ; a rd:DefenseEvaluation ; "
                        "rd:fromPaper ?paper . ?item rd:fromPaper ?paper ; rd:threat ?threat ; "
                        "a rd:Attack .",
}

ATTACKS_BY_MODEL = ("SELECT ?threat ?item ?paper ?evaluatedOn ?itemLabel ?paperLabel WHERE {"
                    + ATTACK_MODEL_CELL + _ITEM_LABELS + "}")
DEFENSES_BY_MODEL = ("SELECT ?threat ?item ?paper ?evaluatedOn ?itemLabel ?paperLabel WHERE {"
                     + DEFENSE_MODEL_CELL + _ITEM_LABELS + "}")
ATTACKS_BY_KNOWLEDGE = ("SELECT ?threat ?col ?item ?paper ?itemLabel ?paperLabel WHERE {"
                        + ATTACK_KNOWLEDGE_CELL + _ITEM_LABELS + "}")
DEFENSES_BY_KNOWLEDGE = ("SELECT ?threat ?col ?item ?paper ?via ?itemLabel ?paperLabel "
                         "?viaLabel WHERE {" + DEFENSE_KNOWLEDGE_CELL + _ITEM_LABELS
                         + _VIA_LABEL + "}")

# Defense evaluations whose attacker knowledge is unknown: no attack to derive it from.
# MINUS, not FILTER NOT EXISTS: the same rows (both variables are bound on each side),
# and an anti-join instead of one sub-query per evaluation.
DEFENSES_UNKNOWN_KNOWLEDGE = """
SELECT ?threat ?item ?paper ?itemLabel ?paperLabel WHERE {
  ?item a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:fromPaper ?paper .
  MINUS { ?a a rd:Attack ; rd:fromPaper ?paper ; rd:threat ?threat . }
""" + _ITEM_LABELS + "}"

DEFENSES_BY_METHOD = ("SELECT ?threat ?col ?item ?paper ?itemLabel ?paperLabel WHERE {"
                      + DEFENSE_METHOD_CELL + _ITEM_LABELS + "}")
ATTACKS_BY_METHOD = ("SELECT ?threat ?col ?item ?paper ?via ?itemLabel ?paperLabel ?viaLabel "
                     "WHERE {" + ATTACK_METHOD_CELL + _ITEM_LABELS + _VIA_LABEL + "}")

# (by, level) -> (attack query, defense query); at family level the model queries' rows
# are rolled up in Python.
CELL_QUERIES: dict[tuple[str, str], tuple[str, str]] = {
    ("model", "model"): (ATTACKS_BY_MODEL, DEFENSES_BY_MODEL),
    ("model", "family"): (ATTACKS_BY_MODEL, DEFENSES_BY_MODEL),
    ("knowledge", "model"): (ATTACKS_BY_KNOWLEDGE, DEFENSES_BY_KNOWLEDGE),
    ("defense", "model"): (ATTACKS_BY_METHOD, DEFENSES_BY_METHOD),
}
# (by, level) -> (attack pattern, defense pattern) of a cell: the items of one cell, a page
# of them (kg.coverage.page), as ``SELECT DISTINCT ?item WHERE { pattern }`` bound to it.
CELL_PATTERNS: dict[tuple[str, str], tuple[str, str]] = {
    view: (_COLUMN_FIRST[a], _COLUMN_FIRST[d]) for view, (a, d) in {
        ("model", "model"): (ATTACK_MODEL_CELL, DEFENSE_MODEL_CELL),
        ("model", "family"): (ATTACK_MODEL_CELL, DEFENSE_MODEL_CELL),
        ("knowledge", "model"): (ATTACK_KNOWLEDGE_CELL, DEFENSE_KNOWLEDGE_CELL),
        ("defense", "model"): (ATTACK_METHOD_CELL, DEFENSE_METHOD_CELL),
    }.items()}


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
    #: (attacks, defenses, papers) the cell holds, when its lists are a page of them
    #: (kg.coverage.page: counted by kg.coverage.summary); None: the lists are complete
    totals: tuple[int, int, int] | None = None
    listed: bool = True  # False: a page lists no item of this cell (only its totals)

    def papers(self) -> list[Node]:
        """The papers of the listed items."""
        return sorted({i.paper for i in self.attacks + self.defenses}, key=lambda n: n.label)

    def as_dict(self) -> dict:
        papers = self.papers()
        n = self.totals or (len(self.attacks), len(self.defenses), len(papers))
        return {"threat": self.threat.as_dict(), "column": self.col.as_dict(),
                "attacks": [i.as_dict() for i in self.attacks],
                "defenses": [i.as_dict() for i in self.defenses],
                "papers": [p.as_dict() for p in papers],
                "attacks_total": n[0], "defenses_total": n[1], "papers_total": n[2],
                "items_listed": self.listed,
                "truncated": (len(self.attacks), len(self.defenses), len(papers)) != tuple(n)}


@dataclass
class Matrix:
    by: str
    level: str
    rows: list[Node]  # threats
    cols: list[Node]
    cells: dict[tuple[str, str], Cell]  # (threat IRI, column IRI) -> cell
    unknown: dict[str, list[Item]] = field(default_factory=dict)  # threat IRI -> items
    #: a page (kg.coverage.page): at most ``items`` of each kind in each of the first
    #: ``cells_listed`` cells; ``unknown_totals``: threat IRI -> unknown-knowledge defenses
    items: int | None = None
    cells_listed: int | None = None
    unknown_totals: dict[str, int] | None = None

    def cell(self, threat: str, col: str) -> Cell:
        """The cell by IRIs or labels (an empty cell when nothing falls in it)."""
        t = find_node(self.rows, threat, "threat")
        c = find_node(self.cols, col, COLUMN_KIND[self.by])
        return self.cells.get((t.iri, c.iri)) or Cell(t, c)

    def as_dict(self) -> dict:
        cells = [self.cells[k].as_dict() for k in sorted(
            self.cells, key=lambda k: (self.cells[k].threat.label, self.cells[k].col.label))]
        unknown = []
        for t, items in sorted(self.unknown.items()):
            total = len(items) if self.unknown_totals is None else self.unknown_totals[t]
            unknown.append({"threat": find_node(self.rows, t, "threat").as_dict(),
                            "note": "attacker knowledge unknown (no attack in the same paper "
                                    "and threat to derive it from); unknown is not none",
                            "defenses": [i.as_dict() for i in items],
                            "defenses_total": total, "truncated": len(items) < total})
        return {
            "by": self.by,
            "level": self.level,
            "level_note": LEVEL_NOTES[(self.by, self.level)],
            "rows": [r.as_dict() for r in self.rows],
            "columns": [c.as_dict() for c in self.cols],
            "cells_total": len(cells),
            "items_limit": self.items,
            "cells_listed": len(cells) if self.cells_listed is None else self.cells_listed,
            "truncated_cells": sum(1 for c in cells if c["truncated"]),
            "cells": cells,
            "unknown": unknown,
        }


def opening_values(q: str, values: str) -> str:
    """``q`` with the VALUES block ``values`` opening its WHERE group (Oxigraph joins the
    patterns in their order: bound values first)."""
    at = q.index("WHERE {") + len("WHERE {")
    return q[:at] + "\n  " + values + q[at:]


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
        q = opening_values(q, values_block(["evaluatedOn"], [(m,) for m in members]))
    elif column is not None:
        bindings["evaluatedOn"] = URIRef(column)
    return q, bindings


def _check_view(by: str, level: str) -> None:
    """KGError unless (``by``, ``level``) is a coverage view."""
    if by not in BYS:
        raise KGError(f"unknown coverage view {by!r}; expected one of {', '.join(BYS)}")
    if level not in LEVELS:
        raise KGError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    if by != "model" and level != "model":
        raise KGError(f"--level family applies to --by model only (not --by {by})")


class _Nodes:
    """IRI -> its Node, made once: labelled from the vocabularies' labels, else by the
    first row that labels it, else the IRI itself."""

    def __init__(self, lab: dict[str, str]) -> None:
        self.lab = lab
        self.made: dict[str, Node] = {}

    def __call__(self, t: str, label: str | None = None) -> Node:
        n = self.made.get(t)
        if n is None:
            n = self.made[t] = Node(t, self.lab.get(t) or label or t)
        return n


def _model_columns(store: Store, by: str, level: str) -> tuple[set[str], dict]:
    """What a model view places rows by: the typed target models, and at family level every
    node -> the families it counts under (empty for the other views)."""
    models: set[str] = set()
    fam: dict[str, tuple[str, ...]] = {}
    if by == "model":
        models = {m for m, in select_values(store, TARGET_MODELS)[1]}
        fam = families(store) if level == "family" else {}
    return models, fam


def _runs(by: str, level: str, threat: str | None, column: str | None,
          picked: dict[tuple[str, str, str], set[str]] | None, models: set[str],
          fam) -> list[tuple[str, str, dict]]:
    """The cell queries to run, (kind, query, bound values), attacks first: narrowed to
    ``threat`` / ``column``, and with ``picked`` its (threat, item) pairs as VALUES blocks."""
    runs = []
    for kind, q in zip(("attack", "defense"), CELL_QUERIES[(by, level)], strict=True):
        q, bindings = _restricted(q, by, level, threat, column, models, fam)
        if picked is None:
            runs.append((kind, q, bindings))
            continue
        pairs = sorted({(t, it) for (k, t, _), items in picked.items() if k == kind
                        for it in items})
        runs += [(kind, opening_values(q, block), bindings)
                 for block in values_blocks(["threat", "item"], pairs)]
    return runs


@dataclass
class _Placing:
    """The rows of the cell queries, placed: the cells and columns found and, per (kind,
    threat, column, item), the item's paper, the models it was evaluated on and the paths
    of the derived links that place it."""

    node: _Nodes
    level: str
    models: set[str]
    fam: dict
    picked: dict[tuple[str, str, str], set[str]] | None
    cols: dict[str, Node]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    acc: dict[tuple[str, str, str, str], dict] = field(default_factory=dict)

    def read(self, kind: str, names: list[str], result) -> None:
        """Place each row of one cell query (``names``: its variables) in its cells."""
        node = self.node
        ix = {n: i for i, n in enumerate(names)}
        i_on, i_col, i_via = ix.get("evaluatedOn"), ix.get("col"), ix.get("via")
        i_t, i_item, i_paper = ix["threat"], ix["item"], ix["paper"]
        i_il, i_pl, i_vl = ix["itemLabel"], ix["paperLabel"], ix.get("viaLabel")
        for r in result:
            t, it, paper = r[i_t], r[i_item], r[i_paper]
            if i_on is None:
                targets = (r[i_col],)
            elif self.level == "family":  # only typed models roll up (kg.family)
                targets = self.fam[r[i_on]] if r[i_on] in self.models else ()
            else:
                targets = (r[i_on],)
            for c in targets:
                if self.picked is not None and it not in self.picked.get((kind, t, c), ()):
                    continue
                tn, cn = node(t), node(c)
                self.cols.setdefault(c, cn)
                if (t, c) not in self.cells:
                    self.cells[(t, c)] = Cell(tn, cn)
                a = self.acc.get((kind, t, c, it))
                if a is None:
                    node(it, r[i_il])
                    a = self.acc[(kind, t, c, it)] = {"paper": node(paper, r[i_pl]),
                                                      "on": set(), "paths": []}
                if i_on is not None:
                    a["on"].add(node(r[i_on]))
                if i_via is not None:
                    path = self._path(kind, it, node(r[i_via], r[i_vl]), paper, tn)
                    if path not in a["paths"]:
                        a["paths"].append(path)

    def _path(self, kind: str, it: str, via: Node, paper: str, tn: Node) -> tuple[str, ...]:
        """The derivation path of the link between item ``it`` and ``via`` (the evaluation
        and the attack of the same paper and threat)."""
        item = self.node.made[it]
        e, at = (item, via) if kind == "defense" else (via, item)
        pn = self.node.made[paper]
        return derivation_path({e.iri: e.label, at.iri: at.label, pn.iri: pn.label,
                                tn.iri: tn.label}, e.iri, at.iri, pn.iri, tn.iri)

    def fill(self) -> None:
        """Each placed item into its cell; each cell's lists sorted by label."""
        for (kind, t, c, it), a in self.acc.items():
            on = tuple(sorted(a["on"], key=lambda n: n.label))
            item = Item(kind, self.node.made[it], a["paper"], on, any(n.iri != c for n in on),
                        bool(a["paths"]), tuple(step for p in sorted(a["paths"]) for step in p))
            cell = self.cells[(t, c)]
            (cell.attacks if kind == "attack" else cell.defenses).append(item)
        for cell in self.cells.values():
            cell.attacks.sort(key=lambda i: i.node.label)
            cell.defenses.sort(key=lambda i: i.node.label)


def _unknown(store: Store, threat: str | None, node: _Nodes) -> dict[str, list[Item]]:
    """Threat IRI -> the defense evaluations of that threat (of ``threat`` only, when given)
    whose attacker knowledge is unknown, by label."""
    unknown: dict[str, list[Item]] = {}
    bound = {"threat": URIRef(threat)} if threat is not None else None
    for t, it, paper, il, pl in select_values(store, DEFENSES_UNKNOWN_KNOWLEDGE, bound)[1]:
        unknown.setdefault(t, []).append(Item("defense", node(it, il), node(paper, pl)))
    for items in unknown.values():
        items.sort(key=lambda i: i.node.label)
    return unknown


def matrix(store: Store, by: str = "model", level: str = "model", threat: str | None = None,
           column: str | None = None,
           picked: dict[tuple[str, str, str], set[str]] | None = None,
           lab: dict[str, str] | None = None) -> Matrix:
    """The coverage matrix of threats x ``by`` ('model', 'knowledge' or 'defense');
    ``level`` 'family' rolls models up to their families (only for by='model').

    ``threat`` / ``column`` (IRIs) narrow it to one row, one column or one cell: the
    queries are bound to them, so the cost follows the cell, not the graph. ``picked``:
    (kind, threat IRI, column IRI) -> the items (IRIs) of that cell to read, by queries
    bound to their (threat, item) pairs; only those cells and items are in the matrix
    (each item as the whole matrix has it: :func:`kg.coverage.page.page`). ``lab``: the
    vocabularies' labels (:func:`vocab_labels`) when the caller has them."""
    _check_view(by, level)
    node = _Nodes(vocab_labels(store) if lab is None else lab)
    rows = sorted((node(t) for t, _ in select_values(store, THREATS)[1]), key=lambda n: n.label)
    cols: dict[str, Node] = {}
    if by == "knowledge":
        cols = {k: node(k) for k, _ in select_values(store, KNOWLEDGE)[1]}
    models, fam = _model_columns(store, by, level)
    placing = _Placing(node, level, models, fam, picked, cols)
    for kind, q, bindings in _runs(by, level, threat, column, picked, models, fam):
        placing.read(kind, *select_values(store, q, bindings))
    placing.fill()
    unknown = _unknown(store, threat, node) if by == "knowledge" and picked is None else {}
    return Matrix(by, level, rows, sorted(cols.values(), key=lambda n: n.label), placing.cells,
                  unknown)


__all__ = ["CELL_PATTERNS", "CELL_QUERIES", "Cell", "DEFENSES_UNKNOWN_KNOWLEDGE", "Item",
           "Matrix", "matrix"]
