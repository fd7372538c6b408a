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
from ..sparql_text import values_block, values_blocks
from ..stores.base import Store, select_values

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
        t = _find(self.rows, threat, "threat")
        c = _find(self.cols, col, COLUMN_KIND[self.by])
        return self.cells.get((t.iri, c.iri)) or Cell(t, c)

    def as_dict(self) -> dict:
        cells = [self.cells[k].as_dict() for k in sorted(
            self.cells, key=lambda k: (self.cells[k].threat.label, self.cells[k].col.label))]
        unknown = []
        for t, items in sorted(self.unknown.items()):
            total = len(items) if self.unknown_totals is None else self.unknown_totals[t]
            unknown.append({"threat": _find(self.rows, t, "threat").as_dict(),
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


MODEL_LABELS = "SELECT ?node ?label WHERE { ?node a rd:TargetModel ; skos:prefLabel ?label . }"


def vocab_labels(store: Store, methods: bool = True) -> dict[str, str]:
    """Labels of the small vocabularies: threats, knowledge levels, models, methods (the
    defense methods, a vocabulary that grows with the papers, only with ``methods``)."""
    out = {}
    for q in (VOCAB_LABELS if methods else MODEL_LABELS, THREATS, KNOWLEDGE):
        out.update(select_values(store, q)[1])
    return out


def _opening(q: str, values: str) -> str:
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
        q = _opening(q, values_block(["evaluatedOn"], [(m,) for m in members]))
    elif column is not None:
        bindings["evaluatedOn"] = URIRef(column)
    return q, bindings


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
    if by not in BYS:
        raise KGError(f"unknown coverage view {by!r}; expected one of {', '.join(BYS)}")
    if level not in LEVELS:
        raise KGError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    if by != "model" and level != "model":
        raise KGError(f"--level family applies to --by model only (not --by {by})")
    lab = vocab_labels(store) if lab is None else lab
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
    runs = []
    for kind, q in (("attack", attacks_q), ("defense", defenses_q)):
        q, bindings = _restricted(q, by, level, threat, column, models, fam)
        if picked is None:
            runs.append((kind, q, bindings))
            continue
        pairs = sorted({(t, it) for (k, t, _), items in picked.items() if k == kind
                        for it in items})
        runs += [(kind, _opening(q, block), bindings)
                 for block in values_blocks(["threat", "item"], pairs)]
    for kind, q, bindings in runs:
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
                if picked is not None and it not in picked.get((kind, t, c), ()):
                    continue
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
    if by == "knowledge" and picked is None:
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
