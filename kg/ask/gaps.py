"""Gap questions ("where are the open research gaps for Stable Diffusion?"): read and answered
from the coverage counts. A question with a gap cue (:data:`kg.ask.tokens.GAP_CUE`: "gaps",
"understudied", "not yet covered" …) is answered by the gaps of
:func:`kg.coverage.gaps.from_summary` — the same gaps and reasons as ``kg gaps``, from the
coverage counts, so the answer costs the same at 100k papers as on the survey. A question
that asks for one kind of the cells' values ("which models / model families / threats have a
… gap") lists those values (each with the gaps that hold it): "model families" the family-
level model gaps, "models" the model-level ones (the cells as the rows name the models); one
that names only a cell's model or knowledge level ("gaps DDIM") lists the threats of the
gaps it selects, and says so. Its names select the gaps whose cell holds them (a threat, an
attacker-knowledge level, a paper, or a model with every model below it — a family named
selects the family-level model gaps, both sides rolled up), a negated name the gaps whose
cells hold none; a name of another kind stops the answer (a gap cannot be
selected by it). A word that is neither a name, the question's shape nor filler is reported
as not understood, a name-like word the graph does not hold as not in the graph, so nothing
of the question is dropped unsaid.
"""

from __future__ import annotations

from ..family import ModelTree
from ..lexicon import STOPWORDS
from ..query import context
from ..stores.base import Store
from .answer import Answer, unattached_answer
from .form import Parse
from .mentions import KIND_NOUNS, Names, closest
from .tokens import GAP_CUE, GENERIC, NEGATIONS, Tok, name_like

# words that shape a gaps question ("where are the open research gaps in the field?")
_GAP_SHAPE = {"gap", "gaps", "where", "remain", "remains", "remaining", "left", "field", "area",
              "areas", "literature", "main", "biggest", "largest", "most", "current", "existing",
              "still", "yet", "covered", "uncovered", "missing", "unexplored", "blind", "spot",
              "spots", "opportunity", "opportunities", "problem", "problems", "question",
              "questions", "understudied", "underexplored", "underresearched", "under",
              "explored", "researched", "all", "any", "every", "each", "our", "survey", "graph",
              "family", "families", "coverage"}


def gap_parse(q: str, lex, names: Names, vocab: frozenset[str]) -> Parse:
    """A gaps question: its names (and which of them are negated), the words not understood
    and the names not in the graph."""
    toks, mentions, versioned = names.toks, names.mentions, names.versioned
    cue = [(m.start(), m.end()) for m in GAP_CUE.finditer(q)]
    not_in_graph = [{"text": q[a:b], "closest": closest(lex, q[a:b])} for a, b in versioned]
    skip = {i for i, t in enumerate(toks) for a, b in versioned if a <= t.start < b}
    leftover: list[str] = []
    negated: set[int] = set()
    pending: Tok | None = None  # a negation cue ("not", "except") waiting for its name
    for i, t in enumerate(toks):
        w = t.norm
        in_cue = any(a <= t.start < b for a, b in cue)  # "not covered" is the gap cue
        if t.mention is not None and pending is not None:
            negated.add(mentions[t.mention].start)
            pending = None
        if w in NEGATIONS and not in_cue and t.mention is None:
            pending = t
            continue
        if i in skip or t.mention is not None or w in STOPWORDS or w in GENERIC \
                or w in _GAP_SHAPE or w.isdigit() or in_cue:
            continue
        if w not in vocab and name_like(t, i == 0):
            not_in_graph.append({"text": t.text, "closest": closest(lex, t.text)})
        else:
            leftover.append(t.text)
    return Parse(None, mentions, leftover, not_in_graph, gaps=True, notes=names.notes,
                 unattached=[q[pending.start:]] if pending is not None else [],
                 negated=negated, gap_target=_gap_target(
                     [t for t in toks if not cue or t.start < cue[0][0]])
                 or _asked_after([t for t in toks if cue and t.start >= cue[0][1]]))


#: the noun a gaps question asks for -> the cell kind it lists
_GAP_NOUNS = {"model": "model", "threat": "threat", "paper": "paper", "knowledge": "knowledge",
              "level": "knowledge", "family": "model"}


def _gap_target(toks: list[Tok]) -> tuple[str, str] | None:
    """The kind of cell value a gaps question asks for, from its first noun of a kind
    outside a name before the gap cue ("which model families have …" -> model, family
    level; not "gaps on the DDPM family")."""
    for i, t in enumerate(toks):
        if t.mention is not None or t.norm not in _GAP_NOUNS or (
                i > 0 and toks[i - 1].mention is not None):
            continue
        family = t.norm == "family" or i + 1 < len(toks) and toks[i + 1].norm == "family"
        kind = _GAP_NOUNS[t.norm]
        return kind, ("family" if family else "model") if kind == "model" else ""
    return None


def _asked_after(toks: list[Tok]) -> tuple[str, str] | None:
    """The kind asked for after the gap cue by "which / what" right before its noun ("TDE
    gaps: which models?")."""
    for i, t in enumerate(toks[1:], 1):
        if toks[i - 1].norm in ("which", "what") and t.mention is None:
            return _gap_target(toks[i:i + 2])
    return None


def answer_gaps(store: Store, q: str, p: Parse) -> Answer:
    """The gaps the question's names select (kg.coverage.gaps.from_summary: the same gaps
    and reasons as find_gaps, from the coverage counts, so the answer costs the same at 100k
    papers as on the survey)."""
    from ..coverage import counts, summary  # the coverage engine loads for a gaps question
    from ..coverage import gaps as gaps_module

    s = summary.get(store, counts.GAP_VIEWS)
    found = gaps_module.from_summary(store, s)
    if p.unattached:
        return unattached_answer(q, p, "gaps")
    tree = context(store).tree
    want, avoid, shown, not_applied = _selection(p, tree)
    if not_applied:
        return Answer(q, "not_applicable", "", [], p.mentions,
                      message="Not answered: a gap is a threat, model, attacker-knowledge level or "
                              "paper without coverage, so it cannot be selected by "
                              + ", ".join(not_applied) + " (an answer without it would answer a "
                              "different question).",
                      understood_as="gaps", not_understood=p.not_understood)
    if want:
        found = [g for g in found if any(
            all(c.get(k, {}).get("iri") in v for k, v in want.items()) for c in g.cells)]
    if avoid:
        found = [g for g in found if not any(
            c.get(k, {}).get("iri") in v for c in g.cells for k, v in avoid.items())]
    family = any(m.entity.kind == "model" and tree.has_children(m.entity.iri)
                 and m.start not in p.negated for m in p.mentions)
    if family:  # a family named: both sides roll up, its family-level model gaps only
        found = [g for g in found if g.level != "model"]
    under = " · ".join(["gaps"] + [f"{k} {{{', '.join(v)}}}" for k, v in shown.items()])
    msgs = ["gaps derived from the graph's coverage counts (kg.coverage.gaps.from_summary; "
            "`kg gaps --json` gives the evidence)"]
    if family:
        msgs.append("a model family is named: its model gaps at the family level (attacks and "
                    "defenses on the models below it rolled up, as `kg gaps` shows them)")
    if p.not_understood:
        msgs.append("not understood (not used): " + ", ".join(repr(w) for w in p.not_understood))
    rows = [_gap_row(g) for g in found]
    target = p.gap_target or _free_slot(want)
    if target:
        rows = _values_of(found, *target)
        under += f" · their {target[0]} values" + (
            f" ({target[1]} level)" if target[1] else "")
        msgs.append(f"listing the {KIND_NOUNS[target[0]]} of the gaps selected (each with its "
                    "gaps' reasons)" + ("" if p.gap_target else
                                        f": the question names the {_named(want)} of a cell"))
    else:
        msgs.append("listing the gaps selected, one per cell")
    return Answer(q, "gaps", _gaps_sparql(s), rows, p.mentions,
                  understood_as=under, message="; ".join(msgs), not_understood=p.not_understood)


def _free_slot(want: dict[str, set[str]]) -> tuple[str, str] | None:
    """What a gaps question that names only a cell's model or knowledge level asks for: the
    threats of those cells ("gaps DDIM": the threats without a defense on DDIM)."""
    if want and "threat" not in want and "paper" not in want:
        return "threat", ""
    return None


def _named(want: dict[str, set[str]]) -> str:
    return " and ".join({"model": "model", "knowledge": "knowledge level"}[k] for k in want)


def _values_of(found, kind: str, level: str) -> list[dict]:
    """The distinct ``kind`` values of the gaps' cells (model gaps of ``level`` only), each
    with the reasons of the gaps that hold it."""
    out: dict[str, dict] = {}
    for g in found:
        if kind == "model" and g.level not in (None, level):
            continue
        for c in g.cells:
            v = c.get(kind)
            if v:
                row = out.setdefault(v["iri"], {"iri": v["iri"], "label": v["label"],
                                                "type": kind, "derived": True, "gaps": []})
                row["gaps"].append(g.reason)
    return sorted(out.values(), key=lambda r: r["label"])


def _selection(p: Parse, tree: ModelTree) -> tuple[dict[str, set[str]], dict[str, set[str]],
                                                   dict[str, list[str]], list[str]]:
    """What the names select: per kind the IRIs a gap's cell must hold and those no cell may
    hold ("except DDPM"), the selection in words, and the names of kinds no gap has. A name
    selects the gaps whose cell holds it: a threat, an attacker-knowledge level, a paper, or
    a model with every model below it (a family covers its members, as in ask and coverage);
    names of other kinds are said as not applied, never dropped unsaid."""
    want: dict[str, set[str]] = {}
    avoid: dict[str, set[str]] = {}
    shown: dict[str, list[str]] = {}
    not_applied = []
    for m in p.mentions:
        e = m.entity
        if e.kind in ("threat", "knowledge", "paper", "model"):
            neg = m.start in p.negated
            (avoid if neg else want).setdefault(e.kind, set()).update(
                tree.below(e.iri) if e.kind == "model" else {e.iri})
            fam = e.kind == "model" and tree.has_children(e.iri)
            shown.setdefault(e.kind + (" ∉" if neg else " ∈"), []).append(
                e.label + (" family" if fam else ""))
        else:
            not_applied.append(f"{KIND_NOUNS[e.kind][:-1]} {e.label!r}")
    return want, avoid, shown, not_applied


def _gap_row(g) -> dict:
    cells = [" × ".join(v["label"] for v in c.values()) for c in g.cells]
    return {"iri": (next(iter(g.cells[0].values()))["iri"] if g.cells else ""),
            "label": "; ".join(cells) or g.reason, "type": "gap",
            "gap_type": g.type, "reason": g.reason, "derived": True,
            **({"level": g.level} if g.level else {})}


def _gaps_sparql(s) -> str:
    """The queries the gaps were counted by: the stored summary's, or the live counts'."""
    from ..coverage import counts, summary

    if s.source == "stored":
        return ("# the coverage summary stored in the store (kg load / kg summarize), "
                f"current for {s.fingerprint}\n" + summary.stored_query(counts.GAP_VIEWS).strip())
    return "\n\n".join(["# coverage counts, computed live from these flat queries"] + [
        x.strip() for x in (counts.ATTACKS, counts.ATTACK_MODELS, counts.ATTACK_KNOWLEDGE,
                            counts.DEFENSES, counts.DEFENSE_MODELS, counts.NO_CODE)])
