"""The coverage counts: per coverage view (``model/model``, ``model/family``,
``knowledge/model``, ``defense/model``) and cell (threat x column), the attacks, defense
evaluations and papers; per threat (view ``threat``), the attacks, their papers, the defense
evaluations and those whose attacker knowledge is unknown; the papers without a code link
(code marked without a link, or no code marked); and the instances of the classes the build
and the overview count.

The rule: :func:`compute` is the one count. It counts from six flat SELECTs (one triple
pattern per join, no property path, no label) and does the joins in Python, with the same
rules as the item lists (:mod:`kg.coverage.cells`): a family counts every model below it,
a defense is placed by attacker knowledge or an attack by defense method only through the
derived link (same paper, same threat). :func:`fingerprint` names the graph the counts are
for (counts of papers, attacks and defense evaluations); :mod:`kg.coverage.summary` keeps
the counts in the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import KGError
from ..sparql_text import iri_ref
from ..stores.base import Store, select_values
from ..vocab import rd_iri
from . import BYS, families

VIEWS = ("model/model", "model/family", "knowledge/model", "defense/model")
THREAT_VIEW = "threat"
#: What the gaps need (the defense-method view grows with the number of methods).
GAP_VIEWS = ("threat", "model/model", "model/family", "knowledge/model")

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
#: The classes whose instances the build and the overview count (IRIs as text).
SUMMARY_CLASSES = (
    ("Papers", rd_iri("Paper")),
    ("Attacks", rd_iri("Attack")),
    ("Defense evaluations", rd_iri("DefenseEvaluation")),
    ("Defense methods", rd_iri("DefenseMethod")),
    ("Threat categories", rd_iri("ThreatCategory")),
    ("Attacker knowledge levels", rd_iri("AttackerKnowledge")),
    ("Target models", rd_iri("TargetModel")),
    ("Model families", rd_iri("ModelFamily")),
    ("Source rows", rd_iri("SourceRow")),
    ("Source cells", rd_iri("SourceCell")),
    ("Curated entries", rd_iri("CuratedEntry")),
    ("Addition entries", rd_iri("AdditionEntry")),
)
#: Instances of a class (SUMMARY_CLASSES).
CLASS_COUNT = "SELECT (COUNT(?s) AS ?n) WHERE {{ ?s a {cls} }}"
TRIPLES_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


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
    """The counts of every cell (``cells``: (view, threat, column) -> its CellCount) and of
    the papers without a code link, for the graph ``fingerprint`` names; counted ``live``
    or read from the store (``stored``)."""

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

    def attacks_in(self, view: str, threat: str, column: str | None) -> int:
        """Attacks in a cell of ``view`` (``column`` None: of the threat), 0 when none."""
        c = self.threat(threat) if column is None else self.cell(view, threat, column)
        return c.attacks if c else 0

    def defenses_in(self, view: str, threat: str, column: str | None) -> int:
        """Defense evaluations in a cell of ``view``, 0 when none."""
        c = self.cell(view, threat, column)
        return c.defenses if c else 0

    def unknown_in(self, threat: str) -> int:
        """Defense evaluations of ``threat`` whose attacker knowledge is unknown."""
        c = self.threat(threat)
        return c.unknown if c else 0


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


def class_counts(store: Store, classes) -> dict[str, int]:
    """Instances of each of ``classes`` (IRIs), counted in the graph."""
    return {c: int(select_values(store, CLASS_COUNT.format(cls=iri_ref(c)))[1][0][0])
            for c in classes}


def store_counts(store) -> tuple[int, list[tuple[str, int]]]:
    """Triples and counts per class through SPARQL, on any store."""
    triples = int(store.select(TRIPLES_QUERY).rows[0]["n"])
    n = class_counts(store, [str(cls) for _, cls in SUMMARY_CLASSES])
    return triples, [(name, n[str(cls)]) for name, cls in SUMMARY_CLASSES]


__all__ = ["CODE_PAGE", "CellCount", "GAP_VIEWS", "SUMMARY_CLASSES", "Summary", "THREAT_VIEW",
           "VIEWS", "class_counts", "compute", "fingerprint", "fingerprint_counts",
           "store_counts", "view_name"]
