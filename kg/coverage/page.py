"""A page of the coverage matrix: every cell with its counts, and at most a few of its
items, so that ``kg coverage --json`` costs the cells listed, not the graph.

The cells and their counts are the coverage summary's (:mod:`kg.coverage.summary`, the one
count: stored when current, else counted live), so a page has exactly the cells and the
totals of the whole matrix (:func:`kg.coverage.cells.matrix`). Of the first ``cells`` cells (in
the order the matrix lists them: threat, then column label) it lists at most ``items``
attacks and ``items`` defense evaluations, picked by one query bound to that cell
(``SELECT DISTINCT ?item`` over the cell's pattern, ``LIMIT``: the first in the store's
order) and then read as the whole matrix reads them (:func:`kg.coverage.cells.matrix` bound to
the picked items), so each listed item is the matrix's item. A cell says how many items
it holds (``attacks_total``, ``defenses_total``, ``papers_total``), whether its lists are
cut (``truncated``) and whether any item is listed (``items_listed``).
"""

from __future__ import annotations

import re

from ..sparql_text import iri_ref, values_block
from ..stores.base import Store, select_values
from . import KNOWLEDGE, TARGET_MODELS, THREATS, Node, families, vocab_labels
from .cells import CELL_PATTERNS, Cell, Item, Matrix, matrix, opening_values
from .counts import THREAT_VIEW, view_name
from .summary import get

#: Items of each kind listed per cell, and cells listed with items, by default.
ITEMS = 20
CELLS = 100

# A page of the defense evaluations of a threat whose attacker knowledge is unknown: the
# rows of kg.coverage.cells.DEFENSES_UNKNOWN_KNOWLEDGE, with the threat written in on both sides
# of the MINUS (so its anti-join reads that threat's attacks, not every attack).
UNKNOWN_PAGE = """
SELECT ?item ?paper ?itemLabel ?paperLabel WHERE {
  ?item rd:mitigates ?threat ; a rd:DefenseEvaluation ; rd:fromPaper ?paper .
  MINUS { ?a rd:threat ?threat ; rd:fromPaper ?paper ; a rd:Attack . }
  OPTIONAL { ?item rdfs:label ?itemLabel . }
  OPTIONAL { ?paper dcterms:title ?paperLabel . }
}
"""
PICK = "SELECT DISTINCT ?item WHERE {{\n  {pattern}\n}}"


def _written(q: str, terms: dict[str, str]) -> str:
    """``q`` with the variables ``terms`` names written as those IRIs (checked terms)."""
    for var, value in terms.items():
        q = re.sub(rf"\?{var}\b", iri_ref(value).replace("\\", "\\\\"), q)
    return q


def _pick(pattern: str, level: str, threat: str, column: str, models: set[str], fam) -> str:
    """The items of one cell: the cell's pattern with its threat and column written in as
    checked IRIs (kg.sparql_text.iri_ref; rdflib orders a join by the terms it can see), a
    family's models as a VALUES block."""
    terms = {"threat": threat}
    if level != "family":
        terms["col" if "?col" in pattern else "evaluatedOn"] = column
    q = PICK.format(pattern=_written(pattern, terms))
    if level == "family":
        members = sorted(m for m in models if column in fam[m])
        q = opening_values(q, values_block(["evaluatedOn"], [(m,) for m in members]))
    return q


def cell(store: Store, by: str, level: str, threat: str, column: str,
         items: int = ITEMS) -> Cell:
    """One cell of the matrix (threat and column IRIs): its counts from the coverage summary
    (``totals``), and at most ``items`` attacks and ``items`` defense evaluations, picked as
    :func:`page` picks them (a query bound to the cell, ``LIMIT``: the first in the store's
    order; all of them when the cell holds no more) and read as the whole matrix reads
    them (each listed item is the matrix's item, with its models and paths; sorted by
    label). The cost follows the items listed, not the cell: the app's cell view."""
    view = view_name(by, level)
    lab = vocab_labels(store, methods=by == "defense")
    models: set[str] = set()
    fam: dict = {}
    if by == "model":
        models = {m for m, in select_values(store, TARGET_MODELS)[1]}
        fam = families(store) if level == "family" else {}
    picked: dict[tuple[str, str, str], set[str]] = {}
    for kind, pattern in zip(("attack", "defense"), CELL_PATTERNS[(by, level)], strict=True):
        if items:
            q = _pick(pattern, level, threat, column, models, fam)
            got = [it for it, in select_values(store, f"{q}\nLIMIT {int(items)}")[1]]
            if got:
                picked[(kind, threat, column)] = set(got)
    m = matrix(store, by, level, picked=picked, lab=lab) if picked else None
    out = (m.cells.get((threat, column)) if m else None) or Cell(
        Node(threat, lab.get(threat) or threat), Node(column, lab.get(column) or column))
    if items and len(out.attacks) < items and len(out.defenses) < items:
        out.totals = (len(out.attacks), len(out.defenses), len(out.papers()))  # all listed
    else:  # cut: the cell's counts from the summary (the one count)
        c = get(store, [view]).cell(view, threat, column)
        out.totals = (c.attacks, c.defenses, c.papers) if c else (0, 0, 0)
    return out


def page(store: Store, by: str = "model", level: str = "model", items: int = ITEMS,
         cells: int = CELLS) -> Matrix:
    """The matrix of threats x ``by`` with every cell and its counts; at most ``items``
    attacks and ``items`` defenses listed in each of the first ``cells`` cells (and at most
    ``items`` unknown-knowledge defenses per threat for by='knowledge')."""
    view = view_name(by, level)
    s = get(store, [THREAT_VIEW, view])
    lab = vocab_labels(store, methods=by == "defense")
    nodes: dict[str, Node] = {}

    def node(t: str) -> Node:
        n = nodes.get(t)
        if n is None:
            n = nodes[t] = Node(t, lab.get(t) or t)
        return n

    counts = sorted(s.view(view), key=lambda c: (node(c.threat).label, node(c.column).label))
    models: set[str] = set()
    fam: dict = {}
    if by == "model":
        models = {m for m, in select_values(store, TARGET_MODELS)[1]}
        fam = families(store) if level == "family" else {}
    picked: dict[tuple[str, str, str], set[str]] = {}
    for c in counts[:cells]:
        for kind, pattern, n in zip(("attack", "defense"), CELL_PATTERNS[(by, level)],
                                    (c.attacks, c.defenses), strict=True):
            if n and items:
                q = _pick(pattern, level, c.threat, c.column, models, fam)
                picked[(kind, c.threat, c.column)] = {
                    it for it, in select_values(store, f"{q}\nLIMIT {int(items)}")[1]}
    found = matrix(store, by, level, picked=picked, lab=lab).cells if picked else {}
    out: dict[tuple[str, str], Cell] = {}
    for i, c in enumerate(counts):
        cell = found.get((c.threat, c.column)) or Cell(node(c.threat), node(c.column))
        cell.totals = (c.attacks, c.defenses, c.papers)
        cell.listed = i < cells and bool(items)
        out[(c.threat, c.column)] = cell
    cols = {c.column for c in counts}
    if by == "knowledge":
        cols |= {k for k, _ in select_values(store, KNOWLEDGE)[1]}
    rows = sorted((node(t) for t, _ in select_values(store, THREATS)[1]), key=lambda n: n.label)
    unknown: dict[str, list[Item]] = {}
    unknown_totals: dict[str, int] = {}
    if by == "knowledge":
        for c in s.view(THREAT_VIEW):
            if not c.unknown:
                continue
            unknown_totals[c.threat] = c.unknown
            q = f"{_written(UNKNOWN_PAGE, {'threat': c.threat}).rstrip()}\nLIMIT {int(items)}"
            got = [Item("defense", Node(it, il or it), Node(p, pl or p)) for it, p, il, pl in
                   select_values(store, q)[1]] if items else []
            unknown[c.threat] = sorted(got, key=lambda i: i.node.label)
    return Matrix(by, level, rows, sorted((node(c) for c in cols), key=lambda n: n.label), out,
                  unknown, items=items, cells_listed=min(cells, len(counts)) if items else 0,
                  unknown_totals=unknown_totals)


__all__ = ["page", "cell", "ITEMS", "CELLS"]
