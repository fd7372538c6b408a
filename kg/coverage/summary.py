"""Coverage summary: the counts behind every coverage matrix and every gap, computed once
and kept in the store, so ``kg coverage`` / ``kg gaps`` (text), the app's heat map and its
gap list read a few hundred triples at any scale.

What is counted (the same rules as :mod:`kg.coverage` and :mod:`kg.coverage.gaps`, which keep the
item lists and the evidence):

* per coverage view (``model/model``, ``model/family``, ``knowledge/model``,
  ``defense/model``) and cell (threat x column): attacks, defense evaluations and papers;
* per threat (view ``threat``): attacks, their papers, defense evaluations, and defense
  evaluations whose attacker knowledge is unknown;
* papers without a code link (code marked without a link, or no code marked).

:func:`compute` counts from six flat SELECTs (one triple pattern per join, no property
path, no label) in Python. :func:`materialize` writes the counts as derived triples
(``rd:CoverageSummary`` / ``rd:CoverageCell``) into the store's named graph
:data:`SUMMARY_GRAPH`, stamped with the graph's :func:`fingerprint` (counts of papers,
attacks and defense evaluations); ``kg load`` runs it. :func:`get` reads the stored
summary when its fingerprint matches the graph, and computes it live otherwise (always
for the in-memory rdflib store, which has no named graphs). A change that keeps the three
counts equal (an edit made straight on a remote endpoint) is not detected: run
``kg summarize`` after such edits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from ..errors import KGError
from ..sparql_text import sparql_term
from ..stores.base import Store, select_values
from ..vocab import RD, iri
from . import BYS, families

SUMMARY_GRAPH = str(iri("summary", "coverage"))
VIEWS = ("model/model", "model/family", "knowledge/model", "defense/model")
THREAT_VIEW = "threat"

ATTACKS = "SELECT ?a ?t ?p WHERE { ?a a rd:Attack ; rd:threat ?t ; rd:fromPaper ?p . }"
ATTACK_MODELS = "SELECT ?a ?m WHERE { ?a a rd:Attack ; rd:evaluatedOn ?m . }"
ATTACK_KNOWLEDGE = "SELECT ?a ?k WHERE { ?a a rd:Attack ; rd:assumesKnowledge ?k . }"
DEFENSES = ("SELECT ?d ?t ?p WHERE { ?d a rd:DefenseEvaluation ; rd:mitigates ?t ; "
            "rd:fromPaper ?p . }")
DEFENSE_MODELS = "SELECT ?d ?m WHERE { ?d a rd:DefenseEvaluation ; rd:evaluatedOn ?m . }"
DEFENSE_METHODS = "SELECT ?d ?m WHERE { ?d a rd:DefenseEvaluation ; rd:method ?m . }"
TARGET_MODELS = "SELECT ?m WHERE { ?m a rd:TargetModel . }"
NO_CODE = ("SELECT ?p ?title WHERE { VALUES ?code { rd:CodeWithoutLink rd:NoCodeMarked } "
           "?p a rd:Paper ; rd:codeAvailability ?code . OPTIONAL { ?p dcterms:title ?title . } }")
#: Papers without a code link kept by title order (the page ``kg gaps`` lists).
CODE_PAGE = 50
FINGERPRINT = """
SELECT ?papers ?attacks ?evaluations WHERE {
  { SELECT (COUNT(?p) AS ?papers) WHERE { ?p a rd:Paper . } }
  { SELECT (COUNT(?a) AS ?attacks) WHERE { ?a a rd:Attack . } }
  { SELECT (COUNT(?e) AS ?evaluations) WHERE { ?e a rd:DefenseEvaluation . } }
}
"""
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
#: The classes whose instances the build and the overview count.
SUMMARY_CLASSES = (
    ("Papers", RD.Paper),
    ("Attacks", RD.Attack),
    ("Defense evaluations", RD.DefenseEvaluation),
    ("Defense methods", RD.DefenseMethod),
    ("Threat categories", RD.ThreatCategory),
    ("Attacker knowledge levels", RD.AttackerKnowledge),
    ("Target models", RD.TargetModel),
    ("Model families", RD.ModelFamily),
    ("Source rows", RD.SourceRow),
    ("Source cells", RD.SourceCell),
    ("Curated entries", RD.CuratedEntry),
    ("Addition entries", RD.AdditionEntry),
)
#: Instances of a class (SUMMARY_CLASSES).
CLASS_COUNT = "SELECT (COUNT(?s) AS ?n) WHERE { ?s a ?cls }"
STORED_CODE_PAGE = f"""
SELECT ?p WHERE {{ GRAPH <{SUMMARY_GRAPH}> {{ ?s rd:noCodeLinkPaper ?p . }} }}
"""


@dataclass(frozen=True)
class CellCount:
    """One cell of one view: threat x column IRIs (column None for view 'threat')."""

    view: str
    threat: str
    column: str | None
    attacks: int
    defenses: int
    papers: int
    attack_papers: int = 0  # view 'threat' only
    unknown: int = 0  # view 'threat' only: defenses with unknown attacker knowledge

    @property
    def derived(self) -> int:
        """Items placed by the derived link (same paper, same threat) in this view."""
        return {"knowledge/model": self.defenses, "defense/model": self.attacks}.get(self.view, 0)

    def as_dict(self) -> dict:
        d = {"view": self.view, "threat": self.threat, "column": self.column,
             "attacks": self.attacks, "defenses": self.defenses, "papers": self.papers,
             "derived": self.derived}
        if self.view == THREAT_VIEW:
            d.update(attack_papers=self.attack_papers, unknown_knowledge=self.unknown)
        return d


@dataclass
class Summary:
    fingerprint: str
    no_code_link: int
    cells: dict[tuple[str, str, str | None], CellCount] = field(default_factory=dict)
    source: str = "live"  # live | stored: read from the store's summary graph
    code_page: list[str] = field(default_factory=list)  # first CODE_PAGE no-code-link papers
    triples: int | None = None  # of the default graph, counted when stored (kg load knows it)
    #: class IRI -> instances (SUMMARY_CLASSES), counted when stored
    classes: dict[str, int] | None = None

    def view(self, view: str) -> list[CellCount]:
        return [c for (v, _, _), c in sorted(self.cells.items(), key=lambda kv: (
            kv[0][0], kv[0][1], kv[0][2] or "")) if v == view]

    def cell(self, view: str, threat: str, column: str | None) -> CellCount | None:
        return self.cells.get((view, threat, column))

    def threat(self, threat: str) -> CellCount | None:
        return self.cells.get((THREAT_VIEW, threat, None))


def view_name(by: str, level: str) -> str:
    if by not in BYS:
        raise KGError(f"unknown coverage view {by!r}; expected one of {', '.join(BYS)}")
    name = f"{by}/{level}"
    if name not in VIEWS:
        raise KGError(f"--level {level} applies to --by model only (not --by {by})"
                      if level == "family" else f"unknown level {level!r}; expected model "
                      "or family")
    return name


def fingerprint_counts(store: Store) -> dict[str, int]:
    """Papers, attacks and defense evaluations of the graph (three COUNTs over type)."""
    row = select_values(store, FINGERPRINT)[1][0]
    return dict(zip(("papers", "attacks", "evaluations"), (int(x) for x in row), strict=True))


def fingerprint(store: Store) -> str:
    return "papers={papers};attacks={attacks};evaluations={evaluations}".format(
        **fingerprint_counts(store))


def _pairs(store: Store, q: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for a, b in select_values(store, q)[1]:
        out.setdefault(a, set()).add(b)
    return out


def compute(store: Store) -> Summary:
    """Count every view from the graph (flat queries; the joins are done here)."""
    attacks: dict[str, list[tuple[str, str]]] = {}  # attack -> [(threat, paper)]
    for a, t, p in select_values(store, ATTACKS)[1]:
        attacks.setdefault(a, []).append((t, p))
    defenses: dict[str, list[tuple[str, str]]] = {}
    for d, t, p in select_values(store, DEFENSES)[1]:
        defenses.setdefault(d, []).append((t, p))
    a_models, a_know = _pairs(store, ATTACK_MODELS), _pairs(store, ATTACK_KNOWLEDGE)
    d_models, d_methods = _pairs(store, DEFENSE_MODELS), _pairs(store, DEFENSE_METHODS)
    typed = {m for m, in select_values(store, TARGET_MODELS)[1]}
    fam = families(store)

    # view -> (threat, column) -> [attack ids, defense ids, papers]
    acc: dict[str, dict[tuple[str, str | None], tuple[set, set, set]]] = {v: {} for v in VIEWS}
    acc[THREAT_VIEW] = {}

    def put(view: str, t: str, col: str | None, kind: int, item: str, paper: str) -> None:
        c = acc[view].get((t, col))
        if c is None:
            c = acc[view][(t, col)] = (set(), set(), set())
        c[kind].add(item)
        c[2].add(paper)

    by_paper_threat: dict[tuple[str, str], list[str]] = {}  # (paper, threat) -> attacks
    for a, tps in attacks.items():
        for t, p in tps:
            by_paper_threat.setdefault((p, t), []).append(a)
            put(THREAT_VIEW, t, None, 0, a, p)
            for m in a_models.get(a, ()):
                put("model/model", t, m, 0, a, p)
                for f in (fam[m] if m in typed else ()):
                    put("model/family", t, f, 0, a, p)
            for k in a_know.get(a, ()):
                put("knowledge/model", t, k, 0, a, p)
    unknown: dict[str, set[str]] = {}
    for d, tps in defenses.items():
        for t, p in tps:
            put(THREAT_VIEW, t, None, 1, d, p)
            for m in d_models.get(d, ()):
                put("model/model", t, m, 1, d, p)
                for f in (fam[m] if m in typed else ()):
                    put("model/family", t, f, 1, d, p)
            linked = by_paper_threat.get((p, t), [])
            if not linked:
                unknown.setdefault(t, set()).add(d)
            for k in {k for a in linked for k in a_know.get(a, ())}:
                put("knowledge/model", t, k, 1, d, p)
            for method in d_methods.get(d, ()):
                put("defense/model", t, method, 1, d, p)
                for a in linked:
                    put("defense/model", t, method, 0, a, p)
    titles: dict[str, str] = {}
    for p, title in select_values(store, NO_CODE)[1]:
        titles[p] = min(titles.get(p, title or p), title or p)
    page = sorted(titles, key=lambda p: (titles[p], p))[:CODE_PAGE]
    out = Summary(fingerprint(store), len(titles), code_page=page)
    for view, cells in acc.items():
        for (t, col), (a_ids, d_ids, papers) in cells.items():
            extra = {}
            if view == THREAT_VIEW:
                a_papers = {p for a in a_ids for tt, p in attacks[a] if tt == t}
                extra = {"attack_papers": len(a_papers), "unknown": len(unknown.get(t, ()))}
            out.cells[(view, t, col)] = CellCount(view, t, col, len(a_ids), len(d_ids),
                                                  len(papers), **extra)
    return out


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
        return f'"{int(v)}"^^<{XSD.integer}>'

    node = u(SUMMARY_GRAPH)
    out = [f"{node} {u(RDF.type)} {u(RD.CoverageSummary)} .",
           f"{node} {u(RDFS.label)} {_lit('coverage summary (derived counts, kg summarize)')} .",
           f"{node} {u(RD.fingerprint)} {_lit(s.fingerprint)} .",
           f"{node} {u(RD.noCodeLinkCount)} {n(s.no_code_link)} .",
           f"{node} {u(PROV.wasGeneratedBy)} {u(iri('summary', 'kg-summarize'))} ."]
    out += [f"{node} {u(RD.noCodeLinkPaper)} {u(p)} ." for p in s.code_page]
    if s.triples is not None:
        out.append(f"{node} {u(RD.tripleCount)} {n(s.triples)} .")
    for cls, k in sorted((s.classes or {}).items()):
        c = u(iri("summary", "class", hashlib.sha256(cls.encode()).hexdigest()[:16]))
        out += [f"{node} {u(RD.classCount)} {c} .", f"{c} {u(RDF.type)} {u(RD.ClassCount)} .",
                f"{c} {u(RD.countedClass)} {u(cls)} .", f"{c} {u(RD.instanceCount)} {n(k)} ."]
    cell_type = f"{u(RDF.type)} {u(RD.CoverageCell)} ."
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
    return Graph().parse(data=to_ntriples(s).decode("utf-8"), format="nt")


def class_counts(store: Store, classes) -> dict[str, int]:
    """Instances of each of ``classes`` (IRIs), counted in the graph."""
    return {c: int(select_values(store, CLASS_COUNT, {"cls": URIRef(c)})[1][0][0])
            for c in classes}


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


#: What the gaps need (the defense-method view grows with the number of methods).
GAP_VIEWS = ("threat", "model/model", "model/family", "knowledge/model")


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
    ``kg.coverage.render_text(kg.coverage.matrix(...))``, at any scale)."""
    from . import KNOWLEDGE, THREATS, Node, render_counts, vocab_labels

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
    lines = [f"VALUES ?view {{ {sparql_term(Literal(view))} }}"]
    if threats is not None:
        lines.append("VALUES ?threat { " + " ".join(sparql_term(URIRef(t))
                                                     for t in sorted(threats)) + " }")
    if column is not None:
        lines.append(f"VALUES ?column {{ {sparql_term(URIRef(column))} }}")
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


TRIPLES_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def store_counts(store) -> tuple[int, list[tuple[str, int]]]:
    """Triples and counts per class through SPARQL, on any store."""
    triples = int(store.select(TRIPLES_QUERY).rows[0]["n"])
    n = class_counts(store, [str(cls) for _, cls in SUMMARY_CLASSES])
    return triples, [(name, n[str(cls)]) for name, cls in SUMMARY_CLASSES]


__all__ = ["Summary", "CellCount", "compute", "materialize", "stored", "get", "fingerprint",
           "current", "cell_count_query", "grouped_count_query",
           "to_graph", "to_ntriples", "class_counts", "store_counts", "view_name", "render_text",
           "SUMMARY_GRAPH", "VIEWS", "GAP_VIEWS"]

