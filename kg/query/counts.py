"""Counts of a form's answer that do not read every matching row.

A listing stopped at its cap is counted by :func:`bounded_count` (at most ``bound`` + 1
rows read), or exactly from the coverage summary stored at load (:mod:`kg.coverage.summary`)
when its cells hold that count (:func:`summary_cell`); rows per threat, model or knowledge
level come from the cells too (:func:`summary_grouped`). A count from the summary is the
same number as the count over the rows: only a summary current for the graph is read.
"""

from __future__ import annotations

from ..coverage import summary
from ..coverage.counts import THREAT_VIEW
from ..sparql_text import sparql_literal
from ..stores.base import Store, select_values
from .compiler import LABEL_PREDICATE, Compiled, Context
from .form import ANSWER_TYPE, Cond, Form


def bounded_count(comp: Compiled, bound: int) -> str:
    """The listing's count, stopped at ``bound`` + 1: reads at most that many rows, so a
    count past ``bound`` costs what ``bound`` rows cost (a full count at 100k papers reads
    every matching row: ~1 s on Oxigraph per 25k rows)."""
    var, body = comp.count_body.split("\n", 1)
    return (f"SELECT (COUNT(*) AS ?n) WHERE {{\n  {{ SELECT DISTINCT {var} WHERE {{\n{body}\n"
            f"  }} LIMIT {int(bound) + 1} }}\n}}")


def summary_cell(form: Form, ctx: Context) -> tuple[str, str, frozenset | None, str | None] | None:
    """The stored coverage cells whose count is exactly the number of rows ``form`` matches,
    as (view, rows, threats, column) for :func:`kg.coverage.summary.cell_count_query`; None
    when the form is not such a count. It is one when the form counts rows of one table
    (attacks or defense evaluations) under positive conditions on at most the threat (any of
    its values: a row has one threat) and one model or attacker-knowledge level: a family
    (rd:ModelFamily, every model below it: the model/family cell, the same closure as
    :meth:`ModelTree.below`), a model with nothing below it or named exactly (model/model),
    a knowledge level of attacks (knowledge/model)."""
    if form.target not in ("attacks", "evaluations") or len(form.parts) != 1:
        return None
    if form.agg is not None and form.agg.op != "count":
        return None
    part = form.parts[0]
    if any(c.negated for c in form.conds):
        return None
    threats, other = _threats_and_rest(form)
    if not other:
        return (THREAT_VIEW, part, threats, None)
    col = _column(other[0], part, ctx) if len(other) == 1 else None
    return None if col is None else (col[0], part, threats, col[1])


def _threats_and_rest(form: Form) -> tuple[frozenset | None, list[Cond]]:
    """The threats of the form's first positive any-of threat condition (None: no such
    condition) and the other conditions."""
    threats, other = None, []
    for c in form.conds:
        if c.kind == "threat" and not c.negated and threats is None and (
                c.mode == "any" or len(c.values) == 1):
            threats = frozenset(v.iri for v in c.values)
        else:
            other.append(c)
    return threats, other


def _column(c: Cond, part: str, ctx: Context) -> tuple[str, str] | None:
    """The view and column whose cells hold exactly the rows of ``part`` meeting the single
    condition ``c`` (a model, family or knowledge level), None when none does."""
    if c.negated or len(c.values) != 1 or c.mode not in ("any", "exact"):
        return None
    v = c.values[0].iri
    if c.kind == "knowledge" and part == "attacks" and c.mode == "any":
        return ("knowledge/model", v)
    if c.kind == "model":
        if c.mode == "exact" or ctx.tree.below(v) == {v}:
            return ("model/model", v)
        if v in ctx.tree.families:
            return ("model/family", v)
    return None


#: grouped targets the summary counts: the cells' threat, or their column in a view
_GROUPED = {"threats": None, "models": "model/model", "knowledge": "knowledge/model"}


def summary_grouped(form: Form, ctx: Context) -> dict | None:
    """The arguments of :func:`kg.coverage.summary.grouped_count_query` that give exactly
    ``form``'s answer (rows per threat, per model or per knowledge level, and the most /
    fewest / more or fewer than n of them) from the stored cells; None when they cannot.
    Conditions: on the threat (any of its values), and for rows per threat one model,
    family or knowledge level (as :func:`summary_cell`)."""
    op = form.agg.op if form.agg else ""
    if form.agg is not None and form.agg.of:
        return None  # the cells count rows, not the distinct values rows name
    if form.target not in _GROUPED or len(form.parts) != 1 or op not in (
            "per_item", "more_than", "fewer_than", "top", "bottom"):
        return None
    part = form.parts[0]
    if form.target == "knowledge" and part != "attacks":
        return None
    threats, other = _threats_and_rest(form)
    args: dict = {"rows": part, "threats": threats}
    if form.target == "threats":
        if not other:
            args.update(view=THREAT_VIEW, by="threat")
        elif len(other) == 1 and (col := _column(other[0], part, ctx)) is not None:
            args.update(view=col[0], column=col[1], by="threat")
        else:
            return None
    elif other:
        return None
    else:
        args.update(view=_GROUPED[form.target], by="column")
    if op in ("more_than", "fewer_than"):
        args["having"] = (">" if op == "more_than" else "<") + " " + sparql_literal(form.agg.n)
    elif op in ("top", "bottom"):
        args["best"] = "MAX" if op == "top" else "MIN"
    args["label"] = LABEL_PREDICATE[ANSWER_TYPE[form.target]]
    return args


def summary_count(store: Store, form: Form, ctx: Context) -> tuple[str, int] | None:
    """(the SELECT, the count) from the stored coverage summary, when it holds this count
    and is current for the graph (kg.coverage.summary.current); else None."""
    cell = summary_cell(form, ctx)
    if cell is None:
        return None
    if not summary.current(store):
        return None
    sparql = summary.cell_count_query(*cell)
    rows = select_values(store, sparql)[1]
    return sparql, int(rows[0][0]) if rows and rows[0][0] is not None else 0

