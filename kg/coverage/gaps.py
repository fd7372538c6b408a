"""Typed gaps: where the survey has attacks but nothing defends, each with a reason and the
evidence (papers, survey cells, derived links) behind it.

Gap types:

* ``threat_without_defense``: a threat with attacks and no defense evaluation at all;
* ``model_without_defense``: a (threat, target model) cell with attacks and no defense
  evaluated on that model (``level`` 'model') or on any model of its family (``level``
  'family': a family covers every model below it, ``skos:broader*``, kg.family);
* ``knowledge_without_defense``: a (threat, attacker knowledge) pair with attacks and no
  defense *known* to be evaluated against such an attack. The link defense -> attack is
  derived (same paper, same threat); defenses with no such link have unknown attacker
  knowledge, and the reason says so: unknown is never counted as none;
* ``no_code_link``: a paper the source links no code repository for: its survey Code cell
  marks code but gives no link (rd:CodeWithoutLink), or marks no code (rd:NoCodeMarked).
  Neither says the code is unavailable: the reason says what the survey says.

Gaps are a pure function of the coverage cells (:mod:`kg.coverage.summary`: the counts
of every cell, stored in the store when current, else counted live from flat queries):
a cell with attacks and no defense is a gap, and its reason is worded from the counts. The
evidence (attacks, papers, survey cells, the defenses covering a model gap's family) is
fetched afterwards by queries bound to the cells of the gaps found (``VALUES`` blocks), so
its cost follows the gaps, not the graph. (The anti-join formulations of the same gaps,
NOT EXISTS / MINUS / OPTIONAL, live in benchmarks/gap_shapes.py for the store benchmark.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from ..sparql_text import sparql_term, values_blocks
from ..stores.base import Store, select_values
from ..survey import CODE
from ..vocab import RD
from . import TARGET_MODELS, families

GAP_TYPES = ("threat_without_defense", "model_without_defense", "knowledge_without_defense",
             "no_code_link")


# The defense evaluations of given (threat, model) cells ({values}: a VALUES block).
FAMILY_DEFENSES_OF = """
SELECT ?threat ?defense ?defenseModel WHERE {{
  {values}
  ?defense rd:mitigates ?threat ; rd:evaluatedOn ?defenseModel ; a rd:DefenseEvaluation .
}}
"""

NO_CODE_LINK = """
SELECT ?paper WHERE {
  VALUES ?code { rd:CodeWithoutLink rd:NoCodeMarked }
  ?paper a rd:Paper ; rd:codeAvailability ?code .
}
"""

# The code availability of given papers ({values}: a VALUES block of ?paper).
CODE_STATE_OF = """
SELECT ?paper ?code WHERE {{
  {values}
  ?paper rd:codeAvailability ?code .
}}
"""

# The survey cells behind given row nodes' facts: node, property, cell label, cell text
# ({values}: a VALUES block of ?node).
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

# A paper's Code cells (the evidence of a missing code link), for given papers
# ({values}: a VALUES block of ?paper).
CODE_CELLS_OF = """
SELECT ?paper ?where ?text WHERE {{
  {values}
  ?paper prov:wasDerivedFrom ?row . ?row rd:hasCell ?cell .
  ?cell rd:column/rd:header {code} ; rd:cellText ?text ; rdfs:label ?where .
}}
""".replace("{code}", sparql_term(Literal(CODE)))

# A page of the papers without a code link, when more are asked for than the summary keeps
# (kg.coverage.summary.CODE_PAGE, the first by title). No ORDER BY: sorting 40,000 IRIs takes
# Oxigraph 4.5 s; such a page is in the store's order (shown sorted by title).
NO_CODE_LINK_PAGE = NO_CODE_LINK.rstrip() + " LIMIT "


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
    #: pieces of evidence of each kind the full list has (counted from the coverage cells,
    #: not from the list, which stops at ``evidence_limit``); None: evidence not fetched
    evidence_counts: dict[str, int] | None = None

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
        if self.evidence_counts is not None:
            total = sum(self.evidence_counts.values())
            d.update(evidence_total=total, evidence_counts=dict(sorted(
                self.evidence_counts.items())), evidence_truncated=len(self.evidence) < total)
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
        self._fam = None

    def fetch(self, nodes, cells_of=()) -> None:
        """Fetch the labels of ``nodes`` and the survey cells of ``cells_of`` (IRIs)."""
        todo = sorted(set(nodes) - self._labelled)
        self._labelled.update(todo)
        for block in values_blocks(["node"], [(n,) for n in todo]):
            q = NODE_LABELS_OF.format(values=block)
            for node, typ, p, label in select_values(self.store, q)[1]:
                rank = _LABEL_RANK.get((typ, p))
                if rank is not None and rank >= self._ranked.get(node, (-1, ""))[0]:
                    self._ranked[node] = (rank, label)
                    self.lab[node] = label
        todo = sorted(set(cells_of) - self._celled)
        self._celled.update(todo)
        for block in values_blocks(["node"], [(n,) for n in todo]):
            q = SOURCE_CELLS_OF.format(values=block)
            for node, p, where, text in select_values(self.store, q)[1]:
                self.cells.setdefault((node, p.rsplit("#", 1)[-1]), []).append((where, text))

    def families(self):
        """(node -> families, typed target models, node -> family as kg.coverage.family_of)."""
        if self._fam is None:
            fam = families(self.store)
            models = {m for m, in select_values(self.store, TARGET_MODELS)[1]}
            self._fam = (fam, models, {m: fam[m][0] for m in models})
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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


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


def _code_reason(paper: str, cells: int, state: str | None) -> str:
    """What the source says, no more: never that the code is unavailable."""
    if state == str(RD.CodeWithoutLink):
        return (f"{paper}: no code link in the survey; the survey marks code but gives no link "
                f"({_plural(cells, 'Code cell')}, none with a link)")
    if cells:
        return (f"{paper}: no code link in the survey; the survey marks no code "
                f"({_plural(cells, 'Code cell')}, {'empty' if cells == 1 else 'all empty'})")
    return f"{paper}: no code link; a curated addition marks no code (code: none)"



def _sorted(gaps: list[Gap]) -> list[Gap]:
    order = {t: i for i, t in enumerate(GAP_TYPES)}
    return sorted(gaps, key=lambda g: (order[g.type], g.level or "", not g.cells,
                                       [sorted(v["label"] for v in c.values()) for c in g.cells]))


# Evidence queries, bound to the cells of the gaps found ({values}: a VALUES block).
ATTACKS_OF_THREATS = """
SELECT ?threat ?attack ?paper WHERE {{
  {values}
  ?attack a rd:Attack ; rd:threat ?threat ; rd:fromPaper ?paper .
}}
"""
ATTACKS_OF_MODEL_CELLS = """
SELECT ?threat ?model ?attack ?paper WHERE {{
  {values}
  ?attack a rd:Attack ; rd:threat ?threat ; rd:evaluatedOn ?model ; rd:fromPaper ?paper .
}}
"""
# A family gap's attacks: evaluated on any model of the family (once each).
ATTACKS_OF_FAMILY_CELLS = """
SELECT DISTINCT ?threat ?attack ?paper WHERE {{
  {values}
  ?attack a rd:Attack ; rd:threat ?threat ; rd:evaluatedOn ?model ; rd:fromPaper ?paper .
}}
"""
ATTACKS_OF_KNOWLEDGE_CELLS = """
SELECT ?threat ?knowledge ?attack ?paper WHERE {{
  {values}
  ?attack a rd:Attack ; rd:threat ?threat ; rd:assumesKnowledge ?knowledge ;
          rd:fromPaper ?paper .
}}
"""
# Defense evaluations of a threat whose attacker knowledge is unknown (no attack of the same
# paper and threat to derive it from).
UNKNOWN_KNOWLEDGE_OF = """
SELECT ?threat ?defense ?paper WHERE {{
  {values}
  ?defense a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:fromPaper ?paper .
  MINUS {{ ?a a rd:Attack ; rd:fromPaper ?paper ; rd:threat ?threat . }}
}}
"""


def _rows(store: Store, template: str, names: list[str], keys) -> list[tuple]:
    out: list[tuple] = []
    for block in values_blocks(names, sorted(set(keys))):
        q = template.format(values=block)
        out += select_values(store, q)[1]
    return out


def find_gaps(store: Store, s=None, evidence: bool = True,
              code_limit: int | None = None, evidence_limit: int | None = None) -> list[Gap]:
    """Every gap, a pure function of the coverage cells (kg.coverage.summary: the store's
    stored counts when current, else counted live), sorted by type, level and cell labels.
    ``evidence``: the attacks, papers and survey cells behind each gap, fetched by queries
    bound to the gaps found (the cost follows the gaps, not the graph). ``code_limit``: list
    at most this many papers without a code link (the first by title; one last cell-less
    gap counts the rest); None lists them all. ``evidence_limit``: at most this many pieces
    of evidence of each kind per gap (attacks, family defenses, unknown-knowledge defenses;
    the first in the store's order, listed by label), None all; each gap counts the full
    list's pieces per kind from the cells (``evidence_counts``), so a cut list says so."""
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
    nodes |= {f for c in model_cells for f in fam[c.column]}
    nodes |= {m for m in models for c in model_cells + family_cells
              if defended("model/model", c.threat, m) or (c.threat, m) in attacked}
    limit = s.no_code_link if code_limit is None else code_limit
    if limit <= len(s.code_page) or s.no_code_link <= len(s.code_page):
        papers = s.code_page[:limit]  # the first by title, counted with the summary
    else:
        papers = [p for p, in select_values(store, NO_CODE_LINK_PAGE + str(int(limit)))[1]]
    ctx.fetch(nodes | set(papers))
    gaps = []
    for c in threat_cells:
        t = ctx.node(c.threat)
        gaps.append(Gap("threat_without_defense",
                        _threat_reason(t["label"], c.attacks, c.attack_papers), [{"threat": t}]))
    context: dict[tuple[str, str], str] = {}  # model gap -> the covered family it names
    for c in model_cells:
        t, mn = ctx.node(c.threat), ctx.node(c.column)
        reason = _model_reason(t["label"], mn["label"], c.attacks)
        covered = [f for f in fam[c.column] if f != c.column or f in fam.tree.families]
        covered = [f for f in covered if defended("model/family", c.threat, f)]
        if covered:
            f = covered[0]  # the nearest family with a defense
            context[(c.threat, c.column)] = f
            names = sorted({ctx.lab.get(dm, dm) for dm in models
                            if fam.tree.covers(f, dm) and defended("model/model", c.threat, dm)})
            reason += _family_covered(ctx.lab.get(f, f),
                                      defended("model/family", c.threat, f), names)
        else:
            others = [ctx.lab.get(f, f) for f in fam[c.column] if f != c.column]
            if others:
                reason += f", nor on any model of its family {', '.join(others)}"
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
    code_cells: dict[str, set[tuple[str, str]]] = {}
    for paper, where, text in _rows(store, CODE_CELLS_OF, ["paper"], [(p,) for p in papers]):
        code_cells.setdefault(paper, set()).add((where, text))
    state = dict(_rows(store, CODE_STATE_OF, ["paper"], [(p,) for p in papers]))
    for paper in papers:
        p = ctx.node(paper)
        cs = sorted(code_cells.get(paper, set()))
        ev = ([{"kind": "paper", **p}] + [{"kind": "survey_cell", "where": w, "text": x}
                                          for w, x in cs]) if evidence else []
        gaps.append(Gap("no_code_link", _code_reason(p["label"], len(cs), state.get(paper)),
                        [{"paper": p}], ev,
                        evidence_counts=_kinds(ev) if evidence else None))
    if s.no_code_link > len(papers):
        rest = s.no_code_link - len(papers)
        gaps.append(Gap("no_code_link",
                        f"… and {_plural(rest, 'more paper')} without a code link in the survey "
                        "(a larger `kg gaps --limit` lists them, with evidence)", [],
                        [{"kind": "not_listed", "count": rest}],
                        evidence_counts={"not_listed": 1} if evidence else None))
    if evidence:
        _add_evidence(store, ctx, gaps, fam, models, context, s, evidence_limit)
    return _sorted(gaps)


def _kinds(evidence: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in evidence:
        out[e["kind"]] = out.get(e["kind"], 0) + 1
    return out


def _per_gap(store: Store, template: str, names: list[str], keys: dict[int, list[tuple]],
             limit: int | None) -> dict[int, list[tuple]]:
    """Rows of ``template`` for each gap (by index), its ``keys`` bound in a VALUES block;
    at most ``limit`` rows per gap (a LIMIT: the first in the store's order; the caller
    sorts), all without one."""
    out: dict[int, list[tuple]] = {}
    for i, ks in keys.items():
        rows = out[i] = []
        if len(set(ks)) == 1:  # one cell: bound values (rdflib joins a VALUES block late)
            q = template.format(values="")
            bound = {n: URIRef(v) for n, v in zip(names, ks[0], strict=True)}
            rows += select_values(store, q if limit is None else f"{q.rstrip()}\nLIMIT {limit}",
                                  bound)[1]
            continue
        for block in values_blocks(names, sorted(set(ks))):
            left = None if limit is None else limit - len(rows)
            if left is not None and left <= 0:
                break
            q = template.format(values=block)
            rows += select_values(store, q if left is None else f"{q.rstrip()}\nLIMIT {left}")[1]
    return out


def _add_evidence(store: Store, ctx: _Ctx, gaps: list[Gap], fam, models, context, s,
                  limit: int | None = None) -> None:
    """The attacks (with their survey cells) behind each gap, and the defenses that cover a
    model-level gap's family, by queries bound to each gap's cells: at most ``limit`` of
    each kind per gap (None: all). How many of each kind the full list has is counted from
    the coverage cells ``s`` (the one count), so a cut list still says its total."""
    def key(g: Gap, *names: str) -> tuple:
        return tuple(g.cells[0][n]["iri"] for n in names)

    def defended(view: str, t: str, col: str) -> int:
        c = s.cell(view, t, col)
        return c.defenses if c else 0

    def attacks_in(view: str, t: str, col: str | None) -> int:
        c = s.threat(t) if col is None else s.cell(view, t, col)
        return c.attacks if c else 0

    ix = {id(g): i for i, g in enumerate(gaps)}
    threat_g = [g for g in gaps if g.type == "threat_without_defense"]
    model_g = [g for g in gaps if g.type == "model_without_defense" and g.level == "model"]
    family_g = [g for g in gaps if g.type == "model_without_defense" and g.level == "family"]
    know_g = [g for g in gaps if g.type == "knowledge_without_defense"]

    def members(t: str, f: str) -> list[tuple[str, str]]:
        return [(t, f)] + [(t, m) for m in models if f in fam[m] and m != f]

    def covered(t: str, m: str) -> list[tuple[str, str]]:
        f = context.get((t, m))
        return [] if f is None else [(t, dm) for dm in models if fam.tree.covers(f, dm)]

    by_threat = _per_gap(store, ATTACKS_OF_THREATS, ["threat"],
                         {ix[id(g)]: [key(g, "threat")] for g in threat_g}, limit)
    by_cell = _per_gap(store, ATTACKS_OF_MODEL_CELLS, ["threat", "model"],
                       {ix[id(g)]: [key(g, "threat", "model")] for g in model_g}, limit)
    by_family = _per_gap(store, ATTACKS_OF_FAMILY_CELLS, ["threat", "model"],
                         {ix[id(g)]: members(*key(g, "threat", "model")) for g in family_g}, limit)
    by_know = _per_gap(store, ATTACKS_OF_KNOWLEDGE_CELLS, ["threat", "knowledge"],
                       {ix[id(g)]: [key(g, "threat", "knowledge")] for g in know_g}, limit)
    know_threats = sorted({key(g, "threat")[0] for g in know_g})
    found = _per_gap(store, UNKNOWN_KNOWLEDGE_OF, ["threat"],
                     {i: [(t,)] for i, t in enumerate(know_threats)}, limit)
    unknown = {t: found[i] for i, t in enumerate(know_threats)}
    fam_defs = _per_gap(store, FAMILY_DEFENSES_OF, ["threat", "defenseModel"],
                        {ix[id(g)]: covered(*key(g, "threat", "model")) for g in model_g
                         if key(g, "threat", "model") in context}, limit)
    picked = {i: {r[-2]: r[-1] for r in rows}  # attack -> paper
              for found in (by_threat, by_cell, by_family, by_know) for i, rows in found.items()}
    attacks = {a for v in picked.values() for a in v}
    papers = {p for v in picked.values() for p in v.values()}
    ctx.fetch(attacks | papers | {x for v in unknown.values() for r in v for x in r[1:]}
              | {x for v in fam_defs.values() for r in v for x in r[1:]}
              | set(context.values()), attacks)
    for g in threat_g:
        (t,) = key(g, "threat")
        g.evidence = ctx.attack_evidence(picked[ix[id(g)]], "threat") + [
            {"kind": "absent", "where": "defense table, column 'Threats'",
             "text": f"no row names {g.cells[0]['threat']['label']}"}]
        g.evidence_counts = {"attack": attacks_in("threat", t, None), "absent": 1}
    for g in model_g:
        t, m = key(g, "threat", "model")
        g.evidence = ctx.attack_evidence(picked[ix[id(g)]], "evaluatedOn")
        g.evidence_counts = {"attack": attacks_in("model/model", t, m)}
        f = context.get((t, m))
        if f is not None:
            g.evidence += [{"kind": "family_defense", **ctx.node(d), "evaluated_on": ctx.node(dm),
                            "family": ctx.node(f)} for _, d, dm in sorted(fam_defs[ix[id(g)]])]
            g.evidence_counts["family_defense"] = sum(
                defended("model/model", t, dm) for _, dm in covered(t, m))
    for g in family_g:
        t, f = key(g, "threat", "model")
        g.evidence = ctx.attack_evidence(picked[ix[id(g)]], "evaluatedOn")
        g.evidence_counts = {"attack": attacks_in("model/family", t, f)}
    for g in know_g:
        t, k = key(g, "threat", "knowledge")
        g.evidence = ctx.attack_evidence(picked[ix[id(g)]], "assumesKnowledge")
        g.evidence += [{"kind": "unknown_knowledge", **ctx.node(d), "paper": ctx.node(p),
                        "knowledge": "unknown"}
                       for _, d, p in sorted(unknown[t], key=lambda x: ctx.lab.get(x[1], x[1]))]
        g.evidence_counts = {"attack": attacks_in("knowledge/model", t, k)}
        n = s.threat(t).unknown if s.threat(t) else 0
        if n:
            g.evidence_counts["unknown_knowledge"] = n


def from_summary(store: Store, s=None, code_limit: int = 50) -> list[Gap]:
    """The gaps without evidence (:func:`find_gaps` ``evidence=False``), listing at most
    ``code_limit`` papers without a code link."""
    return find_gaps(store, s, evidence=False, code_limit=code_limit)


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
    total, counts = totals(gaps)
    text = ", ".join(f"{k}: {v}" for k, v in counts.items())
    out += ["", f"{_plural(total, 'gap')} ({text}); kg gaps --json gives the evidence"]
    return "\n".join(out)


def totals(gaps: list[Gap]) -> tuple[int, dict[str, int]]:
    """How many gaps there are, in all and per type (:func:`summary`), counting the papers
    a cell-less ``no_code_link`` gap stands for (not listed: ``code_limit``)."""
    listed = [g for g in gaps if g.cells]
    more = sum(e["count"] for g in gaps if not g.cells for e in g.evidence
               if e.get("kind") == "not_listed")
    counts = summary(listed)
    if more:
        counts["no_code_link"] = counts.get("no_code_link", 0) + more
    return len(listed) + more, counts


__all__ = ["Gap", "find_gaps", "from_summary", "GAP_TYPES", "render_text", "summary", "totals"]
