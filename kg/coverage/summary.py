"""The coverage summary kept in the store: the counts of every coverage cell
(:mod:`kg.coverage.counts`, the one count) as derived triples, so ``kg coverage`` /
``kg gaps`` (text), the app's heat map and its gap list read a few hundred triples at any
scale.

The rule: :func:`materialize` writes the counts as derived triples (``rd:CoverageSummary`` /
``rd:CoverageCell``, N-Triples written straight from the counts, :func:`to_ntriples`) into
the store's named graph :data:`SUMMARY_GRAPH`, stamped with the graph's fingerprint (counts
of papers, attacks and defense evaluations); ``kg load`` runs it. :func:`get` reads the
stored summary when its fingerprint matches the graph, and computes it live otherwise
(always for the in-memory rdflib store, which has no named graphs). A change that keeps the
three counts equal (an edit made straight on a remote endpoint) is not detected: run
``kg summarize`` after such edits. :func:`cell_count_query` and :func:`grouped_count_query`
are the SELECTs that read stored counts for the query core (kg.query), while
:func:`current`.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from .. import vocab
from ..errors import KGError
from ..sparql_text import XSD_INTEGER, iri_ref, sparql_literal
from ..stores.base import Store, select_values
from ..vocab import PREFIX_IRIS, iri_text
from . import KNOWLEDGE, THREATS, Node, vocab_labels
from .counts import (
    SUMMARY_CLASSES,
    THREAT_VIEW,
    VIEWS,
    CellCount,
    Summary,
    class_counts,
    compute,
    fingerprint,
    view_name,
)
from .grid import render_counts

if TYPE_CHECKING:
    from rdflib import Graph

SUMMARY_GRAPH = iri_text("summary", "coverage")
STORED = f"""
SELECT ?fingerprint ?noCode ?view ?threat ?column ?attacks ?defenses ?papers ?attackPapers
       ?unknown WHERE {{
  GRAPH <{SUMMARY_GRAPH}> {{
    ?s a rd:CoverageSummary ; rd:fingerprint ?fingerprint ; rd:noCodeLinkCount ?noCode .
    OPTIONAL {{
      {{values}}
      ?c rd:inSummary ?s ; rd:coverageView ?view ; rd:cellThreat ?threat ;
         rd:attackCount ?attacks ; rd:defenseCount ?defenses ; rd:paperCount ?papers .
      OPTIONAL {{ ?c rd:cellColumn ?column . }}
      OPTIONAL {{ ?c rd:attackPaperCount ?attackPapers . }}
      OPTIONAL {{ ?c rd:unknownKnowledgeCount ?unknown . }}
    }}
  }}
}}
"""

STORED_TRIPLES = f"""
SELECT ?n WHERE {{ GRAPH <{SUMMARY_GRAPH}> {{ ?s rd:tripleCount ?n . }} }}
"""
STORED_CLASSES = f"""
SELECT ?cls ?n WHERE {{ GRAPH <{SUMMARY_GRAPH}> {{
  ?s rd:classCount ?c . ?c rd:countedClass ?cls ; rd:instanceCount ?n . }} }}
"""
STORED_CODE_PAGE = f"""
SELECT ?p WHERE {{ GRAPH <{SUMMARY_GRAPH}> {{ ?s rd:noCodeLinkPaper ?p . }} }}
"""


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") \
        .replace("\r", "\\r") + '"'


def to_ntriples(s: Summary) -> bytes:
    """The summary as derived triples (for the named graph :data:`SUMMARY_GRAPH`), written
    as N-Triples straight from the counts (at 100k papers: 450k triples, where building an
    rdflib Graph and serializing it took 11 s); :func:`to_graph` parses them back."""
    def u(x) -> str:
        return f"<{x}>"

    def n(v: int) -> str:
        return f'"{int(v)}"^^<{XSD_INTEGER}>'

    RD, iri = vocab.RD, iri_text
    RDF_TYPE, RDFS_LABEL = PREFIX_IRIS["rdf"] + "type", PREFIX_IRIS["rdfs"] + "label"
    PROV_GENERATED = PREFIX_IRIS["prov"] + "wasGeneratedBy"

    node = u(SUMMARY_GRAPH)
    out = [f"{node} {u(RDF_TYPE)} {u(RD.CoverageSummary)} .",
           f"{node} {u(RDFS_LABEL)} {_lit('coverage summary (derived counts, kg summarize)')} .",
           f"{node} {u(RD.fingerprint)} {_lit(s.fingerprint)} .",
           f"{node} {u(RD.noCodeLinkCount)} {n(s.no_code_link)} .",
           f"{node} {u(PROV_GENERATED)} {u(iri('summary', 'kg-summarize'))} ."]
    out += [f"{node} {u(RD.noCodeLinkPaper)} {u(p)} ." for p in s.code_page]
    if s.triples is not None:
        out.append(f"{node} {u(RD.tripleCount)} {n(s.triples)} .")
    for cls, k in sorted((s.classes or {}).items()):
        c = u(iri("summary", "class", hashlib.sha256(cls.encode()).hexdigest()[:16]))
        out += [f"{node} {u(RD.classCount)} {c} .", f"{c} {u(RDF_TYPE)} {u(RD.ClassCount)} .",
                f"{c} {u(RD.countedClass)} {u(cls)} .", f"{c} {u(RD.instanceCount)} {n(k)} ."]
    cell_type = f"{u(RDF_TYPE)} {u(RD.CoverageCell)} ."
    pred = {k: u(getattr(RD, k)) for k in (
        "inSummary", "coverageView", "cellThreat", "cellColumn", "attackCount", "defenseCount",
        "paperCount", "attackPaperCount", "unknownKnowledgeCount")}
    for c in s.cells.values():
        key = hashlib.sha256(f"{c.view}|{c.threat}|{c.column or ''}".encode()).hexdigest()[:16]
        x = u(iri("summary", "cell", key))
        out += [f"{x} {cell_type}", f"{x} {pred['inSummary']} {node} .",
                f"{x} {pred['coverageView']} {_lit(c.view)} .",
                f"{x} {pred['cellThreat']} {u(c.threat)} ."]
        if c.column is not None:
            out.append(f"{x} {pred['cellColumn']} {u(c.column)} .")
        out += [f"{x} {pred['attackCount']} {n(c.attacks)} .",
                f"{x} {pred['defenseCount']} {n(c.defenses)} .",
                f"{x} {pred['paperCount']} {n(c.papers)} ."]
        if c.view == THREAT_VIEW:
            out += [f"{x} {pred['attackPaperCount']} {n(c.attack_papers)} .",
                    f"{x} {pred['unknownKnowledgeCount']} {n(c.unknown)} ."]
    return ("\n".join(out) + "\n").encode("utf-8")


def to_graph(s: Summary) -> Graph:
    """The summary's triples (:func:`to_ntriples`) as an rdflib Graph."""
    from rdflib import Graph

    return Graph().parse(data=to_ntriples(s).decode("utf-8"), format="nt")


def materialize(store: Store, triples: int | None = None) -> Summary:
    """Compute the summary and keep it in the store's named graph (where the store has
    named graphs; the in-memory rdflib store keeps nothing and computes live). ``triples``:
    the default graph's size when the caller knows it (kg load), else it is counted."""
    s = compute(store)
    if getattr(store, "kind", "memory") != "memory":
        s.triples = triples if triples is not None else store.triple_count()
        s.classes = class_counts(store, [str(c) for _, c in SUMMARY_CLASSES])
        store.put_named_graph(SUMMARY_GRAPH, to_ntriples(s))
    return s


def _views(views) -> tuple[str, ...]:
    views = tuple(views) if views is not None else (THREAT_VIEW, *VIEWS)
    bad = [v for v in views if v not in (THREAT_VIEW, *VIEWS)]
    if bad:
        raise KGError(f"unknown summary view {bad[0]!r}; expected one of "
                      f"{', '.join((THREAT_VIEW, *VIEWS))}")
    return views


def stored_query(views=None) -> str:
    """The SELECT reading the stored cells of ``views`` (default: all)."""
    block = "VALUES ?view { " + " ".join(f'"{v}"' for v in _views(views)) + " }"
    return STORED.replace("{values}", block)


def stored(store: Store, views=None) -> Summary | None:
    """The summary kept in the store, its cells of ``views`` only (default: all); None when
    there is none, or the store has no named graphs."""
    if getattr(store, "kind", "memory") == "memory":
        return None
    names, rows = select_values(store, stored_query(views))
    if not rows:
        return None
    ix = {n: i for i, n in enumerate(names)}
    first = rows[0]
    page = sorted(p for p, in select_values(store, STORED_CODE_PAGE)[1])
    n = select_values(store, STORED_TRIPLES)[1]
    classes = {c: int(k) for c, k in select_values(store, STORED_CLASSES)[1]}
    s = Summary(first[ix["fingerprint"]], int(first[ix["noCode"]]), source="stored",
                code_page=page, triples=int(n[0][0]) if n else None,
                classes=classes or None)
    for r in rows:
        if r[ix["view"]] is None:
            continue

        n = [0 if r[ix[k]] is None else int(r[ix[k]])
             for k in ("attacks", "defenses", "papers", "attackPapers", "unknown")]
        c = CellCount(r[ix["view"]], r[ix["threat"]], r[ix["column"]], *n)
        s.cells[(c.view, c.threat, c.column)] = c
    return s


def render_text(store: Store, by: str = "model", level: str = "model",
                s: Summary | None = None) -> str:
    """``kg coverage``'s grid from the summary (the same text as
    ``kg.coverage.grid.render_text(kg.coverage.cells.matrix(...))``, at any scale)."""
    view = view_name(by, level)
    s = s if s is not None else get(store, [THREAT_VIEW, view])
    lab = vocab_labels(store)

    def node(t: str) -> Node:
        return Node(t, lab.get(t) or t)

    rows = sorted((node(t) for t, _ in select_values(store, THREATS)[1]), key=lambda n: n.label)
    cells = s.view(view)
    cols = {c.column for c in cells}
    if by == "knowledge":
        cols |= {k for k, _ in select_values(store, KNOWLEDGE)[1]}
    unknown = {c.threat: c.unknown for c in s.view(THREAT_VIEW)} if by == "knowledge" else {}
    return render_counts(by, level, rows, sorted((node(c) for c in cols), key=lambda n: n.label),
                         {(c.threat, c.column): (c.attacks, c.defenses) for c in cells}, unknown)


STORED_FINGERPRINT = f"""
SELECT ?fingerprint WHERE {{ GRAPH <{SUMMARY_GRAPH}> {{ ?s a rd:CoverageSummary ;
  rd:fingerprint ?fingerprint . }} }}
"""
#: content_id -> the graph's fingerprint (a version never changes its default graph)
_FINGERPRINTS: dict[str, str] = {}


def current(store: Store) -> bool:
    """Whether ``store`` keeps a summary that matches its graph: the stored fingerprint (one
    small read, every call: ``kg summarize`` may rewrite it) against the graph's, counted
    once per version (``store.content_id``: three COUNTs over type, ~0.1 s at 100k papers).
    False for a store that names no version (in-memory, a remote endpoint, the older flat
    layout): there the graph can change under a cached fingerprint, so callers count live."""
    cid = getattr(store, "content_id", None)
    if cid is None or getattr(store, "kind", "memory") == "memory":
        return False
    rows = select_values(store, STORED_FINGERPRINT)[1]
    if not rows:
        return False
    if cid not in _FINGERPRINTS:
        _FINGERPRINTS[cid] = fingerprint(store)
    return rows[0][0] == _FINGERPRINTS[cid]


#: what a cell counts, by row kind (attack rows, defense-evaluation rows)
_ROW_COUNT = {"attacks": "rd:attackCount", "defenses": "rd:defenseCount"}


def cell_count_query(view: str, rows: str, threats=None, column: str | None = None) -> str:
    """The SELECT summing the stored ``rows`` count (``attacks`` | ``defenses``) of the
    cells of ``view`` in ``column`` (None for the view ``threat``), over ``threats`` (None:
    every threat). A sum over threats is exact: every attack has one rd:threat and every
    defense evaluation one rd:mitigates (ontology/shapes.ttl, maxCount 1)."""
    if (column is None) != (view == THREAT_VIEW):
        raise KGError(f"view {view!r} {'needs' if column is None else 'has no'} column")
    body = "\n    ".join(_cell_lines(view, rows, threats, column))
    return (f"{_FROM_SUMMARY}SELECT (SUM(?count) AS ?n) WHERE {{\n  GRAPH <{SUMMARY_GRAPH}> "
            f"{{\n    {body}\n  }}\n}}")


_FROM_SUMMARY = ("# counted from the coverage summary (derived at kg load / kg summarize, "
                 "current for this graph)\n")


def _cell_lines(view: str, rows: str, threats, column: str | None) -> list[str]:
    """Patterns binding ``?count`` (the ``rows`` count) of each cell of ``view``, within
    ``threats`` and ``column`` when given (every cell of a column view binds ``?column``)."""
    if view not in (THREAT_VIEW, *VIEWS) or rows not in _ROW_COUNT:
        raise KGError(f"no stored count of {rows!r} in view {view!r}")
    lines = [f"VALUES ?view {{ {sparql_literal(view)} }}"]
    if threats is not None:
        lines.append("VALUES ?threat { " + " ".join(iri_ref(t) for t in sorted(threats)) + " }")
    if column is not None:
        lines.append(f"VALUES ?column {{ {iri_ref(column)} }}")
    lines.append("?cell rd:coverageView ?view ; rd:cellThreat ?threat ; "
                 f"{_ROW_COUNT[rows]} ?count .")
    if view != THREAT_VIEW:
        lines.append("?cell rd:cellColumn ?column .")
    return lines


def grouped_count_query(view: str, rows: str, by: str, threats=None, column: str | None = None,
                        label: str = "skos:prefLabel", having: str = "",
                        best: str = "") -> str:
    """The SELECT ``?key ?label ?n`` of the stored ``rows`` counts (``attacks`` |
    ``defenses``) of ``view``'s cells summed per ``by`` (``threat``: per cell threat, within
    ``column``; ``column``: per cell column, over ``threats``, None: every threat), the
    items with at least one row; ``having``: a further test on ``?n`` ("> 3"), ``best``:
    ``MAX`` | ``MIN`` to keep the items with the most / fewest rows."""
    if by not in ("threat", "column"):
        raise KGError(f"no stored count per {by!r}")
    if (column is None) != (view == THREAT_VIEW) and by == "threat":
        raise KGError(f"view {view!r} {'needs' if column is None else 'has no'} column")
    lines = _cell_lines(view, rows, threats, column)
    key = "?threat" if by == "threat" else "?column"

    def per(var: str, n: str, indent: str) -> str:
        body = f"\n{indent}  ".join(lines)
        return (f"SELECT ({key} AS {var}) (SUM(?count) AS {n}) WHERE {{\n{indent}  GRAPH "
                f"<{SUMMARY_GRAPH}> {{\n{indent}  {body}\n{indent}  }}\n{indent}}} GROUP BY "
                f"{key} HAVING (SUM(?count) > 0" + (f" && SUM(?count) {having}" if having
                                                      else "") + ")")

    head = _FROM_SUMMARY
    if best:
        return (f"{head}SELECT ?key ?label ?n WHERE {{\n  {{ {per('?key', '?n', '    ')} }}\n"
                f"  {{ SELECT ({best}(?c) AS ?best) WHERE {{ {{ {per('?other', '?c', '      ')}"
                f" }} }} }}\n  FILTER(?n = ?best)\n  ?key {label} ?label .\n}}\nORDER BY ?label")
    return (f"{head}SELECT ?key ?label ?n WHERE {{\n  {{ {per('?key', '?n', '    ')} }}\n"
            f"  ?key {label} ?label .\n}}\nORDER BY DESC(?n) ?label")


def get(store: Store, views=None) -> Summary:
    """The stored summary (cells of ``views``; default all) when it matches the graph
    (fingerprint), else a live count (of every view)."""
    s = stored(store, views)
    if s is not None and s.fingerprint == fingerprint(store):
        return s
    return compute(store)


__all__ = ["SUMMARY_GRAPH", "cell_count_query", "current", "get", "grouped_count_query",
           "materialize", "render_text", "stored", "stored_query", "to_graph", "to_ntriples"]
