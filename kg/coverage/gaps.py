"""Typed gaps: where the survey has attacks but nothing defends, each with a reason and the
evidence (papers, survey cells, derived links) behind it.

Gap types:

* ``threat_without_defense``: a threat with attacks and no defense evaluation at all;
* ``model_without_defense``: a (threat, target model) cell with attacks and no defense
  evaluated on that model (``level`` 'model') or on any model of its family (``level``
  'family': a model's family is its nearest ancestor-or-self rd:ModelFamily);
* ``knowledge_without_defense``: a (threat, attacker knowledge) pair with attacks and no
  defense *known* to be evaluated against such an attack. The link defense -> attack is
  derived (same paper, same threat); defenses with no such link have unknown attacker
  knowledge, and the reason says so: unknown is never counted as none;
* ``no_public_code``: a paper whose code cells carry no link (rd:NoPublicCode).

Each negation query exists in three shapes (FILTER NOT EXISTS, MINUS, OPTIONAL + !BOUND)
in :data:`QUERY_SHAPES`, so backends can be compared; all shapes give the same rows, and
:func:`find_gaps` uses the store's fastest (``kg.store.preferred_shape``). Family-level
gaps are the model-level gap rows whose family (worked out in Python from the small model
tree) has no defense; labels and survey cells are fetched only for the nodes of the gaps
found (``VALUES`` blocks), so the cost follows the gaps, not the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib.namespace import DCTERMS, RDFS, SKOS

from ..errors import KGError
from ..store import Store, preferred_shape, select_values, values_block
from ..vocab import RD
from . import FAMILY_PATTERN, TARGET_MODELS, families

SHAPES = ("not_exists", "minus", "optional")
DEFAULT_SHAPE = "not_exists"
GAP_TYPES = ("threat_without_defense", "model_without_defense", "knowledge_without_defense",
             "no_public_code")


def _shapes(head: str, body: str, negated: str, witness: str) -> dict[str, str]:
    """The same anti-join written three ways; ``witness`` is a variable bound only by
    ``negated`` (for the OPTIONAL / !BOUND shape)."""
    return {
        "not_exists": f"{head} WHERE {{{body}  FILTER NOT EXISTS {{{negated}}}\n}}",
        "minus": f"{head} WHERE {{{body}  MINUS {{{negated}}}\n}}",
        "optional": f"{head} WHERE {{{body}  OPTIONAL {{{negated}}}\n"
                    f"  FILTER (!BOUND(?{witness}))\n}}",
    }


THREAT_WITHOUT_DEFENSE_SHAPES = _shapes(
    "SELECT ?threat ?attack ?paper",
    """
  ?attack a rd:Attack ; rd:threat ?threat ; rd:fromPaper ?paper .
""",
    """
    ?defense a rd:DefenseEvaluation ; rd:mitigates ?threat .
  """,
    "defense",
)

MODEL_WITHOUT_DEFENSE_SHAPES = _shapes(
    "SELECT ?threat ?model ?attack ?paper",
    """
  ?attack a rd:Attack ; rd:threat ?threat ; rd:evaluatedOn ?model ; rd:fromPaper ?paper .
""",
    """
    ?defense a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:evaluatedOn ?model .
  """,
    "defense",
)

FAMILY_WITHOUT_DEFENSE_SHAPES = _shapes(
    "SELECT ?threat ?family ?model ?attack ?paper",
    """
  ?attack a rd:Attack ; rd:threat ?threat ; rd:evaluatedOn ?model ; rd:fromPaper ?paper .
""" + FAMILY_PATTERN.format(m="model", f="family"),
    # ?family is the attack model's family (a rd:ModelFamily, or a model with no family
    # above it); a defense model belongs to it when ?family is its nearest family-or-self.
    # Written without a sub-SELECT: rdflib mis-evaluates a sub-SELECT inside NOT EXISTS.
    """
    ?defense a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:evaluatedOn ?defenseModel .
    ?defenseModel skos:broader* ?family .
    FILTER NOT EXISTS { ?defenseModel skos:broader* ?nearer . ?nearer a rd:ModelFamily .
                        ?nearer skos:broader+ ?family . }
    FILTER (?defenseModel = ?family || EXISTS { ?family a rd:ModelFamily . })
  """,
    "defense",
)

KNOWLEDGE_WITHOUT_DEFENSE_SHAPES = _shapes(
    "SELECT ?threat ?knowledge ?attack ?paper",
    """
  ?attack a rd:Attack ; rd:threat ?threat ; rd:assumesKnowledge ?knowledge ; rd:fromPaper ?paper .
""",
    """
    ?defense a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:fromPaper ?defensePaper .
    ?defended a rd:Attack ; rd:fromPaper ?defensePaper ; rd:threat ?threat ;
              rd:assumesKnowledge ?knowledge .
  """,
    "defense",
)

# Defense evaluations of a threat whose attacker knowledge is unknown (nothing to derive it
# from: the paper reports no attack on that threat).
UNKNOWN_KNOWLEDGE_SHAPES = _shapes(
    "SELECT ?threat ?defense ?paper",
    """
  ?defense a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:fromPaper ?paper .
""",
    """
    ?a a rd:Attack ; rd:fromPaper ?paper ; rd:threat ?threat .
  """,
    "a",
)

THREAT_WITHOUT_DEFENSE = THREAT_WITHOUT_DEFENSE_SHAPES[DEFAULT_SHAPE]
MODEL_WITHOUT_DEFENSE = MODEL_WITHOUT_DEFENSE_SHAPES[DEFAULT_SHAPE]
FAMILY_WITHOUT_DEFENSE = FAMILY_WITHOUT_DEFENSE_SHAPES[DEFAULT_SHAPE]
KNOWLEDGE_WITHOUT_DEFENSE = KNOWLEDGE_WITHOUT_DEFENSE_SHAPES[DEFAULT_SHAPE]
UNKNOWN_KNOWLEDGE_DEFENSES = UNKNOWN_KNOWLEDGE_SHAPES["minus"]

# query name -> shape -> SPARQL (for the store benchmark; the shapes must agree)
QUERY_SHAPES: dict[str, dict[str, str]] = {
    "threat_without_defense": THREAT_WITHOUT_DEFENSE_SHAPES,
    "model_without_defense": MODEL_WITHOUT_DEFENSE_SHAPES,
    "family_without_defense": FAMILY_WITHOUT_DEFENSE_SHAPES,
    "knowledge_without_defense": KNOWLEDGE_WITHOUT_DEFENSE_SHAPES,
    "unknown_knowledge_defenses": UNKNOWN_KNOWLEDGE_SHAPES,
}

# Defense evaluations per (threat, family) with the model they were evaluated on: the
# context a model-level gap gives ("its family is covered, by ... on ..."). find_gaps
# computes it from DEFENSE_CELLS and FAMILY_DEFENSES_OF (bound to the cells it needs).
FAMILY_DEFENSES = """
SELECT ?threat ?family ?defense ?defenseModel WHERE {
  ?defense a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:evaluatedOn ?defenseModel .
""" + FAMILY_PATTERN.format(m="defenseModel", f="family") + "}"

# The (threat, model) cells with a defense evaluation (a few hundred rows at most).
DEFENSE_CELLS = """
SELECT DISTINCT ?threat ?defenseModel WHERE {
  ?defense a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:evaluatedOn ?defenseModel .
}
"""

# The defense evaluations of given (threat, model) cells ({values}: a VALUES block).
FAMILY_DEFENSES_OF = """
SELECT ?threat ?defense ?defenseModel WHERE {{
  {values}
  ?defense rd:mitigates ?threat ; rd:evaluatedOn ?defenseModel ; a rd:DefenseEvaluation .
}}
"""

NO_PUBLIC_CODE = """
SELECT ?paper WHERE { ?paper a rd:Paper ; rd:codeAvailability rd:NoPublicCode . }
"""

# The survey cells behind a row node's facts: node, property, cell label, cell text.
SOURCE_CELLS = """
SELECT ?node ?p ?where ?text WHERE {
  ?node prov:wasDerivedFrom ?row . ?row a rd:SourceRow ; rd:hasCell ?cell .
  ?cell rd:column ?col ; rd:cellText ?text ; rdfs:label ?where .
  ?col rd:mapsTo ?p .
}
"""

# SOURCE_CELLS of given nodes ({values}: a VALUES block of ?node).
SOURCE_CELLS_OF = """
SELECT ?node ?p ?where ?text WHERE {{
  {values}
  ?node prov:wasDerivedFrom ?row . ?row a rd:SourceRow ; rd:hasCell ?cell .
  ?cell rd:column ?col ; rd:cellText ?text ; rdfs:label ?where .
  ?col rd:mapsTo ?p .
}}
"""

# The label statements of given nodes; (type, property) pairs as in kg.coverage.LABELS,
# then threats and knowledge levels (which win, as in kg.coverage.labels).
NODE_LABELS_OF = """
SELECT ?node ?type ?p ?label WHERE {{
  {values}
  ?node a ?type ; ?p ?label .
  FILTER (?p IN (skos:prefLabel, rdfs:label, dcterms:title))
}}
"""
_LABEL_RANK = {(str(RD.TargetModel), str(SKOS.prefLabel)): 0,
               (str(RD.DefenseMethod), str(RDFS.label)): 0,
               (str(RD.Paper), str(DCTERMS.title)): 0,
               (str(RD.Attack), str(RDFS.label)): 0,
               (str(RD.DefenseEvaluation), str(RDFS.label)): 0,
               (str(RD.ThreatCategory), str(SKOS.prefLabel)): 1,
               (str(RD.AttackerKnowledge), str(SKOS.prefLabel)): 2}

# A paper's Code cells (the evidence of "no public code"), for papers with no public code.
CODE_CELLS = """
SELECT ?paper ?where ?text WHERE {
  ?paper a rd:Paper ; rd:codeAvailability rd:NoPublicCode ; prov:wasDerivedFrom ?row .
  ?row rd:hasCell ?cell .
  ?cell rd:column/rd:header "Code" ; rd:cellText ?text ; rdfs:label ?where .
}
"""

# CODE_CELLS of given papers ({values}: a VALUES block of ?paper).
CODE_CELLS_OF = """
SELECT ?paper ?where ?text WHERE {{
  {values}
  ?paper prov:wasDerivedFrom ?row . ?row rd:hasCell ?cell .
  ?cell rd:column/rd:header "Code" ; rd:cellText ?text ; rdfs:label ?where .
}}
"""

# A page of the papers without public code, when more are asked for than the summary keeps
# (kg.coverage.summary.CODE_PAGE, the first by title). No ORDER BY: sorting 40,000 IRIs takes
# Oxigraph 4.5 s; such a page is in the store's order (shown sorted by title).
NO_PUBLIC_CODE_PAGE = NO_PUBLIC_CODE.rstrip() + " LIMIT "

_BATCH = 2000  # nodes per VALUES block


def _batches(items: list, n: int = _BATCH):
    for i in range(0, len(items), n):
        yield items[i:i + n]


# Property (as a qname) whose cell explains each gap type's attacks.
_CELL_PROPERTY = {"threat_without_defense": "threat", "model_without_defense": "evaluatedOn",
                  "knowledge_without_defense": "assumesKnowledge"}


@dataclass
class Gap:
    type: str
    reason: str
    cells: list[dict]  # the coverage cell(s): {"threat": {...}, "model"/"knowledge"/"paper": {...}}
    evidence: list[dict] = field(default_factory=list)
    level: str | None = None  # model | family, for model_without_defense

    @property
    def key(self) -> tuple:
        """Identity of the gap (type, level and the cell IRIs), independent of wording."""
        return (self.type, self.level,
                tuple(sorted(tuple(sorted((k, v["iri"]) for k, v in c.items())) for c in self.cells)))

    def as_dict(self) -> dict:
        d = {"type": self.type, "reason": self.reason, "cells": self.cells,
             "evidence": self.evidence}
        if self.level is not None:
            d["level"] = self.level
        return d


class _Ctx:
    """Labels and survey cells, fetched for the nodes of the gaps found (not the graph)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.lab: dict[str, str] = {}
        self._ranked: dict[str, tuple[int, str]] = {}
        self.cells: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._labelled: set[str] = set()
        self._celled: set[str] = set()
        self._model_rows: dict[str, list[tuple]] = {}
        self._fam = None

    def fetch(self, nodes, cells_of=()) -> None:
        """Fetch the labels of ``nodes`` and the survey cells of ``cells_of`` (IRIs)."""
        todo = sorted(set(nodes) - self._labelled)
        self._labelled.update(todo)
        for batch in _batches(todo):
            q = NODE_LABELS_OF.format(values=values_block(["node"], [(n,) for n in batch]))
            for node, typ, p, label in select_values(self.store, q)[1]:
                rank = _LABEL_RANK.get((typ, p))
                if rank is not None and rank >= self._ranked.get(node, (-1, ""))[0]:
                    self._ranked[node] = (rank, label)
                    self.lab[node] = label
        todo = sorted(set(cells_of) - self._celled)
        self._celled.update(todo)
        for batch in _batches(todo):
            q = SOURCE_CELLS_OF.format(values=values_block(["node"], [(n,) for n in batch]))
            for node, p, where, text in select_values(self.store, q)[1]:
                self.cells.setdefault((node, p.rsplit("#", 1)[-1]), []).append((where, text))

    def model_rows(self, shape: str) -> list[tuple]:
        """The model-level gap rows (threat, model, attack, paper), once per shape."""
        if shape not in self._model_rows:
            self._model_rows[shape] = [
                (str(r["threat"]), str(r["model"]), str(r["attack"]), str(r["paper"]))
                for r in _run(self.store, MODEL_WITHOUT_DEFENSE_SHAPES, shape)]
        return self._model_rows[shape]

    def families(self):
        """(node -> families, typed target models, node -> family as kg.coverage.family_of)."""
        if self._fam is None:
            fam = families(self.store)
            models = {m for m, in select_values(self.store, TARGET_MODELS)[1]}
            self._fam = (fam, models, {m: fam[m][-1] for m in models})
        return self._fam

    def node(self, t) -> dict:
        return {"iri": str(t), "label": self.lab.get(str(t), str(t))}

    def attack_evidence(self, attacks: dict[str, str], prop: str) -> list[dict]:
        """Per attack: its paper, and the survey cell stating the gap's column."""
        out = []
        for attack, paper in sorted(attacks.items(), key=lambda kv: self.lab.get(kv[0], kv[0])):
            ev = {"kind": "attack", **self.node(attack), "paper": self.node(paper),
                  "cells": [{"where": w, "text": t}
                            for w, t in sorted(set(self.cells.get((attack, prop), [])))]}
            out.append(ev)
        return out


def _run(store: Store, shapes: dict[str, str], shape: str | None):
    shape = shape or preferred_shape(store)
    if shape not in SHAPES:
        raise KGError(f"unknown query shape {shape!r}; expected one of {', '.join(SHAPES)}")
    return store.select(shapes[shape])


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def threat_gaps(store: Store, ctx: _Ctx | None = None, shape: str | None = None) -> list[Gap]:
    ctx = ctx or _Ctx(store)
    by: dict[str, dict[str, str]] = {}
    for r in _run(store, THREAT_WITHOUT_DEFENSE_SHAPES, shape):
        by.setdefault(str(r["threat"]), {})[str(r["attack"])] = str(r["paper"])
    attacks = {a for v in by.values() for a in v}
    ctx.fetch(set(by) | attacks | {p for v in by.values() for p in v.values()}, attacks)
    gaps = []
    for threat, attacks in by.items():
        t = ctx.node(threat)
        reason = _threat_reason(t["label"], len(attacks), len(set(attacks.values())))
        ev = ctx.attack_evidence(attacks, "threat")
        ev.append({"kind": "absent", "where": "defense table, column 'Threats'",
                   "text": f"no row names {t['label']}"})
        gaps.append(Gap("threat_without_defense", reason, [{"threat": t}], ev))
    return gaps


def model_gaps(store: Store, level: str = "model", ctx: _Ctx | None = None,
               shape: str | None = None) -> list[Gap]:
    if level not in ("model", "family"):
        raise KGError(f"unknown level {level!r}; expected model or family")
    ctx = ctx or _Ctx(store)
    rows = ctx.model_rows(shape or preferred_shape(store))
    fam, models, family_of = ctx.families()
    defense_cells = [(t, dm) for t, dm in select_values(store, DEFENSE_CELLS)[1]]
    by: dict[tuple[str, str], dict[str, str]] = {}
    on: dict[tuple[str, str], set[str]] = {}
    if level == "model":
        for t, m, a, p in rows:
            by.setdefault((t, m), {})[a] = p
    else:
        # a family-level gap row is a model-level one (a defense on the model would be in
        # its family) whose family has no defense on any of its models
        covered = {(t, f) for t, dm in defense_cells for f in fam[dm]}
        for t, m, a, p in rows:
            if m in models:
                for f in fam[m]:
                    if (t, f) not in covered:
                        by.setdefault((t, f), {})[a] = p
                        on.setdefault((t, f), set()).add(m)
    fam_defs: dict[tuple[str, str], set[tuple[str, str]]] = {}
    need: set[tuple[str, str]] = set()
    if level == "model":
        need = {(t, family_of.get(m, m)) for t, m in by}
        pairs = sorted((t, dm) for t, dm in defense_cells
                       if dm in models and any((t, f) in need for f in fam[dm]))
        for batch in _batches(pairs):
            q = FAMILY_DEFENSES_OF.format(values=values_block(["threat", "defenseModel"], batch))
            for t, d, dm in select_values(store, q)[1]:
                for f in fam[dm]:
                    fam_defs.setdefault((t, f), set()).add((d, dm))
    attacks = {a for v in by.values() for a in v}
    ctx.fetch({x for k in by for x in k} | attacks | {p for v in by.values() for p in v.values()}
              | {x for m in on.values() for x in m} | {f for _, f in need}
              | {x for k, v in fam_defs.items() for x in (k[1], *(y for d in v for y in d))},
              attacks)
    gaps = []
    for (threat, m), attacks in by.items():
        t, mn = ctx.node(threat), ctx.node(m)
        ev = ctx.attack_evidence(attacks, "evaluatedOn")
        if level == "model":
            reason = _model_reason(t["label"], mn["label"], len(attacks))
            f = family_of.get(m, m)
            covering = sorted(fam_defs.get((threat, f), set()))
            if covering:
                names = sorted({ctx.lab.get(dm, dm) for _, dm in covering})
                reason += _family_covered(ctx.lab.get(f, f), len({d for d, _ in covering}), names)
                ev += [{"kind": "family_defense", **ctx.node(d), "evaluated_on": ctx.node(dm),
                        "family": ctx.node(f)} for d, dm in covering]
            elif f != m:
                reason += f", nor on any model of its family {ctx.lab.get(f, f)}"
        else:
            names = sorted(ctx.lab.get(x, x) for x in on[(threat, m)])
            reason = _family_reason(t["label"], mn["label"], len(attacks), names)
        cell = {"threat": t, "model": mn}
        gaps.append(Gap("model_without_defense", reason, [cell], ev, level=level))
    return gaps


def _family_covered(family: str, n: int, names: list[str]) -> str:
    return (f"; its family {family} has {_plural(n, 'defense evaluation')} (on "
            f"{', '.join(names)}), so the family-level view shows no gap here")


def _threat_reason(threat: str, attacks: int, papers: int) -> str:
    return (f"{threat}: {_plural(attacks, 'attack')} ({_plural(papers, 'paper')}) in the attack "
            "table, and no row of the defense table mitigates it: no defense at all")


def _model_reason(threat: str, model: str, attacks: int) -> str:
    return (f"{threat} on {model}: {_plural(attacks, 'attack')} evaluated on {model}, no defense "
            f"evaluated on {model} itself")


def _family_reason(threat: str, family: str, attacks: int, names: list[str]) -> str:
    return (f"{threat} on family {family}: {_plural(attacks, 'attack')} evaluated on "
            f"{', '.join(names)}, no defense evaluated on any model of the family")


def _knowledge_reason(threat: str, knowledge: str, attacks: int, unknown: int) -> str:
    lk = knowledge.lower()
    reason = (f"{threat} with {lk} knowledge: {_plural(attacks, 'attack')} assume it; no defense "
              f"is known to be evaluated against a {lk} attack (derived: a defense counts when "
              f"its paper also reports a {lk} attack on this threat)")
    if unknown:
        return reason + (f"; the attacker knowledge of {_plural(unknown, 'defense evaluation')} "
                         "of this threat is unknown (their papers report no attack to derive it "
                         "from): unknown, not none, so they may cover this cell")
    return reason + "; no defense of this threat has unknown attacker knowledge"


def _code_reason(paper: str, cells: int) -> str:
    return (f"{paper}: no public code; the survey's Code "
            f"{'cell has' if cells == 1 else 'cells have'} no link")



def knowledge_gaps(store: Store, ctx: _Ctx | None = None,
                   shape: str | None = None) -> list[Gap]:
    ctx = ctx or _Ctx(store)
    by: dict[tuple[str, str], dict[str, str]] = {}
    for r in _run(store, KNOWLEDGE_WITHOUT_DEFENSE_SHAPES, shape):
        by.setdefault((str(r["threat"]), str(r["knowledge"])), {})[str(r["attack"])] = str(r["paper"])
    unknown: dict[str, list[tuple[str, str]]] = {}
    for r in _run(store, UNKNOWN_KNOWLEDGE_SHAPES, shape):
        unknown.setdefault(str(r["threat"]), []).append((str(r["defense"]), str(r["paper"])))
    attacks = {a for v in by.values() for a in v}
    threats = {t for t, _ in by}
    ctx.fetch({x for k in by for x in k} | attacks | {p for v in by.values() for p in v.values()}
              | {x for t in threats for dp in unknown.get(t, ()) for x in dp}, attacks)
    gaps = []
    for (threat, k), attacks in by.items():
        t, kn = ctx.node(threat), ctx.node(k)
        unk = sorted(unknown.get(threat, []), key=lambda x: ctx.lab.get(x[0], x[0]))
        reason = _knowledge_reason(t["label"], kn["label"], len(attacks), len(unk))
        ev = ctx.attack_evidence(attacks, "assumesKnowledge")
        ev += [{"kind": "unknown_knowledge", **ctx.node(d), "paper": ctx.node(p),
                "knowledge": "unknown"} for d, p in unk]
        gaps.append(Gap("knowledge_without_defense", reason, [{"threat": t, "knowledge": kn}], ev))
    return gaps


def code_gaps(store: Store, ctx: _Ctx | None = None) -> list[Gap]:
    ctx = ctx or _Ctx(store)
    cells: dict[str, set[tuple[str, str]]] = {}
    for paper, where, text in select_values(store, CODE_CELLS)[1]:
        cells.setdefault(paper, set()).add((where, text))
    papers = [p for p, in select_values(store, NO_PUBLIC_CODE)[1]]
    ctx.fetch(papers)
    gaps = []
    for paper in papers:
        p = ctx.node(paper)
        cs = sorted(cells.get(p["iri"], set()))
        reason = _code_reason(p["label"], len(cs))
        ev = [{"kind": "paper", **p}] + [{"kind": "survey_cell", "where": w, "text": t}
                                         for w, t in cs]
        gaps.append(Gap("no_public_code", reason, [{"paper": p}], ev))
    return gaps


def find_gaps(store: Store, shape: str | None = None) -> list[Gap]:
    """Every gap of the graph, sorted by type, then level, then cell labels; the anti-join
    queries in ``shape`` (default: the store's fastest, ``kg.store.preferred_shape``)."""
    shape = shape or preferred_shape(store)
    if shape not in SHAPES:
        raise KGError(f"unknown query shape {shape!r}; expected one of {', '.join(SHAPES)}")
    ctx = _Ctx(store)
    return _sorted(threat_gaps(store, ctx, shape) + model_gaps(store, "model", ctx, shape)
                   + model_gaps(store, "family", ctx, shape) + knowledge_gaps(store, ctx, shape)
                   + code_gaps(store, ctx))


def _sorted(gaps: list[Gap]) -> list[Gap]:
    order = {t: i for i, t in enumerate(GAP_TYPES)}
    return sorted(gaps, key=lambda g: (order[g.type], g.level or "", not g.cells,
                                       [sorted(v["label"] for v in c.values()) for c in g.cells]))


def from_summary(store: Store, s=None, code_limit: int = 50) -> list[Gap]:
    """The gaps of :func:`find_gaps` (same types, cells and reasons) without evidence, from
    the coverage summary (``kg.coverage.summary.get``: the store's stored counts when fresh), so the
    cost does not grow with the graph. Papers without public code are listed up to
    ``code_limit`` (the first by title, up to kg.coverage.summary.CODE_PAGE; beyond that a page in the
    store's order); one last gap with no cell counts the rest."""
    from . import summary as summary_mod

    s = s if s is not None else summary_mod.get(store, summary_mod.GAP_VIEWS)
    ctx = _Ctx(store)
    fam, models, family_of = ctx.families()

    def cells(view: str, empty_defenses: bool = True):
        return [c for c in s.view(view) if c.attacks and (not empty_defenses or not c.defenses)]

    def defended(view: str, t: str, col: str) -> int:
        c = s.cell(view, t, col)
        return c.defenses if c else 0

    threat_cells, model_cells = cells("threat"), cells("model/model")
    family_cells, know_cells = cells("model/family"), cells("knowledge/model")
    attacked = {(c.threat, c.column) for c in cells("model/model", False)}
    nodes = {x for c in threat_cells + model_cells + family_cells + know_cells
             for x in (c.threat, c.column) if x}
    nodes |= {family_of.get(c.column, c.column) for c in model_cells}
    nodes |= {m for m in models for c in model_cells + family_cells
              if defended("model/model", c.threat, m) or (c.threat, m) in attacked}
    if code_limit <= len(s.code_page) or s.no_public_code <= len(s.code_page):
        papers = s.code_page[:code_limit]  # the first by title, counted with the summary
    else:
        papers = [p for p, in select_values(store, NO_PUBLIC_CODE_PAGE + str(int(code_limit)))[1]]
    ctx.fetch(nodes | set(papers))
    gaps = []
    for c in threat_cells:
        t = ctx.node(c.threat)
        gaps.append(Gap("threat_without_defense",
                        _threat_reason(t["label"], c.attacks, c.attack_papers), [{"threat": t}]))
    for c in model_cells:
        t, mn = ctx.node(c.threat), ctx.node(c.column)
        reason = _model_reason(t["label"], mn["label"], c.attacks)
        f = family_of.get(c.column, c.column)
        n = defended("model/family", c.threat, f)
        if n:
            names = sorted({ctx.lab.get(dm, dm) for dm in models
                            if f in fam[dm] and defended("model/model", c.threat, dm)})
            reason += _family_covered(ctx.lab.get(f, f), n, names)
        elif f != c.column:
            reason += f", nor on any model of its family {ctx.lab.get(f, f)}"
        gaps.append(Gap("model_without_defense", reason, [{"threat": t, "model": mn}],
                        level="model"))
    for c in family_cells:
        t, fn = ctx.node(c.threat), ctx.node(c.column)
        names = sorted(ctx.lab.get(m, m) for m in models
                       if c.column in fam[m] and (c.threat, m) in attacked)
        gaps.append(Gap("model_without_defense",
                        _family_reason(t["label"], fn["label"], c.attacks, names),
                        [{"threat": t, "model": fn}], level="family"))
    for c in know_cells:
        t, kn = ctx.node(c.threat), ctx.node(c.column)
        unknown = s.threat(c.threat).unknown if s.threat(c.threat) else 0
        gaps.append(Gap("knowledge_without_defense",
                        _knowledge_reason(t["label"], kn["label"], c.attacks, unknown),
                        [{"threat": t, "knowledge": kn}]))
    code_cells: dict[str, int] = {}
    for batch in _batches(papers):
        q = CODE_CELLS_OF.format(values=values_block(["paper"], [(p,) for p in batch]))
        for paper, _where, _text in set(select_values(store, q)[1]):
            code_cells[paper] = code_cells.get(paper, 0) + 1
    for paper in papers:
        p = ctx.node(paper)
        gaps.append(Gap("no_public_code", _code_reason(p["label"], code_cells.get(paper, 0)),
                        [{"paper": p}]))
    if s.no_public_code > len(papers):
        rest = s.no_public_code - len(papers)
        gaps.append(Gap("no_public_code",
                        f"… and {_plural(rest, 'more paper')} without public code (`kg gaps "
                        "--type no_public_code --json` lists them all, with evidence)", [],
                        [{"kind": "not_listed", "count": rest}]))
    return _sorted(gaps)


def summary(gaps: list[Gap]) -> dict[str, int]:
    out: dict[str, int] = {}
    for g in gaps:
        name = g.type + (f"@{g.level}" if g.level else "")
        out[name] = out.get(name, 0) + 1
    return out


def render_text(gaps: list[Gap]) -> str:
    out = []
    current = None
    for g in gaps:
        head = g.type + (f" ({g.level} level)" if g.level else "")
        if head != current:
            out += (["", head] if out else [head])
            current = head
        out.append(f"  - {g.reason}")
    listed = [g for g in gaps if g.cells]  # a cell-less gap counts papers not listed
    more = sum(e["count"] for g in gaps if not g.cells for e in g.evidence
               if e.get("kind") == "not_listed")
    counts = summary(listed)
    if more:
        counts["no_public_code"] = counts.get("no_public_code", 0) + more
    text = ", ".join(f"{k}: {v}" for k, v in counts.items())
    out += ["", f"{_plural(len(listed) + more, 'gap')} ({text}); kg gaps --json gives the "
            "evidence"]
    return "\n".join(out)


__all__ = ["Gap", "find_gaps", "from_summary", "QUERY_SHAPES", "SHAPES", "GAP_TYPES", "render_text",
           "summary"]
