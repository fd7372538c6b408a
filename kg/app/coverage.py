"""The Coverage page's data: the threat x column heat map and one cell's items.

The map's counts come from the coverage summary (kg.coverage.summary: the store's stored
counts when current); a cell's items are read by a query bound to that cell, only for the
items listed. Every list is bounded (MAX_COLUMNS, CELL_ITEMS, UNKNOWN_ITEMS) and says how
many there are in all.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import coverage
from ..coverage import page as coverage_page
from ..coverage import summary
from ..coverage.cells import DEFENSES_UNKNOWN_KNOWLEDGE
from ..coverage.counts import THREAT_VIEW, view_name
from ..display import names_of
from ..sparql_text import values_blocks
from ..stores.base import Store, select_values
from .names import expand, ref

COVERAGE_VIEWS = {"model": "target model", "knowledge": "attacker knowledge",
                  "defense": "defense method"}
#: Coverage status of a cell, from the attacks and defenses that fall in it.
STATUS = ("attacks and defenses", "attacks, no defense", "defenses only")

#: Columns a heat map shows at most (the most evaluated first); the rest are counted.
MAX_COLUMNS = 60
#: Items a cell lists at most per kind (attacks, defenses); the rest are counted.
CELL_ITEMS = 50
#: The app lists a cell's items as cards up to this many per kind, as one table beyond
#: (100 cards took about 1.5 s to draw in Chromium on a 100k-paper cell).
CELL_CARDS = 10
#: Unknown-knowledge defenses listed at most under the knowledge view.
UNKNOWN_ITEMS = 200


# ------------------------------------------------------------------ the heat map


@dataclass
class CoverageTable:
    by: str
    level: str
    note: str
    threats: list[str]
    columns: list[str]
    cells: list[dict]  # one per non-empty cell: threat, column, attacks, defenses, papers, status
    unknown: list[dict]  # defenses with unknown attacker knowledge (by="knowledge")
    columns_total: int = 0  # columns with something in them (more than shown: see MAX_COLUMNS)
    unknown_total: int = 0
    source: str = "live"  # the counts: "stored" summary in the store, or counted "live"


def _status(attacks: int, defenses: int) -> str:
    if attacks and defenses:
        return STATUS[0]
    return STATUS[1] if attacks else STATUS[2]


def coverage_table(store: Store, by: str = "model", level: str = "model",
                   max_columns: int | None = None) -> CoverageTable:
    """The threat x ``by`` matrix as rows a heat map can plot, from the coverage summary
    (kg.coverage.summary: the store's stored counts when current). With more than ``max_columns``
    columns, the most evaluated are shown and the total is given."""
    max_columns = MAX_COLUMNS if max_columns is None else max_columns
    view = view_name(by, level)
    s = summary.get(store, [THREAT_VIEW, view])
    lab = coverage.vocab_labels(store, methods=by == "defense")  # methods: thousands at 100k
    threats = sorted((t for t, _ in select_values(store, coverage.THREATS)[1]),
                     key=lambda t: lab.get(t, t))
    counts = s.view(view)
    totals: dict[str, int] = {}
    for c in counts:
        totals[c.column] = totals.get(c.column, 0) + c.attacks + c.defenses
    if by == "knowledge":
        for k, _ in select_values(store, coverage.KNOWLEDGE)[1]:
            totals.setdefault(k, 0)
    shown = set(sorted(totals, key=lambda c: (-totals[c], lab.get(c, c)))[:max_columns])
    cells = [{"threat": lab.get(c.threat, c.threat), "column": lab.get(c.column, c.column),
              "threat_ref": ref(c.threat), "column_ref": ref(c.column),
              "attacks": c.attacks, "defenses": c.defenses, "papers": c.papers,
              "status": _status(c.attacks, c.defenses), "derived": c.derived}
             for c in counts if c.column in shown]
    cells.sort(key=lambda d: (d["threat"], d["column"]))
    unknown = []
    if by == "knowledge":
        q = DEFENSES_UNKNOWN_KNOWLEDGE.rstrip() + f" LIMIT {UNKNOWN_ITEMS}"
        for t, it, _paper, il, pl in select_values(store, q)[1]:
            unknown.append({"threat": lab.get(t, t), "defense": il or it, "ref": ref(it),
                            "paper": pl or ""})
        unknown.sort(key=lambda u: (u["threat"], u["defense"]))
    return CoverageTable(by, level, coverage.LEVEL_NOTES[(by, level)],
                         [lab.get(t, t) for t in threats],
                         sorted(lab.get(c, c) for c in shown), cells, unknown,
                         columns_total=len(totals),
                         unknown_total=sum(c.unknown for c in s.view(THREAT_VIEW)),
                         source=s.source)


# ------------------------------------------------------------------ one cell


@dataclass
class CellDetail:
    threat: str
    column: str
    attacks: list[dict]
    defenses: list[dict]
    n_attacks: int = 0  # in the cell (lists stop at CELL_ITEMS)
    n_defenses: int = 0


ITEM_DETAILS_OF = """
SELECT ?item ?eff ?lim ?method ?url ?kl WHERE {{
  {values}
  ?item rd:effectiveness ?eff .
  OPTIONAL {{ ?item rd:limitation ?lim }}
  OPTIONAL {{ ?item rd:method/rdfs:label ?method }}
  OPTIONAL {{ ?item rd:referenceURL ?url }}
  OPTIONAL {{ ?item rd:assumesKnowledge/skos:prefLabel ?kl }}
}}
"""


def _column_iri(store: Store, by: str, text: str) -> str:
    """A threat or column given by label or short name -> its IRI (UnknownLabelError)."""
    if text.startswith("rdi:"):
        return str(expand(text))
    if text.startswith("http"):
        return text
    if by == "threat":
        lab = dict(select_values(store, coverage.THREATS)[1])
    else:  # the defense methods (a vocabulary that grows with the papers) only when asked
        lab = coverage.vocab_labels(store, methods=by == "defense")
    kind = "threat" if by == "threat" else coverage.COLUMN_KIND[by]
    nodes = [coverage.Node(i, label) for i, label in lab.items()]
    return coverage.find_node(nodes, text, kind).iri


def _item_details(store: Store, items: list[str]) -> dict[str, dict]:
    """IRI -> effectiveness, limitation, method, URL and attacker knowledge of the ``items``:
    bounded queries over the items given."""
    details: dict[str, dict] = {}
    for block in values_blocks(["item"], [(i,) for i in items]):
        q = ITEM_DETAILS_OF.format(values=block)
        names, rows = select_values(store, q)
        for r in rows:
            r = dict(zip(names, r, strict=True))
            d = details.setdefault(r["item"], {**r, "knowledge": set()})
            if r["kl"] is not None:
                d["knowledge"].add(r["kl"])
    return details


def coverage_cell(store: Store, by: str, level: str, threat: str, column: str,
                  limit: int | None = None) -> CellDetail:
    """The attacks and defenses of one cell (threat and column by label or IRI), each with
    its paper, effectiveness, limitation and — when placed by a derived link — the path.
    Only the cell is queried, and only for the items listed: the first ``limit`` of each
    kind by label (kg.coverage.page.cell), with the cell's counts from the coverage summary."""
    limit = CELL_ITEMS if limit is None else limit
    t, c = _column_iri(store, "threat", threat), _column_iri(store, by, column)
    cell = coverage_page.cell(store, by, level, t, c, items=limit)
    attacks, defenses = cell.attacks[:limit], cell.defenses[:limit]
    details = _item_details(store, sorted({i.node.iri for i in attacks + defenses}))
    shown = names_of(store, {x.iri for i in attacks + defenses for x in (i.node, i.paper)})

    def row(i) -> dict:
        d = details.get(i.node.iri, {})
        out = {"label": shown[i.node.iri].short, "ref": ref(i.node.iri),
               "paper": shown[i.paper.iri].short, "paper_title": shown[i.paper.iri].full,
               "paper_ref": ref(i.paper.iri),
               "effectiveness": _s(d.get("eff")), "limitation": _s(d.get("lim")),
               "knowledge": ", ".join(sorted(d.get("knowledge", ()))),
               "method": _s(d.get("method")), "url": _s(d.get("url")),
               "derived": i.derived, "path": list(i.path)}
        if i.evaluated_on:
            out["evaluated_on"] = ", ".join(n.label for n in i.evaluated_on)
        return out

    n_attacks, n_defenses, _ = cell.totals or (len(cell.attacks), len(cell.defenses), 0)
    return CellDetail(cell.threat.label, cell.col.label, [row(i) for i in attacks],
                      [row(i) for i in defenses], n_attacks, n_defenses)


def _s(v) -> str:
    return "" if v is None else str(v)


def cell_item_rows(items: list[dict], kind: str) -> list[dict]:
    """A cell's items (:func:`coverage_cell`, ``kind`` "attack" or "defense") as table rows of
    plain text, each with its node's ``ref``."""
    return [{kind: it["label"], "paper": it["paper"],
             **({"knowledge": it["knowledge"] or "unknown"} if kind == "attack" else
                {"method": it.get("method") or ""}),
             "effectiveness": it["effectiveness"] or "—",
             **({"limitations": it["limitation"] or "—"} if kind == "attack" else {}),
             "evaluated on": it.get("evaluated_on") or "",
             "derived": " → ".join(it["path"]) if it["derived"] else "",
             "ref": it["ref"]} for it in items]
