"""An answer to a question: its rows, the SPARQL that produced them, what was understood and
what was not — and the answer as text.

An :class:`Answer` says why it is empty or partial: names not in the graph
(``not_in_graph``, with the closest known names), words not used (``not_understood``), a
listing stopped at its cap (``total`` counted apart, ``total_exact`` False past the count's
bound). :func:`render_text` is what ``kg ask`` prints; :meth:`Answer.as_dict` its ``--json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..linking import Mention
from ..query import ATTRIBUTES, VALUE_NOUN, Form, attribute, render_agg, why_empty
from ..query.attribute import NOUN, absent
from ..stores.base import Store
from .form import Parse


@dataclass
class Answer:
    question: str
    intent: str  # query | gaps | unknown_entity | not_applicable | search | ask_back
    sparql: str
    answers: list[dict]
    linked: list[Mention] = field(default_factory=list)
    message: str = ""
    asks_count: bool = False
    understood_as: str = ""
    logical_form: dict | None = None
    not_understood: list[str] = field(default_factory=list)
    not_in_graph: list[dict] = field(default_factory=list)  # text, closest
    total: int | None = None  # set when the listing stopped at ASK_ROWS rows
    total_exact: bool = True  # False: ``total`` is a lower bound (more than COUNT_CAP)
    count_sparql: str = ""
    count_source: str = ""  # of ``total``: "query" (count_sparql over the rows) | "summary"
    form: Form | None = None  # the logical form that ran (query answers)
    #: intent ask_back: each reading of the question with its answer (schema 3)
    readings: list[dict] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.answers) if self.total is None else self.total

    def as_dict(self) -> dict:
        d = {"question": self.question, "intent": self.intent, "sparql": self.sparql,
             "answers": self.answers, "count": self.count,
             "understood_as": self.understood_as, "logical_form": self.logical_form,
             "not_understood": self.not_understood, "not_in_graph": self.not_in_graph,
             "linked": [m.as_dict() for m in self.linked], "message": self.message,
             "readings": self.readings}
        if self.count_sparql:
            d["truncated"] = True
            d["count_exact"] = self.total_exact
            d["count_sparql"] = self.count_sparql
            d["count_source"] = self.count_source
        return d


def _also(named: list[str], words: list[str]) -> str:
    """" Also not understood: 'DROP', '#'." — the other words no rule used, so a declined
    answer names every word it did not use, not only the one that stopped it."""
    rest = [w for w in dict.fromkeys(words) if w not in named]
    return f" Also not understood: {', '.join(repr(w) for w in rest)}." if rest else ""


def unattached_answer(q: str, p: Parse, understood_as: str,
                      logical_form: dict | None = None) -> Answer:
    """No answer: a negation of the question negates nothing the parse could use, and an
    answer without it would answer a different question."""
    return Answer(q, "not_understood", "", [], p.mentions,
                  message="Not answered: I did not understand what "
                          + " and ".join(repr(u) for u in p.unattached)
                          + " negates, and answering without it would answer a different "
                            "question." + _also(p.unattached, p.not_understood),
                  understood_as=understood_as,
                  logical_form=logical_form, not_understood=p.unattached + p.not_understood)


def blocked_answer(q: str, p: Parse, understood_as: str,
                   logical_form: dict | None = None) -> Answer:
    """No answer: a number or a comparison word of the question ("four or more", "every")
    was not understood, and an answer without it would answer a different question."""
    words = ", ".join(repr(w) for w in p.blocking)
    return Answer(q, "not_understood", "", [], p.mentions,
                  message=f"Not answered: I did not understand what {words} "
                          f"{'says' if len(p.blocking) == 1 else 'say'} here; what I understood "
                          f"was: {understood_as}, and answering that would answer a different "
                          "question." + _also(p.blocking, p.not_understood),
                  understood_as=understood_as, logical_form=logical_form,
                  not_understood=p.not_understood)


def conflict_answer(q: str, p: Parse, understood_as: str,
                    logical_form: dict | None = None) -> Answer:
    """No answer: the question holds a condition and its own negation
    (:mod:`kg.ask.conflict`); answering either half would answer a different question."""
    return Answer(q, "not_understood", "", [], p.mentions,
                  message="Not answered: the question contradicts itself — "
                          + "; ".join(p.conflicts) + f" (understood as: {understood_as}). "
                          "Ask for one of the two." + _also([], p.not_understood),
                  understood_as=understood_as, logical_form=logical_form,
                  not_understood=p.not_understood)


def answer_item(x: dict, form: Form, cites: dict[str, str]) -> dict:
    """One answer row: the item, its citation label (papers), its row count or its rows."""
    d = {"iri": x["iri"], "label": x["label"], "type": x["type"]}
    if x["iri"] in cites:  # "SecMI — Duan et al., 2023"
        d["citation"] = cites[x["iri"]]
    if "n" in x:
        d["n"] = x["n"]
    if x.get("rows"):
        d["via"] = x["rows"]
    return d


def noun(target: str, n: int) -> str:
    """``n`` items of ``target`` in words: "1 attack", "3 defense methods"."""
    one = {"attacks": "attack", "evaluations": "defense evaluation", "methods": "defense method",
           "papers": "paper", "models": "model", "threats": "threat",
           "knowledge": "attacker-knowledge level"}[target]
    if n == 1:
        return one
    return {"knowledge": "attacker-knowledge levels"}.get(target, one + "s")


def row_noun(form: Form, n: int) -> str:
    """The rows a form counts per item, in words: attacks, defense evaluations or rows (or
    the distinct values a value count counts: target models, knowledge levels, threats)."""
    if form.agg is not None and form.agg.of:
        noun = VALUE_NOUN[form.agg.of]
        return "distinct " + (noun if n != 1 else noun[:-1])
    part = form.parts[0] if len(form.parts) == 1 else ""
    one = {"attacks": "attack", "defenses": "defense evaluation"}.get(part, "row")
    return one + ("" if n == 1 else "s")


def render_text(a: Answer) -> str:
    """The answer as ``kg ask`` prints it: what was understood, the message, the answers
    (or hits), the names linked and the SPARQL that ran."""
    out = []
    if a.understood_as:
        out.append(f"understood as: {a.understood_as}")
    if a.message:
        out.append(a.message)
    head = f"{a.count} {'answer' if a.count == 1 else 'answers'}" if a.answers else "no answers"
    if a.total is not None and a.answers and a.intent == "query":
        head = (f"{len(a.answers)} answers shown; " + ("" if a.total_exact else "more than ")
                + f"{a.total:,} in all")
    if a.intent in ("search", "unknown_entity") and a.answers:
        named = all(x.get("source") == "name search" for x in a.answers)
        head = f"{a.count} {'name' if named else 'semantic'}-search hits (not answers)"
    out.append(head)
    for r in a.readings:
        out.append(f"* {r['reading']}: understood as {r['understood_as']}; {r['count']} "
                   f"{'answer' if r['count'] == 1 else 'answers'}")
        out.extend(f"    - {x['label']}  <{x['iri']}>" for x in r["answers"])
    for x in a.answers:
        extra = f"  [{x['gap_type']}] {x['reason']}" if x.get("type") == "gap" else ""
        score = f"  (score {x['score']}; {x['why']})" if "why" in x else ""
        n = f"  ({x['n']})" if "n" in x else ""
        cite = f"{x['citation']}: " if x.get("citation") else ""
        out.append(f"  - {cite}{x['label']}{n}  <{x['iri']}>{extra}{score}")
        if x.get("type") == "definition":
            out.append(f"    {x['value']}")
    if a.linked:
        out.append("linked: " + "; ".join(f"{m.text!r} -> {m.entity.label} ({m.entity.kind})"
                                          for m in a.linked))
    if a.sparql:
        out.append("SPARQL:")
        out.extend("  " + line for line in a.sparql.splitlines())
    return "\n".join(out)


def attribute_parse(p: Parse, name: str) -> Parse:
    """An attribute question's parse: the question's conditions select the rows (defense
    rows when it names a defense method, else attack rows for a row's cells, papers for a
    paper's fields), the value asked for is ``name``."""
    assert p.form is not None
    kinds = {c.kind for c in p.form.conds}
    row_level = ATTRIBUTES[name][0] == "row"
    target = "evaluations" if "method" in kinds else "attacks" if row_level else "papers"
    parts = ("defenses",) if target == "evaluations" else ("attacks",) if (
        target == "attacks" or "knowledge" in kinds) else ("attacks", "defenses")
    if target == "papers" and p.form.target == "papers" and len(p.form.parts) == 1:
        parts = p.form.parts  # "venues of membership inference attack papers": attack rows
    conds = tuple(c for c in p.form.conds if not (  # "the arXiv id of SIDE": not a venue
        name == "arxiv" and c.kind == "venue" and all(v.label == "arXiv" for v in c.values)
        or name == "code" and c.kind == "code"))  # "code for SecMI": the link, not a filter
    agg = p.form.agg
    blocking = list(p.blocking)
    if agg is not None and agg.op != "count":  # "which venue has the most MIA papers", "venues
        # with at least two papers": a ranking or bound of the values is no attribute's answer
        blocking.append(render_agg(agg))
    return replace(p, form=Form(target, conds, None, parts), attribute=name,
                   asks_count=p.asks_count and agg is not None and agg.op == "count",
                   blocking=blocking)


def answer_attribute(store: Store, q: str, p: Parse) -> Answer:
    """The value asked for, each with the rows and papers it comes from."""
    assert p.form is not None
    res = attribute(store, p.form, p.attribute)
    answers = [{"iri": v["rows"][0], "label": v["value"], "type": "value",
                "value": v["value"], "via": v["rows"], "papers": v["papers"]}
               for v in res.values]
    msgs, intent = list(p.notes), "attribute"
    if not answers:  # no value to give: not answered, with where it is recorded absent
        intent = "not_applicable"
        msgs.append("Not answered: " + _absent(store, p))
    if not answers and msgs[-1].endswith(_NO_ROW) and len(p.form.conds) > 1:
        # the named item and another condition select nothing together: a value asked of
        # the item is not answered with "none" (the other condition may be a misreading)
        intent = "not_applicable"
        msgs[-1] = f"Not answered: the conditions select no row together ({why_empty(store, p.form)})"
    if p.not_understood:
        msgs.append("not understood (not used): " + ", ".join(repr(w) for w in p.not_understood))
    return Answer(q, intent, res.sparql, answers, p.mentions, message="; ".join(msgs),
                  understood_as=res.understood_as, logical_form=dict(
                      p.form.as_dict(), attribute=p.attribute),
                  not_understood=p.not_understood, form=p.form)


_NO_ROW = "no row matches the question's conditions"


def _absent(store: Store, p: Parse) -> str:
    """An attribute no selected row records, said with where it is recorded absent: the
    curated entry of each paper (a field no public record verified stays empty)."""
    assert p.form is not None
    noun = NOUN[p.attribute]
    papers = absent(store, p.form, p.attribute)
    if not papers:
        return f"no {noun} is recorded: {_NO_ROW}"
    said = []
    for x in papers[:5]:
        where = (f"its curated entry {x['entry']} names the field unverified (no public "
                 "record verified a value, so it stays empty)" if x["unverified"] else
                 f"its curated entry {x['entry']} records none" if x["entry"] else
                 "no curated entry describes it")
        said.append(f"{x['paper']!r}: {where}")
    more = f"; and {len(papers) - 5} more papers" if len(papers) > 5 else ""
    return f"no {noun} is recorded — " + "; ".join(said) + more
