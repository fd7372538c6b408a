"""What a view selects: a :class:`ViewSpec`, made from filters, a question, a read-only
SPARQL CONSTRUCT or a named selection of rows, with the CLI words that regenerate it.

The rule: filters are resolved from user labels (any spelling data/aliases.yaml or the
graph's own labels know; unknown -> "did you mean", :mod:`kg.export.labels`) and become logical
forms of the query core (:func:`view_forms`, :mod:`kg.query`), so a view, a question and an
app page that mean the same selection give the same rows. A question's view is exactly the
rows its answer rests on; a CONSTRUCT's is the rows and papers its triples mention.

Filter semantics (documented in the README):

- filters of different kinds combine with AND, several values of one kind with OR;
- ``--knowledge`` constrains attack rows only: defense rows carry no attacker knowledge,
  and are kept when they pass the other filters ("the defenses evaluated there");
- ``--method`` selects defense rows; attack rows are left out when a method is given;
- ``--part attacks|defenses`` keeps only one kind of row.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import URIRef

from ..ask import ask
from ..errors import KGError, QueryError
from ..query import Cond, Form, Term, row_ids, run
from ..stores.base import Store
from ..worker import check_in_worker
from .labels import Resolver

PARTS = ("all", "attacks", "defenses")


@dataclass(frozen=True)
class ViewSpec:
    """What a view selects: canonical labels after resolution, or a CONSTRUCT query."""

    threats: tuple[str, ...] = ()
    knowledge: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    papers: tuple[str, ...] = ()
    part: str = "all"
    authors: tuple[str, ...] = ()  # people (full names); a family name is all who bear it
    venues: tuple[str, ...] = ()
    years: tuple[int | None, int | None] | None = None  # publication years (first, last)
    construct: str | None = None
    question: str | None = None
    understood_as: str = ""  # the question's logical form in words
    rows: tuple[str, ...] = ()  # the rows a question's answer (or a selection) rests on
    selection: str | None = None  # a named selection of rows (e.g. an audit profile)
    selection_command: tuple[str, ...] = ()  # the CLI words that regenerate it

    def args(self) -> list[str]:
        """The CLI words that select this view (``view --threat ...`` / ``construct Q`` /
        ``question Q``)."""
        if self.construct is not None:
            return ["construct", self.construct]
        if self.question is not None:
            return ["question", self.question]
        if self.selection is not None:
            return list(self.selection_command)
        out = ["view"]
        for opt, values in (("--threat", self.threats), ("--knowledge", self.knowledge),
                            ("--model", self.models), ("--method", self.methods),
                            ("--paper", self.papers), ("--author", self.authors),
                            ("--venue", self.venues)):
            for v in values:
                out += [opt, v]
        if self.years is not None:
            out += ["--year", year_text(self.years)]
        if self.part != "all":
            out += ["--part", self.part]
        return out

    def describe(self) -> str:
        """One line naming the filter (or 'SPARQL CONSTRUCT'), for comments and captions."""
        if self.construct is not None:
            return "SPARQL CONSTRUCT (query below)"
        if self.question is not None:
            return f"the answer to {self.question!r}, understood as: {self.understood_as}"
        if self.selection is not None:
            return self.selection
        parts = []
        for name, values in (("threat", self.threats), ("knowledge", self.knowledge),
                             ("model", self.models), ("method", self.methods),
                             ("paper", self.papers), ("author", self.authors),
                             ("venue", self.venues)):
            if values:
                parts.append(f"{name} = {' | '.join(values)}")
        if self.years is not None:
            parts.append(f"year = {year_text(self.years)}")
        if self.part != "all":
            parts.append(f"part = {self.part}")
        return "; ".join(parts) if parts else "the whole taxonomy (no filter)"

    def notes(self) -> list[str]:
        """What a filter means beyond its values (said in every export's header)."""
        out = []
        if self.knowledge and self.part != "attacks":
            out.append("knowledge applies to attack rows (defense rows carry none; they are "
                       "kept when they pass the other filters)")
        if self.methods and self.part != "defenses":
            out.append("a method selects defense rows only (attack rows are left out)")
        return out

    def command(self, fmt: str) -> str:
        """The shell command that regenerates an export of this view."""
        if self.selection is not None:
            return " ".join(shlex.quote(w) for w in self.selection_command)
        words = ["kg", "export"] + self.args() + ["--format", fmt]
        if self.construct is not None:
            words[3] = "QUERY.rq"  # the query text is given in full in the header
        return " ".join(shlex.quote(w) for w in words)


def year_text(years: tuple[int | None, int | None]) -> str:
    """``2023``, ``2023-2024``, ``2024-`` (from 2024), ``-2023`` (up to 2023)."""
    lo, hi = years
    if lo == hi:
        return str(lo)
    return f"{'' if lo is None else lo}-{'' if hi is None else hi}"


def parse_years(text: str) -> tuple[int | None, int | None]:
    """``--year`` as (first, last): 2023 | 2023-2024 | 2024- | -2023 (KGError otherwise)."""
    import re as _re

    t = text.strip()
    m = _re.fullmatch(r"(\d{4})?\s*(-)?\s*(\d{4})?", t)
    if not t or not m or (not m.group(2) and m.group(3)) or not (m.group(1) or m.group(3)):
        raise KGError(f"--year {text!r}: give a year (2023), a range (2023-2024), or an open "
                      "range (2024- from 2024, -2023 up to 2023)")
    lo = int(m.group(1)) if m.group(1) else None
    hi = lo if not m.group(2) else (int(m.group(3)) if m.group(3) else None)
    if lo is not None and hi is not None and lo > hi:
        raise KGError(f"--year {text!r}: the first year is after the last")
    return lo, hi


def view_spec(store: Store, *, threats: Iterable[str] = (), knowledge: Iterable[str] = (),
              models: Iterable[str] = (), methods: Iterable[str] = (),
              papers: Iterable[str] = (), part: str = "all",
              authors: Iterable[str] = (), venues: Iterable[str] = (),
              years: str | None = None, resolver: Resolver | None = None) -> ViewSpec:
    """A filter view from user labels (any spelling the alias file knows)."""
    if part not in PARTS:
        raise KGError(f"unknown part {part!r}; expected one of {', '.join(PARTS)}")
    r = resolver or Resolver(store)

    def canon(kind: str, values: Iterable[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.resolve(kind, v) for v in values))

    people = tuple(dict.fromkeys(p for a in authors for p in r.resolve_authors(a)))
    return ViewSpec(canon("threats", threats), canon("knowledge", knowledge),
                    canon("models", models), canon("methods", methods), canon("papers", papers),
                    part, people, canon("venues", venues),
                    parse_years(years) if years is not None else None)


def construct_spec(query: str) -> ViewSpec:
    """A view given by a read-only SPARQL CONSTRUCT (refused: updates, SERVICE, FROM, ...)."""

    if not query or not query.strip():
        raise QueryError("empty query")
    form = check_in_worker(query)
    if form != "construct":
        raise QueryError(f"a view query must be a SPARQL CONSTRUCT; this is a {form.upper()} "
                         "query")
    return ViewSpec(construct=query.strip() + "\n")


def view_forms(spec: ViewSpec, iri_of: dict[str, dict[str, URIRef]]):
    """The logical forms of a filter view: (attack rows, defense rows), None for a part the
    view leaves out. Knowledge constrains attack rows only; a method selects defense rows."""

    def cond(kind: str, labels: tuple[str, ...], single: str):
        if not labels:
            return ()
        return (Cond(single, tuple(Term(str(iri_of[kind][v]), v) for v in labels)),)

    common = (cond("threats", spec.threats, "threat") + cond("models", spec.models, "model")
              + cond("papers", spec.papers, "paper") + cond("authors", spec.authors, "author")
              + cond("venues", spec.venues, "venue"))
    if spec.years is not None:
        common += (Cond("year", years=spec.years),)
    attacks = defenses = None
    if spec.part in ("all", "attacks") and not spec.methods:
        attacks = Form("attacks", common + cond("knowledge", spec.knowledge, "knowledge"))
    if spec.part in ("all", "defenses"):
        defenses = Form("evaluations", common + cond("methods", spec.methods, "method"))
    return attacks, defenses


def selection_spec(description: str, rows: Iterable[str],
                   command: Iterable[str] = ()) -> ViewSpec:
    """A view of exactly the given attack / defense-evaluation rows (their IRIs), named by
    ``description`` ("audit profile of ..."), regenerated by ``command`` (the CLI words):
    any selection gets every export, the related-work document included."""
    return ViewSpec(selection=description, rows=tuple(dict.fromkeys(str(r) for r in rows)),
                    selection_command=tuple(command))


def question_spec(store: Store, question: str) -> ViewSpec:
    """A view of exactly the rows the answer to ``question`` rests on (KGError when the
    question is not answered by a query: an unknown name, a condition that cannot apply)."""
    from dataclasses import replace as _replace


    a = ask(store, question)
    if a.intent != "query" or a.form is None:
        raise KGError(f"nothing to export for {question!r}: {a.message or a.intent}")
    form = a.form
    if form.agg is not None and form.agg.op != "count":  # the rows behind the answer items
        keys = {x["iri"] for x in a.answers}
        res = run(store, _replace(form, agg=None), cap=None)
        res.items = [x for x in res.items if x["iri"] in keys]
    else:
        res = run(store, form, cap=None)
    return ViewSpec(question=a.question, understood_as=a.understood_as,
                    rows=tuple(row_ids(res)))


__all__ = ["PARTS", "ViewSpec", "construct_spec", "parse_years", "question_spec",
           "selection_spec", "view_forms", "view_spec", "year_text"]
