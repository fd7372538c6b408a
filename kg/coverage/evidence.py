"""The evidence behind the gaps found: the attacks of each gap's cells (with the survey cells
that state them), the defenses that cover a model gap's family, the defenses of unknown
attacker knowledge, the Code cells of a paper without a code link, and the labels of every
node named.

The rule: everything here is fetched by queries bound to the gaps found (their cells as
``VALUES`` blocks, or bound values for one cell), never by a query over the graph, so its
cost follows the gaps; at most ``limit`` pieces of each kind per gap (the first in the
store's order, listed by label). How many pieces each kind has in all is counted from the
coverage cells (:mod:`kg.coverage.counts`, the one count), not from the lists, so a cut
list still says its total. Which cells are gaps is decided in :mod:`kg.coverage.gaps`.
"""

from __future__ import annotations

from ..sparql_text import sparql_literal, values_blocks
from ..stores.base import Store, select_values
from ..survey import CODE
from ..vocab import PREFIX_IRIS, rd_iri
from . import TARGET_MODELS, families
from .counts import Summary

# The defense evaluations of given (threat, model) cells ({values}: a VALUES block).
FAMILY_DEFENSES_OF = """
SELECT ?threat ?defense ?defenseModel WHERE {{
  {values}
  ?defense rd:mitigates ?threat ; rd:evaluatedOn ?defenseModel ; a rd:DefenseEvaluation .
}}
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
_PREF_LABEL, _LABEL = PREFIX_IRIS["skos"] + "prefLabel", PREFIX_IRIS["rdfs"] + "label"
_LABEL_RANK = {(rd_iri("TargetModel"), _PREF_LABEL): 0,
               (rd_iri("DefenseMethod"), _LABEL): 0,
               (rd_iri("Paper"), PREFIX_IRIS["dcterms"] + "title"): 0,
               (rd_iri("Attack"), _LABEL): 0,
               (rd_iri("DefenseEvaluation"), _LABEL): 0,
               (rd_iri("ThreatCategory"), _PREF_LABEL): 1,
               (rd_iri("AttackerKnowledge"), _PREF_LABEL): 2}

# A paper's Code cells (the evidence of a missing code link), for given papers
# ({values}: a VALUES block of ?paper).
CODE_CELLS_OF = """
SELECT ?paper ?where ?text WHERE {{
  {values}
  ?paper prov:wasDerivedFrom ?row . ?row rd:hasCell ?cell .
  ?cell rd:column/rd:header {code} ; rd:cellText ?text ; rdfs:label ?where .
}}
""".replace("{code}", sparql_literal(CODE))

# Evidence queries, bound to the cells of the gaps found ({values}: a VALUES block). Oxigraph
# joins in the written order: a model cell starts from the model's attacks (at 10k papers
# 13 ms against 30 ms from the threat's, LIMIT 20).
ATTACKS_OF_THREATS = """
SELECT ?threat ?attack ?paper WHERE {{
  {values}
  ?attack a rd:Attack ; rd:threat ?threat ; rd:fromPaper ?paper .
}}
"""
ATTACKS_OF_MODEL_CELLS = """
SELECT ?threat ?model ?attack ?paper WHERE {{
  {values}
  ?attack rd:evaluatedOn ?model ; rd:threat ?threat ; a rd:Attack ; rd:fromPaper ?paper .
}}
"""
# A family gap's attacks: evaluated on any model of the family (once each).
ATTACKS_OF_FAMILY_CELLS = """
SELECT DISTINCT ?threat ?attack ?paper WHERE {{
  {values}
  ?attack rd:evaluatedOn ?model ; rd:threat ?threat ; a rd:Attack ; rd:fromPaper ?paper .
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
# The attacks behind each kind of gap: evidence group -> (query, the cell's variables).
_ATTACKS_OF = {"threat": (ATTACKS_OF_THREATS, ["threat"]),
               "model": (ATTACKS_OF_MODEL_CELLS, ["threat", "model"]),
               "family": (ATTACKS_OF_FAMILY_CELLS, ["threat", "model"]),
               "knowledge": (ATTACKS_OF_KNOWLEDGE_CELLS, ["threat", "knowledge"])}


class Lookup:
    """Labels and survey cells, fetched for the nodes of the gaps found (not the graph), and
    the model tree the gaps are read with."""

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


def _rows(store: Store, template: str, names: list[str], keys) -> list[tuple]:
    """The rows of ``template`` for every one of ``keys`` (bound in VALUES blocks)."""
    out: list[tuple] = []
    for block in values_blocks(names, sorted(set(keys))):
        q = template.format(values=block)
        out += select_values(store, q)[1]
    return out


def code_cells(store: Store, papers: list[str]) -> tuple[dict[str, set[tuple[str, str]]],
                                                          dict[str, str]]:
    """Of each of ``papers``: its Code cells (label, text), and its code availability."""
    cells: dict[str, set[tuple[str, str]]] = {}
    for paper, where, text in _rows(store, CODE_CELLS_OF, ["paper"], [(p,) for p in papers]):
        cells.setdefault(paper, set()).add((where, text))
    state = dict(_rows(store, CODE_STATE_OF, ["paper"], [(p,) for p in papers]))
    return cells, state


def kinds(evidence: list[dict]) -> dict[str, int]:
    """How many pieces of evidence of each kind."""
    out: dict[str, int] = {}
    for e in evidence:
        out[e["kind"]] = out.get(e["kind"], 0) + 1
    return out


def _per_gap(store: Store, template: str, names: list[str], keys: dict,
             limit: int | None) -> dict:
    """Rows of ``template`` for each gap (by its key), its ``keys`` bound in a VALUES block
    (one cell too: Oxigraph seeds the join with it, where a substituted value was read
    after the pattern: 70 ms against 30 ms per cell at 10k papers);
    at most ``limit`` rows per gap (a LIMIT: the first in the store's order; the caller
    sorts), all without one."""
    out: dict[int, list[tuple]] = {}
    for i, ks in keys.items():
        rows = out[i] = []
        for block in values_blocks(names, sorted(set(ks))):
            left = None if limit is None else limit - len(rows)
            if left is not None and left <= 0:
                break
            q = template.format(values=block)
            rows += select_values(store, q if left is None else f"{q.rstrip()}\nLIMIT {left}")[1]
    return out


def _attacks(store: Store, wanted: dict[str, list[tuple[str, ...]]], fam, models: set[str],
             limit: int | None) -> dict[tuple[str, tuple[str, ...]], dict[str, str]]:
    """(group, cell key) -> attack -> paper: at most ``limit`` attacks of each gap's cell
    (a family gap: of every model of the family, once each)."""
    picked = {}
    for group, (template, names) in _ATTACKS_OF.items():
        keys = {k: ([k] + [(k[0], m) for m in models if k[1] in fam[m] and m != k[1]]
                    if group == "family" else [k]) for k in wanted.get(group, [])}
        for k, found in _per_gap(store, template, names, keys, limit).items():
            picked[(group, k)] = {r[-2]: r[-1] for r in found}  # attack -> paper
    return picked


def _covered(key: tuple[str, ...], context: dict, fam, models: set[str]) -> list[tuple[str, str]]:
    """The (threat, model) cells of the family that covers a model gap (``context``)."""
    f = context.get(key)
    return [] if f is None else [(key[0], dm) for dm in models if fam.tree.covers(f, dm)]


def gap_evidence(store: Store, look: Lookup, s: Summary, wanted: dict[str, list[tuple[str, ...]]],
                 context: dict[tuple[str, str], str], limit: int | None = None
                 ) -> dict[tuple[str, tuple[str, ...]], tuple[list[dict], dict[str, int]]]:
    """The evidence of each gap, as (evidence, pieces of each kind in all), by (group, cell
    key). ``wanted``: group -> the cell keys of its gaps: ``threat`` (threat,), ``model``
    and ``family`` (threat, model or family), ``knowledge`` (threat, knowledge level);
    ``context``: model gap (threat, model) -> the covered family its reason names. Every
    piece by queries bound to these cells, at most ``limit`` of each kind per gap (None:
    all); the totals from the coverage cells ``s``."""
    fam, models, _ = look.families()
    picked = _attacks(store, wanted, fam, models, limit)
    know_threats = sorted({k[0] for k in wanted.get("knowledge", [])})
    unknown = _per_gap(store, UNKNOWN_KNOWLEDGE_OF, ["threat"],
                       {t: [(t,)] for t in know_threats}, limit)
    fam_defs = _per_gap(store, FAMILY_DEFENSES_OF, ["threat", "defenseModel"],
                        {k: _covered(k, context, fam, models) for k in wanted.get("model", [])
                         if k in context}, limit)
    attacks = {a for v in picked.values() for a in v}
    papers = {p for v in picked.values() for p in v.values()}
    look.fetch(attacks | papers | {x for v in unknown.values() for r in v for x in r[1:]}
               | {x for v in fam_defs.values() for r in v for x in r[1:]}
               | set(context.values()), attacks)
    out = {}
    for (group, key), by_attack in picked.items():
        t = key[0]
        if group == "threat":
            out[(group, key)] = (look.attack_evidence(by_attack, "threat") + [
                {"kind": "absent", "where": "defense table, column 'Threats'",
                 "text": f"no row names {look.node(t)['label']}"}],
                {"attack": s.attacks_in("threat", t, None), "absent": 1})
        elif group == "model":
            out[(group, key)] = _model_evidence(look, s, key, by_attack, context,
                                                fam_defs.get(key, []),
                                                _covered(key, context, fam, models))
        elif group == "family":
            out[(group, key)] = (look.attack_evidence(by_attack, "evaluatedOn"),
                                 {"attack": s.attacks_in("model/family", *key)})
        else:
            out[(group, key)] = _knowledge_evidence(look, s, key, by_attack, unknown[t])
    return out


def _model_evidence(look: Lookup, s: Summary, key: tuple[str, ...], by_attack: dict[str, str],
                    context: dict, family_defenses: list[tuple], covered: list[tuple[str, str]]
                    ) -> tuple[list[dict], dict[str, int]]:
    """A model gap's attacks and, when a family covers it, that family's defenses."""
    t, m = key
    evidence = look.attack_evidence(by_attack, "evaluatedOn")
    counts = {"attack": s.attacks_in("model/model", t, m)}
    f = context.get((t, m))
    if f is not None:
        evidence += [{"kind": "family_defense", **look.node(d), "evaluated_on": look.node(dm),
                      "family": look.node(f)} for _, d, dm in sorted(family_defenses)]
        counts["family_defense"] = sum(s.defenses_in("model/model", t, dm) for _, dm in covered)
    return evidence, counts


def _knowledge_evidence(look: Lookup, s: Summary, key: tuple[str, ...], by_attack: dict[str, str],
                        unknown: list[tuple]) -> tuple[list[dict], dict[str, int]]:
    """A knowledge gap's attacks and the defenses of its threat with unknown knowledge."""
    t, _ = key
    evidence = look.attack_evidence(by_attack, "assumesKnowledge")
    evidence += [{"kind": "unknown_knowledge", **look.node(d), "paper": look.node(p),
                  "knowledge": "unknown"}
                 for _, d, p in sorted(unknown, key=lambda x: look.lab.get(x[1], x[1]))]
    counts = {"attack": s.attacks_in("knowledge/model", *key)}
    n = s.unknown_in(t)
    if n:
        counts["unknown_knowledge"] = n
    return evidence, counts


__all__ = ["Lookup", "code_cells", "gap_evidence", "kinds"]
