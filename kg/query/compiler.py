"""Compiling a logical form to one SPARQL SELECT with bound values.

:func:`compile_form` writes ``?key ?label ?row`` per row (listings) or ``?key ?label ?n``
(aggregates over rows per item), with every value an RDF term in a ``VALUES`` block
(:func:`kg.sparql_text.sparql_term`), never user text. The shapes are chosen by measurement
at 100k papers (each choice says its figures where it is made): VALUES blocks first in each
group (:func:`_seeded`); a negation on the row's own predicate as a per-row
``FILTER NOT EXISTS``, one through the paper as ``MINUS``; all-of on an item and "has a
defense" as DISTINCT sub-selects, never a per-row ``FILTER EXISTS``. A positive condition no
row of the target can hold raises :class:`kg.errors.NotApplicable` (:func:`why_not`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

from ..errors import NotApplicable
from ..family import ModelTree, model_tree
from ..sparql_text import XSD_INTEGER, iri_ref, sparql_literal
from ..stores.base import Store, select_values
from .form import (
    ANSWER_TYPE,
    ITEM_KIND,
    TARGET_NOUN,
    Cond,
    Form,
    applicable_parts,
    render_cond,
    why_not,
)

_ROW_CLASS = {"attacks": "rd:Attack", "defenses": "rd:DefenseEvaluation"}
_THREAT = {"attacks": "rd:threat", "defenses": "rd:mitigates"}
_NO_YEAR = "rd:NoYearInRange"  # no publication year is this term
_TEXT = {"attacks": {"effectiveness": "rd:effectiveness", "limitation": "rd:limitation"},
         "defenses": {"effectiveness": "rd:effectiveness"}}
#: the predicate of each answer type's label
LABEL_PREDICATE = {"paper": "dcterms:title", "method": "rdfs:label", "model": "skos:prefLabel",
                   "threat": "skos:prefLabel", "knowledge": "skos:prefLabel"}


@dataclass(frozen=True)
class Context:
    """What compiling needs from the graph: the model tree and the knowledge levels."""

    tree: ModelTree
    knowledge: frozenset[str]
    #: the publication years the graph holds, as (year, the literal as stored, written as
    #: SPARQL); None: not read (a year condition is then a FILTER over every row's year)
    years: tuple[tuple[int, str], ...] | None = None


_KNOWLEDGE = "SELECT ?k WHERE { ?k a rd:AttackerKnowledge }"
_YEARS = ("SELECT DISTINCT ?y (DATATYPE(?y) AS ?dt) "
          "WHERE { ?p rd:publicationYear ?y }")


@functools.lru_cache(maxsize=8)
def context(store: Store) -> Context:
    """The graph's model tree, knowledge levels and years (an xsd:integer each; any other
    year and a year condition is a FILTER over every row's year)."""
    years = []
    for y, dt in select_values(store, _YEARS)[1]:
        try:
            if dt != XSD_INTEGER:
                raise ValueError(y)
            years.append((int(y), sparql_literal(y, dt)))
        except (TypeError, ValueError):
            return Context(model_tree(store), _knowledge(store))  # an odd year: FILTER
    return Context(model_tree(store), _knowledge(store), tuple(sorted(years)))


def _knowledge(store: Store) -> frozenset[str]:
    return frozenset(r[0] for r in select_values(store, _KNOWLEDGE)[1])


class _Vars:
    """Fresh variable names; a sub-select's branches get their own ``prefix`` (rdflib joins
    a sub-select's inner variable with an outer one of the same name)."""

    def __init__(self, prefix: str = "") -> None:
        self.n = 0
        self.prefix = prefix

    def new(self, stem: str) -> str:
        self.n += 1
        return f"?{self.prefix}{stem}{self.n}"


def _values(var: str, iris) -> str:
    return f"VALUES {var} {{ " + " ".join(iri_ref(i) for i in sorted(iris)) + " }"


def _iris(c: Cond, ctx: Context) -> set[str]:
    if c.kind == "model" and c.mode != "exact":
        return set().union(*(ctx.tree.below(v.iri) for v in c.values))
    return {v.iri for v in c.values}


def _cond_lines(c: Cond, r: str, part: str, ctx: Context, v: _Vars) -> list[str]:
    """Patterns that make row ``r`` of ``part`` satisfy ``c`` (ignoring negation)."""
    if c.kind == "text":
        preds = (list(_TEXT[part].values()) if c.field == "any" else [_TEXT[part][c.field]])
        t = v.new("text")
        words = [v.new("word") for _ in c.words]
        lines = [f"{r} {'|'.join(preds)} {t} ."]
        lines += [f"VALUES {w} {{ {sparql_literal(word)} }}"
                  for w, word in zip(words, c.words, strict=True)]
        lines.append("FILTER(" + " && ".join(f"CONTAINS(LCASE(STR({t})), {w})" for w in words)
                     + ")")
        return lines
    if c.kind == "code":  # linked: rd:CodeLinked; unlinked: either other state
        p = v.new("codepaper")
        if c.code == "linked":
            return [f"{r} rd:fromPaper {p} .", f"{p} rd:codeAvailability rd:CodeLinked ."]
        a = v.new("code")
        return [f"{r} rd:fromPaper {p} .", f"{p} rd:codeAvailability {a} .",
                f"VALUES {a} {{ rd:CodeWithoutLink rd:NoCodeMarked }}"]
    if c.kind == "year":  # the graph's years in range bound first (_seeded): no read of every
        # row's year ("MIA papers before 2024" ran minutes at 100k); none: a term no year is
        p, y = v.new("yearpaper"), v.new("year")
        lines = [f"{r} rd:fromPaper {p} .", f"{p} rd:publicationYear {y} ."]
        if ctx.years is not None:
            return lines + [f"VALUES {y} {{ " + " ".join(_held(c, ctx) or [_NO_YEAR]) + " }"]
        lo, hi = c.years
        tests = [f"{y} >= {sparql_literal(lo)}"] * (lo is not None) + [
            f"{y} <= {sparql_literal(hi)}"] * (hi is not None)
        return lines + ["FILTER(" + " && ".join(tests) + ")"]
    if c.kind in ("author", "venue"):
        p, x = v.new(c.kind + "paper"), v.new(c.kind)
        pred = "dcterms:creator" if c.kind == "author" else "rd:publishedAt"
        return [f"{r} rd:fromPaper {p} .", f"{p} {pred} {x} .", _values(x, _iris(c, ctx))]
    if c.kind == "uncovered":  # a model of the row that no defense covers
        m = v.new("uncovered")
        return [f"{r} rd:evaluatedOn {m} .", f"MINUS {{ {covered_models(m, v)} }}"]
    if c.kind == "t2i":
        m = v.new("t2imodel")
        return [f"{r} rd:evaluatedOn {m} .", f"{m} rd:isTextToImage true ."]
    if c.kind == "defended":
        # the defended threats once, as a sub-select (a per-row FILTER EXISTS ran minutes at
        # 100k papers); rd:mitigates's domain is rd:DefenseEvaluation: no type check
        t, d = v.new("threat"), v.new("defense")
        return [f"{{ SELECT DISTINCT {t} WHERE {{ {d} rd:mitigates {t} . }} }}",
                f"{r} rd:threat {t} ."]
    pred = {"threat": _THREAT[part], "knowledge": "rd:assumesKnowledge",
            "model": "rd:evaluatedOn", "method": "rd:method", "paper": "rd:fromPaper"}[c.kind]
    x = v.new(c.kind)
    lines = [f"{r} {pred} {x} .", _values(x, _iris(c, ctx))]
    if c.mode == "only":
        rest = (ctx.knowledge if c.kind == "knowledge" else set()) - _iris(c, ctx)
        if c.kind != "knowledge":
            raise NotApplicable("'only' applies to attacker knowledge")
        if rest:  # per row, from the bound row (see _not_exists)
            y = v.new("other")
            lines.append(f"FILTER NOT EXISTS {{ {r} {pred} {y} . {_values(y, rest)} }}")
    return lines


def covered_models(var: str, v: _Vars) -> str:
    """A sub-select of the models (``var``) some defense row is evaluated on, as the rows
    name them: the model level of the coverage engine (``kg gaps``' "no defense evaluated on
    X itself"); a defense on a family or on a sibling covers not the model."""
    d = v.new("covering")
    return (f"SELECT DISTINCT {var} WHERE {{ {d} rd:evaluatedOn {var} . "
            f"{d} a rd:DefenseEvaluation . }}")


#: negated conditions that are one predicate of the row itself: tested per row
_DIRECT = frozenset({"threat", "knowledge", "model", "method"})


def _not_exists(lines: list[str]) -> str:
    """A negation tested per row, starting from the bound row (its VALUES last): for a
    negated condition on the row's own predicate, a FILTER NOT EXISTS reads a row's few
    values, where a MINUS reads every row that holds the condition. At 100k papers, the
    100 rows of "attacks on DDPM but not on LDM": 18 ms vs 243 ms with MINUS ("black-box
    only attacks": 15 ms vs 87 ms). A negation through the paper (code, year, author) stays
    a MINUS: from a bound row Oxigraph scans the paper's side per row (4.1 s for 100 rows)."""
    return ("FILTER NOT EXISTS { " + " ".join(
        [x for x in lines if not x.startswith("VALUES ")]
        + [x for x in lines if x.startswith("VALUES ")]) + " }")


def _split(c: Cond, row_target: bool) -> list[Cond]:
    """An all-of condition as one single-value condition per value."""
    if c.mode == "all" and len(c.values) > 1:
        return [replace(c, values=(val,), mode="any") for val in c.values]
    return [c]


def _link(target: str, part: str, r: str, item: str) -> str:
    return {"methods": f"{r} rd:method {item} .", "papers": f"{r} rd:fromPaper {item} .",
            "models": f"{r} rd:evaluatedOn {item} .", "threats": f"{r} {_THREAT[part]} {item} .",
            "knowledge": f"{r} rd:assumesKnowledge {item} ."}[target]


def _model_itself(form: Form, ctx: Context, v: _Vars, key: str) -> list[str]:
    """When models are asked for, "uncovered" and "t2i" hold on the model itself."""
    lines = []
    for c in form.conds:
        if c.kind == "uncovered":  # no defense covers the model
            covered = covered_models(key, v)
            lines.append(f"{{ {covered} }}" if c.negated else f"MINUS {{ {covered} }}")
        if c.kind == "t2i":  # "T2I models": the model is text-to-image
            t2i = f"{key} rd:isTextToImage true ."
            lines.append(f"FILTER NOT EXISTS {{ {t2i} }}" if c.negated else t2i)
    return lines


def _held(c: Cond, ctx: Context) -> list[str]:
    """The graph's years (as stored) within a year condition's range."""
    lo, hi = c.years
    return [lit for year, lit in ctx.years or ()
            if (lo is None or year >= lo) and (hi is None or year <= hi)]


def _branch(form: Form, part: str, ctx: Context, v: _Vars, key: str = "?key") -> list[str]:
    """The patterns of one part: ?row of ``part`` linked to ``key``, with every condition."""
    if any(c.kind == "year" and not c.negated and ctx.years is not None and not _held(c, ctx)
           for c in form.conds):  # no paper has such a year: the branch is empty at once
        return [f"VALUES ?noyear {{ {_NO_YEAR} }}", "?row rd:publicationYear ?noyear ."]
    row_target = form.target in ("attacks", "evaluations")
    own = ITEM_KIND.get(form.target)
    lines = [f"?row a {_ROW_CLASS[part]} ."]
    if form.target == "attacks":
        lines.append(f"?row rd:fromPaper {key} .")
    elif form.target == "evaluations":
        lines.append(f"?row rd:method {key} .")
    else:
        lines.append(_link(form.target, part, "?row", key))
    item_conds = [c for c in form.conds if c.kind == own]
    row_conds = [c for c in form.conds if c.kind not in (own, "distinct", "rows")
                 and not (own == "model" and c.kind in ("uncovered", "t2i"))]
    if own == "model":
        lines += _model_itself(form, ctx, v, key)
    for c in item_conds:
        iris = _iris(c, ctx)
        if c.negated:
            lines.append(f"FILTER({key} NOT IN (" + ", ".join(iri_ref(i)
                                                            for i in sorted(iris)) + "))")
        else:
            lines.append(_values(key, iris))
    positive = [c for c in row_conds if not c.negated and not (c.mode == "all"
                                                                and len(c.values) > 1)]
    all_of = [s for c in row_conds if not c.negated and c.mode == "all" and len(c.values) > 1
              for s in _split(c, row_target)]
    for c in positive:
        lines += _cond_lines(c, "?row", part, ctx, v)
    lines += _item_lines(form, part, positive, row_target, ctx, v, key)
    for c in all_of:
        if row_target:
            lines += _cond_lines(c, "?row", part, ctx, v)
        else:
            r = v.new("row")
            inner = [f"{r} a {_ROW_CLASS[part]} .", _link(form.target, part, r, key)]
            for p in positive:
                inner += _cond_lines(p, r, part, ctx, v)
            inner += _cond_lines(c, r, part, ctx, v)
            # a semi-join on the key: the items with such a row, once each (DISTINCT), so
            # the join adds no rows; as fast as its VALUES (a FILTER EXISTS is evaluated
            # per outer row: "defenses evaluated on DDPM and SD" > 10 s at 100k papers)
            lines.append(f"{{ SELECT DISTINCT {key} WHERE {{ " + " ".join(_seeded(inner))
                         + " } }")
    for c in row_conds:
        if not c.negated:
            continue
        if row_target and why_not(c, part):
            continue  # no row of this part can satisfy it: the negation holds
        # a negated all-of: no row holding every value at once
        subs = _split(c, row_target) if c.mode == "all" else [c]
        if row_target:
            patterns = [line for sub in subs for line in _cond_lines(sub, "?row", part, ctx, v)]
            if all(sub.kind in _DIRECT and sub.mode != "only" for sub in subs):
                lines.append(_not_exists(patterns))
                continue
            inner = " ".join(_seeded(patterns))
        else:  # any row of the item, in every table the form ranges over
            alts = []
            for other in form.parts:
                if why_not(c, other):
                    continue
                r = v.new("row")
                alts.append(" ".join(_seeded([f"{r} a {_ROW_CLASS[other]} .",
                                              _link(form.target, other, r, key)]
                                             + [line for sub in subs
                                                for line in _cond_lines(sub, r, other, ctx,
                                                                        v)])))
            if not alts:
                continue  # no row of any part can satisfy it: the negation holds
            inner = alts[0] if len(alts) == 1 else " UNION ".join("{ " + x + " }" for x in alts)
        # MINUS, not FILTER NOT EXISTS: the same rows here (the key is bound before it and
        # shared; the inner's other variables are fresh), and Oxigraph evaluates a NOT EXISTS
        # per outer row ("attacks without public code", 100k papers: 4.1 s; MINUS 0.4 s)
        lines.append("MINUS { " + inner + " }")
    return _seeded(lines)


#: the item a ``rows`` condition links the other table's rows to: an attack by its paper,
#: an evaluation by its method
_ROWS_ITEM = {"attacks": "papers", "evaluations": "methods"}


def _rows(c: Cond, form: Form, ctx: Context, v: _Vars, key: str) -> str:
    """The items with a row of table ``c.of`` meeting ``c.sub`` (a DISTINCT sub-select),
    or, negated, MINUS them."""
    item = _ROWS_ITEM.get(form.target, form.target)
    if item == "knowledge" and c.of == "defenses" or item == "methods" and c.of == "attacks":
        raise NotApplicable(f"{render_cond(c)}: {c.of} rows do not name "
                            f"{TARGET_NOUN[form.target]}")
    for s in c.sub:
        if why_not(s, c.of):
            raise NotApplicable(f"{render_cond(s)}: {why_not(s, c.of)}")
    r = v.new("otherrow")
    inner = [f"{r} a {_ROW_CLASS[c.of]} .", _link(item, c.of, r, key)]
    for s in c.sub:
        inner += _cond_lines(s, r, c.of, ctx, v)
    body = " ".join(_seeded(inner))
    return f"MINUS {{ {body} }}" if c.negated else \
        f"{{ SELECT DISTINCT {key} WHERE {{ {body} }} }}"


def _item_lines(form: Form, part: str, positive: list[Cond], row_target: bool, ctx: Context,
                v: _Vars, key: str) -> list[str]:
    """The conditions on the item as a whole: every row of it (mode ``every``), a row of
    the other table (``rows``), a number of distinct values (``distinct``)."""
    lines: list[str] = []
    for c in positive:
        if c.mode == "every" and not row_target:
            lines += _every(c, form, [p for p in positive if p is not c], ctx, v, key)
    for c in form.conds:
        if c.kind == "rows" and row_target:  # the row's own paper / method (the count
            # query leaves the row's link to ?key out: see compile_form)
            item = v.new("rowitem")
            pred = "rd:fromPaper" if form.target == "attacks" else "rd:method"
            lines += [f"?row {pred} {item} .", _rows(c, form, ctx, v, item)]
        elif c.kind == "rows":
            lines.append(_rows(c, form, ctx, v, key))
    for c in form.conds:
        if c.kind == "distinct":
            lines.append(_distinct(c, form, positive, ctx, v, "?row" if row_target else key,
                                   part if row_target else None))
    return lines


def _every(c: Cond, form: Form, others: list[Cond], ctx: Context, v: _Vars,
           key: str) -> list[str]:
    """The item's rows meeting the ``others`` (positive) conditions, in every part where
    ``c`` can hold, all satisfy ``c``: MINUS the items with such a row that does not."""
    out = []
    for part in form.parts:
        if why_not(c, part) or any(why_not(p, part) for p in others):
            continue
        r = v.new("everyrow")
        inner = [f"{r} a {_ROW_CLASS[part]} .", _link(form.target, part, r, key)]
        for p in others:
            inner += _cond_lines(p, r, part, ctx, v)
        test = _cond_lines(replace(c, mode="any"), r, part, ctx, v)
        out.append("MINUS { " + " ".join(_seeded(inner)) + " FILTER NOT EXISTS { "
                   + " ".join(_seeded(test)) + " } }")
    return out


_DISTINCT_PRED = {"model": "rd:evaluatedOn", "knowledge": "rd:assumesKnowledge", "paper": "rd:fromPaper"}


def _distinct(c: Cond, form: Form, positive: list[Cond], ctx: Context, v: _Vars, key: str,
              part: str | None) -> str:
    """A sub-select of the keys whose rows name a number of distinct ``c.of`` values in
    ``c.span``: per row (``key`` = ?row of ``part``), or per item over its rows of every
    part the form ranges over that carry the value, each meeting the ``positive``
    conditions it can hold (rows of a part where one cannot hold do not count)."""
    alts = []
    x = v.new("counted")  # one counted variable over every part
    for other in ((part,) if part else form.parts):
        if why_not(c, other) or any(why_not(p, other) for p in positive):
            continue
        r = key if part else v.new("crow")
        pred = _DISTINCT_PRED.get(c.of) or _THREAT[other]
        inner = [] if part else [f"{r} a {_ROW_CLASS[other]} .",
                                 _link(form.target, other, r, key)]
        for p in ([] if part else positive):
            inner += _cond_lines(p, r, other, ctx, v)
        alts.append(" ".join(_seeded(inner + [f"{r} {pred} {x} ."])))
    if not alts:
        raise NotApplicable(f"{render_cond(c)}: no row the form ranges over carries it")
    n = v.new("n")
    lo, hi = c.span
    tests = ([f"{n} >= {sparql_literal(lo)}"] if lo is not None else []) + (
        [f"{n} <= {sparql_literal(hi)}"] if hi is not None else [])
    where = alts[0] if len(alts) == 1 else " UNION ".join("{ " + a + " }" for a in alts)
    return (f"{{ SELECT {key} WHERE {{ {{ SELECT {key} (COUNT(DISTINCT {x}) AS {n}) "
            f"WHERE {{ {where} }} GROUP BY {key} }} FILTER({' && '.join(tests)}) }} }}")


def _valued(form: Form, parts: tuple[str, ...], branches: list[list[str]]) -> list[list[str]]:
    """The branches of the parts that carry ``form.agg.of``, each row bound to the values it
    names (``?value``: its target models as named, knowledge levels or threat)."""
    of = form.agg.of if form.agg else ""
    out = []
    for part, b in zip(parts, branches, strict=True):
        if of == "knowledge" and part == "defenses":
            continue
        pred = _DISTINCT_PRED.get(of) or _THREAT[part]
        out.append(b + [f"?row {pred} ?value ."])
    if not out:
        raise NotApplicable(f"defense rows carry no attacker knowledge: "
                            f"{TARGET_NOUN[form.target]} cannot be ranked by it")
    return out


def _seeded(lines: list[str]) -> list[str]:
    """The VALUES blocks first (a pure reordering: no MINUS shares their fresh variables), so
    Oxigraph seeds the join from the bound values instead of scanning every row of the class
    (at 100k papers one question took over 10 minutes with them last, 21 ms first)."""
    return ([line for line in lines if line.startswith("VALUES ")]
            + [line for line in lines if not line.startswith("VALUES ")])


@dataclass(frozen=True)
class Compiled:
    form: Form
    sparql: str
    count_sparql: str  # the number of items of a listing (used past ROW_CAP)
    grouped: bool  # rows carry ?n (per-item row counts)
    count_body: str = ""  # the counted variable and the pattern (bounded_count)


def compile_form(form: Form, ctx: Context) -> Compiled:
    """One SPARQL SELECT for ``form``: ``?key ?label ?row`` per row (listings) or
    ``?key ?label ?n`` (aggregates over rows per item). NotApplicable when a positive
    condition holds on none of the rows the target ranges over."""
    parts, why = applicable_parts(form)
    if not parts:
        raise NotApplicable(f"cannot apply to {TARGET_NOUN[form.target]}: " + "; ".join(
            dict.fromkeys(why)))
    v = _Vars()
    branches = [_branch(form, p, ctx, v) for p in parts]
    # top / bottom: the MAX/MIN sub-select has its own key variable and is compared in a
    # FILTER (rdflib does not join two sub-selects on an aggregated variable).
    other = [_branch(form, p, ctx, _Vars("o"), "?otherkey") for p in parts]

    def body(indent: str = "  ", branches=branches) -> str:
        if len(branches) == 1:
            return "\n".join(indent + line for line in branches[0])
        return f"\n{indent}UNION\n".join(
            indent + "{\n" + "\n".join(indent + "  " + line for line in b) + "\n" + indent + "}"
            for b in branches)

    label = f"?key {LABEL_PREDICATE[ANSWER_TYPE[form.target]]} ?label ."
    op = form.agg.op if form.agg else ""
    if op in ("per_item", "more_than", "fewer_than"):
        having = ""
        if op != "per_item":
            cmp = ">" if op == "more_than" else "<"
            having = f"\nHAVING (COUNT(DISTINCT ?row) {cmp} {sparql_literal(form.agg.n)})"
        papers = form.agg.of == "paper"  # distinct papers of the item's rows
        sparql = (f"SELECT ?key ?label (COUNT(DISTINCT {'?value' if papers else '?row'}) AS ?n)"
                  f" WHERE {{\n{body(branches=_valued(form, parts, branches) if papers else branches)}"
                  f"\n  {label}\n}}\nGROUP BY ?key ?label{having}\nORDER BY DESC(?n) ?label")
        grouped = True
    elif op in ("top", "bottom"):
        best = "MAX" if op == "top" else "MIN"
        counted_var, ranked, ranked2 = "?row", branches, other
        if form.agg.of:  # distinct values the item's rows name (parts that carry them)
            counted_var = "?value"
            ranked = _valued(form, parts, branches)
            ranked2 = _valued(form, parts, other)
        inner = (f"SELECT ?key (COUNT(DISTINCT {counted_var}) AS ?n) WHERE {{\n"
                 f"{body('      ', ranked)}\n    }} GROUP BY ?key")
        inner2 = (f"SELECT ?otherkey (COUNT(DISTINCT {counted_var}) AS ?c) WHERE {{\n"
                  f"{body('        ', ranked2)}\n      }} GROUP BY ?otherkey")
        sparql = (f"SELECT ?key ?label ?n WHERE {{\n  {{ {inner} }}\n"
                  f"  {{ SELECT ({best}(?c) AS ?best) WHERE {{ {{ {inner2} }} }} }}\n"
                  f"  FILTER(?n = ?best)\n  {label}\n}}\nORDER BY ?label")
        grouped = True
    elif op in ("earliest", "latest"):  # the rows whose paper has the first / last year
        best = "MIN" if op == "earliest" else "MAX"
        # the sub-select's rows get their own variable too (see _Vars)
        inner_rows = [[line.replace("?row", "?yrow") for line in b] for b in other]
        sparql = (f"SELECT DISTINCT ?key ?label ?row WHERE {{\n{body()}\n"
                  f"  ?row rd:fromPaper ?whenpaper . ?whenpaper rd:publicationYear ?when .\n"
                  f"  {{ SELECT ({best}(?y) AS ?best) WHERE {{\n{body('      ', inner_rows)}\n"
                  f"      ?yrow rd:fromPaper ?ypaper . ?ypaper rd:publicationYear ?y .\n    }} }}\n"
                  f"  FILTER(?when = ?best)\n  {label}\n}}")
        grouped = False
    else:
        sparql = f"SELECT DISTINCT ?key ?label ?row WHERE {{\n{body()}\n  {label}\n}}"
        grouped = False
    count_var = "?row" if form.target in ("attacks", "evaluations") else "?key"
    counted = branches
    if count_var == "?row":  # rows are counted, not their paper / method: the row's link to
        # its key is left out (every attack and defense evaluation has exactly one paper and
        # one method, ontology/shapes.ttl; a quarter of a bounded count's time at 100k)
        link = {"attacks": "?row rd:fromPaper ?key .", "evaluations": "?row rd:method ?key ."}
        counted = [[line for line in b if line != link[form.target]] for b in branches]
    count = f"SELECT (COUNT(DISTINCT {count_var}) AS ?n) WHERE {{\n{body(branches=counted)}\n}}"
    return Compiled(form, sparql, count, grouped, f"{count_var}\n{body('    ', counted)}")

