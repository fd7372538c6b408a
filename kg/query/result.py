"""Running a form: the answer is exactly what the SPARQL shown returns.

:func:`run` compiles a form (:mod:`kg.query.compiler`), runs it on a store and gathers the
rows per item (iri, label, type, the rows it rests on or its row count); a listing stops at
its cap and is then counted apart (:mod:`kg.query.counts`). A negated condition that holds
for every row of a part is said, never dropped unsaid (``not_applied``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..coverage import summary
from ..errors import NotApplicable
from ..stores.base import Store, select_values
from .compiler import compile_form, context
from .counts import bounded_count, summary_count, summary_grouped
from .form import ANSWER_TYPE, PART_NOUN, TARGET_NOUN, Form, describe, render_cond, why_not

#: Rows a listing returns; past it the total comes from a COUNT query.
ROW_CAP = 1000


@dataclass
class Result:
    form: Form
    sparql: str
    items: list[dict]  # iri, label, type, rows (the rows it rests on) | n (row count)
    count: int  # items (rows for attacks and defense evaluations)
    understood_as: str
    total_sparql: str = ""  # set when the listing stopped at ROW_CAP rows
    truncated: bool = False
    count_exact: bool = True  # False: the count stopped at its bound (more than ``count``)
    not_applied: list[str] = field(default_factory=list)  # negations that hold vacuously
    #: where ``count`` of a stopped listing comes from: "query" (counted over the rows by
    #: ``total_sparql``) or "summary" (the stored coverage cells ``total_sparql`` sums)
    count_source: str = "query"


def run(store: Store, form: Form, cap: int | None = ROW_CAP,
        count_cap: int | None = None) -> Result:
    """Compile ``form`` and run it on ``store``: the answer, exactly what the SPARQL shown
    returns (listings stop at ``cap`` rows, None: all; the total is then counted by a
    second query, which stops past ``count_cap`` when one is given: ``count_exact`` is
    then False and ``count`` is the bound)."""
    ctx = context(store)
    comp = compile_form(form, ctx)
    sparql = comp.sparql if comp.grouped or cap is None else f"{comp.sparql}\nLIMIT {cap}"
    grouped = summary_grouped(form, ctx) if comp.grouped else None
    if grouped is not None and summary.current(store):  # the same items and counts from
        # the stored cells (counting the rows per threat at 100k papers reads all 84k)
        sparql = summary.grouped_count_query(**grouped)
    names, rows = select_values(store, sparql)  # plain values: no rdflib term per cell
    ix = {n: i for i, n in enumerate(names)}
    k, lab, n_at, row_at = ix["key"], ix["label"], ix.get("n"), ix.get("row")
    kind = ANSWER_TYPE[form.target]
    out: dict[str, dict] = {}
    rows_of: dict[str, dict[str, None]] = {}  # item -> its rows, in first-seen order
    for r in rows:
        iri = r[k]
        item = out.get(iri)
        if item is None:
            item = out[iri] = {"iri": iri, "label": r[lab], "type": kind}
        if comp.grouped:
            item["n"] = int(r[n_at])
        elif row_at is not None and r[row_at] is not None:
            if iri not in rows_of:
                rows_of[iri] = item["rows"] = {}
            rows_of[iri][r[row_at]] = None
    seen_rows = {row for rs in rows_of.values() for row in rs}
    for iri, rs in rows_of.items():
        out[iri]["rows"] = list(rs)
    items = list(out.values())
    if not comp.grouped:
        items.sort(key=lambda a: (a["label"].casefold(), a["iri"]))
    row_target = form.target in ("attacks", "evaluations")
    count = len(seen_rows) if row_target else len(items)
    res = Result(form, sparql, items, count, describe(form, ctx.tree))
    if not comp.grouped and cap is not None and len(rows) >= cap:
        res.truncated = True
        stored = summary_count(store, form, ctx)
        if stored is not None:  # exact, from a few stored cells (a count over the rows
            # reads every matching row: ~1.4 s for 58k rows at 100k papers on Oxigraph)
            res.total_sparql, res.count = stored
            res.count_source = "summary"
        else:
            res.total_sparql = (comp.count_sparql if count_cap is None
                                else bounded_count(comp, count_cap))
            res.count = int(select_values(store, res.total_sparql)[1][0][0])
            if count_cap is not None and res.count > count_cap:
                res.count, res.count_exact = count_cap, False
    res.not_applied = [f"{render_cond(c, ctx.tree)} holds for every row of "
                       f"{PART_NOUN[p]}: {why_not(c, p)}"
                       for c in form.conds if c.negated for p in form.parts if why_not(c, p)]
    return res


def row_ids(result: Result) -> list[str]:
    """The rows an answer rests on (listing results), in first-seen order."""
    return list(dict.fromkeys(r for item in result.items for r in item.get("rows", ())))



def why_empty(store: Store, form: Form) -> str:
    """Why a form's answer is empty, in words: each positive condition that matches no row
    of the target on its own ("no papers in the graph have year = 2019"), else that no item
    meets the conditions together. A condition that matches nothing stays a condition: the
    answer is empty, never the rows without it."""
    ctx = context(store)
    alone = [c for c in form.conds if not c.negated]
    empty = []
    for c in alone:
        try:
            probe = run(store, Form(form.target, (c,), None, form.parts), cap=1)
        except NotApplicable as e:
            empty.append(f"{render_cond(c, ctx.tree)} ({e})")
            continue
        if not probe.items:
            empty.append(render_cond(c, ctx.tree))
    noun = TARGET_NOUN[form.target]
    if empty:
        return "; ".join(f"no {noun} in the graph match {c}" for c in empty)
    if len(form.conds) > 1:
        return f"no {noun} in the graph meet these conditions together"
    return f"no {noun} in the graph match this"
