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

Gaps are a pure function of the coverage cells (:mod:`kg.coverage.counts`: the counts
of every cell, read from the store when current, :mod:`kg.coverage.summary`, else counted
live from flat queries): a cell with attacks and no defense is a gap, and its reason is
worded from the counts. The evidence (attacks, papers, survey cells, the defenses covering a
model gap's family) is fetched afterwards by queries bound to the cells of the gaps found
(:mod:`kg.coverage.evidence`), so its cost follows the gaps, not the graph. (The anti-join
formulations of the same gaps, NOT EXISTS / MINUS / OPTIONAL, live in benchmarks/gap_shapes.py
for the store benchmark.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..stores.base import Store, select_values
from ..vocab import rd_iri
from .counts import GAP_VIEWS, CellCount, Summary
from .evidence import Lookup, code_cells, gap_evidence, kinds
from .summary import get

GAP_TYPES = ("threat_without_defense", "model_without_defense", "knowledge_without_defense",
             "no_code_link")

NO_CODE_LINK = """
SELECT ?paper WHERE {
  VALUES ?code { rd:CodeWithoutLink rd:NoCodeMarked }
  ?paper a rd:Paper ; rd:codeAvailability ?code .
}
"""

# A page of the papers without a code link, when more are asked for than the summary keeps
# (kg.coverage.counts.CODE_PAGE, the first by title). No ORDER BY: sorting 40,000 IRIs takes
# Oxigraph 4.5 s; such a page is in the store's order (shown sorted by title).
NO_CODE_LINK_PAGE = NO_CODE_LINK.rstrip() + " LIMIT "


@dataclass
class Gap:
    """A typed gap: its reason (worded from the counts), its cell(s) and the evidence
    behind it."""

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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _family_covered(family: str, n: int, names: list[str]) -> str:
    return (f"; its family {family} has {_plural(n, 'defense evaluation')} (on "
            f"{', '.join(names)}), so the family-level view shows no gap for {family}")


def _family_open(families: list[str]) -> str:
    """The families covering the model that have no defense: the family-level view shows
    this gap under each of them (a model that is itself a family is one of them)."""
    return (f"; the family-level view shows the gap under {', '.join(families)}"
            if families else "")


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
    if state == rd_iri("CodeWithoutLink"):
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


@dataclass
class _Undefended:
    """The cells of each gap view with attacks and no defense, and every (threat, model)
    cell with attacks."""

    threat: list[CellCount]
    model: list[CellCount]
    family: list[CellCount]
    knowledge: list[CellCount]
    attacked: set[tuple[str, str]]

    @classmethod
    def of(cls, s: Summary) -> _Undefended:
        def cells(view: str, empty_defenses: bool = True) -> list[CellCount]:
            return [c for c in s.view(view) if c.attacks and (not empty_defenses or not c.defenses)]

        return cls(cells("threat"), cells("model/model"), cells("model/family"),
                   cells("knowledge/model"), {(c.threat, c.column) for c in cells("model/model", False)})

    def named(self, s: Summary, fam, models: set[str]) -> set[str]:
        """The nodes the gaps' reasons name: threats, columns, the families of a model gap,
        and the models attacked or defended in a model or family gap's threat."""
        nodes = {x for c in self.threat + self.model + self.family + self.knowledge
                 for x in (c.threat, c.column) if x}
        nodes |= {f for c in self.model for f in fam[c.column]}
        nodes |= {m for m in models for c in self.model + self.family
                  if s.defenses_in("model/model", c.threat, m) or (c.threat, m) in self.attacked}
        return nodes


def _code_papers(store: Store, s: Summary, code_limit: int | None) -> list[str]:
    """The papers without a code link to list: at most ``code_limit`` (None: all), the
    first by title when the summary keeps them, else a page in the store's order."""
    limit = s.no_code_link if code_limit is None else code_limit
    if limit <= len(s.code_page) or s.no_code_link <= len(s.code_page):
        return s.code_page[:limit]  # the first by title, counted with the summary
    return [p for p, in select_values(store, NO_CODE_LINK_PAGE + str(int(limit)))[1]]


def _threat_gaps(cells: list[CellCount], look: Lookup) -> list[Gap]:
    out = []
    for c in cells:
        t = look.node(c.threat)
        out.append(Gap("threat_without_defense",
                       _threat_reason(t["label"], c.attacks, c.attack_papers), [{"threat": t}]))
    return out


def _model_gaps(cells: list[CellCount], look: Lookup, s: Summary, fam, models: set[str]
                ) -> tuple[list[Gap], dict[tuple[str, str], str]]:
    """The model-level gaps, and model gap -> the covered family its reason names (the
    nearest family with a defense: the family-level view shows no gap there)."""
    out = []
    context: dict[tuple[str, str], str] = {}
    for c in cells:
        t, mn = look.node(c.threat), look.node(c.column)
        reason = _model_reason(t["label"], mn["label"], c.attacks)
        columns = [f for f in fam[c.column] if f != c.column or f in fam.tree.families]
        covered = [f for f in columns if s.defenses_in("model/family", c.threat, f)]
        if covered:
            f = covered[0]  # the nearest family with a defense
            context[(c.threat, c.column)] = f
            names = sorted({look.lab.get(dm, dm) for dm in models if fam.tree.covers(f, dm)
                            and s.defenses_in("model/model", c.threat, dm)})
            reason += _family_covered(look.lab.get(f, f),
                                      s.defenses_in("model/family", c.threat, f), names)
            reason += _family_open([look.lab.get(g, g) for g in columns if g not in covered])
        else:
            others = [look.lab.get(f, f) for f in fam[c.column] if f != c.column]
            if others:
                reason += f", nor on any model of its family {', '.join(others)}"
        out.append(Gap("model_without_defense", reason, [{"threat": t, "model": mn}],
                       level="model"))
    return out, context


def _family_gaps(cells: _Undefended, look: Lookup, fam, models: set[str]) -> list[Gap]:
    out = []
    for c in cells.family:
        t, fn = look.node(c.threat), look.node(c.column)
        names = sorted(look.lab.get(m, m) for m in models
                       if c.column in fam[m] and (c.threat, m) in cells.attacked)
        out.append(Gap("model_without_defense",
                       _family_reason(t["label"], fn["label"], c.attacks, names),
                       [{"threat": t, "model": fn}], level="family"))
    return out


def _knowledge_gaps(cells: list[CellCount], look: Lookup, s: Summary) -> list[Gap]:
    out = []
    for c in cells:
        t, kn = look.node(c.threat), look.node(c.column)
        out.append(Gap("knowledge_without_defense",
                       _knowledge_reason(t["label"], kn["label"], c.attacks,
                                         s.unknown_in(c.threat)),
                       [{"threat": t, "knowledge": kn}]))
    return out


def _code_gaps(store: Store, papers: list[str], look: Lookup, s: Summary,
               evidence: bool) -> list[Gap]:
    """A gap per listed paper without a code link (its Code cells as evidence), and one
    cell-less gap counting the papers not listed."""
    out = []
    cells, state = code_cells(store, papers)
    for paper in papers:
        p = look.node(paper)
        cs = sorted(cells.get(paper, set()))
        ev = ([{"kind": "paper", **p}] + [{"kind": "survey_cell", "where": w, "text": x}
                                          for w, x in cs]) if evidence else []
        out.append(Gap("no_code_link", _code_reason(p["label"], len(cs), state.get(paper)),
                       [{"paper": p}], ev, evidence_counts=kinds(ev) if evidence else None))
    if s.no_code_link > len(papers):
        rest = s.no_code_link - len(papers)
        out.append(Gap("no_code_link",
                       f"… and {_plural(rest, 'more paper')} without a code link in the survey "
                       "(a larger `kg gaps --limit` lists them, with evidence)", [],
                       [{"kind": "not_listed", "count": rest}],
                       evidence_counts={"not_listed": 1} if evidence else None))
    return out


#: The evidence group of each gap type with attacks: (type, level) -> (group, the names of
#: its cell's IRIs), as kg.coverage.evidence.gap_evidence takes them.
_EVIDENCE_GROUP = {("threat_without_defense", None): ("threat", ("threat",)),
                   ("model_without_defense", "model"): ("model", ("threat", "model")),
                   ("model_without_defense", "family"): ("family", ("threat", "model")),
                   ("knowledge_without_defense", None): ("knowledge", ("threat", "knowledge"))}


def _evidence_key(g: Gap) -> tuple[str, tuple[str, ...]] | None:
    group = _EVIDENCE_GROUP.get((g.type, g.level))
    if group is None:
        return None
    return group[0], tuple(g.cells[0][n]["iri"] for n in group[1])


def _add_evidence(store: Store, look: Lookup, gaps: list[Gap], s: Summary,
                  context: dict[tuple[str, str], str], limit: int | None) -> None:
    """Each gap with attacks gets its evidence and the pieces of each kind in all
    (kg.coverage.evidence.gap_evidence, bound to the gaps' cells)."""
    keys = [_evidence_key(g) for g in gaps]
    wanted: dict[str, list[tuple[str, ...]]] = {}
    for k in keys:
        if k is not None:
            wanted.setdefault(k[0], []).append(k[1])
    found = gap_evidence(store, look, s, wanted, context, limit)
    for g, k in zip(gaps, keys, strict=True):
        if k is not None:
            g.evidence, g.evidence_counts = found[k]


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
    s = s if s is not None else get(store, GAP_VIEWS)
    look = Lookup(store)
    fam, models, _ = look.families()
    cells = _Undefended.of(s)
    papers = _code_papers(store, s, code_limit)
    look.fetch(cells.named(s, fam, models) | set(papers))
    model_gaps, context = _model_gaps(cells.model, look, s, fam, models)
    gaps = (_threat_gaps(cells.threat, look) + model_gaps + _family_gaps(cells, look, fam, models)
            + _knowledge_gaps(cells.knowledge, look, s)
            + _code_gaps(store, papers, look, s, evidence))
    if evidence:
        _add_evidence(store, look, gaps, s, context, evidence_limit)
    return _sorted(gaps)


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
