"""The query core: a typed logical form -> one SPARQL query with bound values -> rows.

Everything that selects rows of the taxonomy goes through here: ``kg ask`` (a question is
parsed into a :class:`Form`), ``kg export view`` / ``kg export question`` and the app's
pages. A form says what is asked for (``target``) and a conjunction of conditions
(:class:`Cond`), each positive or negated, and optionally an aggregate (:class:`Agg`).

Semantics (the same everywhere, tested against a plain-Python oracle over the survey rows):

* Rows are attack rows (``rd:Attack``) or defense rows (``rd:DefenseEvaluation``); the
  target decides which (``part``): attacks and knowledge levels range over attack rows,
  defense evaluations and methods over defense rows, papers, models and threats over
  either (or both, as a UNION).
* Positive any-of conditions hold together on one row of the item ("MIAs on SD" = one
  attack row with threat MI and a model under SD).
* A model condition covers every model below it (``skos:broader*``, :mod:`kg.family`).
* An all-of condition ("both DDIM and DALL-E 2") needs, for each value, a row of the item
  with that value (and the positive any-of conditions): for attacks the row itself.
* A negated condition excludes the item when any of its rows satisfies it ("methods on
  DDPM but not on SD" = no defense row of the method on an SD model); for attacks the row
  itself. Knowledge ``only`` = the attack's knowledge set lies within the values.
* A condition on the target's own kind constrains the item ("which SD models are
  attacked" = attacked models under SD).
* Aggregates: ``count`` (the number of items the listing returns), ``per_item`` (rows
  per item), ``top`` / ``bottom`` (the items with the most / fewest rows, ties kept),
  ``more_than`` / ``fewer_than`` N rows.

A condition that cannot hold on the rows a target ranges over (attacker knowledge of a
defense method) is never dropped: :func:`compile_form` raises :class:`NotApplicable`
with the reason. Values reach the query only as RDF terms written by
:func:`kg.sparql_text.sparql_term` into ``VALUES`` blocks (IRIs checked, literals escaped): the
text shown is exactly the text run, and it runs unchanged through ``kg sparql``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

from rdflib import Literal, URIRef

from .coverage import summary
from .coverage.counts import THREAT_VIEW
from .errors import NotApplicable
from .family import ModelTree, model_tree
from .sparql_text import sparql_term
from .stores.base import Store, select_values

TARGETS = ("attacks", "evaluations", "methods", "papers", "models", "threats", "knowledge")
KINDS = ("threat", "knowledge", "model", "method", "paper", "code", "text", "defended", "t2i",
         "author", "venue", "year")
#: Conditions on the row's paper (its curated bibliographic facts): any row of the paper.
PAPER_KINDS = ("author", "venue", "year")
MODES = ("any", "all", "only", "exact")  # exact: a model itself, not the models below it
AGGREGATES = ("count", "per_item", "top", "bottom", "more_than", "fewer_than", "earliest",
              "latest")
FIELDS = ("any", "effectiveness", "limitation")
PARTS = ("attacks", "defenses")

#: Rows a listing returns; past it the total comes from a COUNT query.
ROW_CAP = 1000

# The entity kind each target lists (its own-kind conditions constrain the item).
ITEM_KIND = {"methods": "method", "papers": "paper", "models": "model", "threats": "threat",
             "knowledge": "knowledge"}
ANSWER_TYPE = {"attacks": "paper", "evaluations": "method", "methods": "method",
               "papers": "paper", "models": "model", "threats": "threat",
               "knowledge": "knowledge"}
DEFAULT_PARTS = {"attacks": ("attacks",), "evaluations": ("defenses",),
                 "methods": ("defenses",), "knowledge": ("attacks",),
                 "papers": PARTS, "models": PARTS, "threats": PARTS}
_ROW_CLASS = {"attacks": "rd:Attack", "defenses": "rd:DefenseEvaluation"}
_THREAT = {"attacks": "rd:threat", "defenses": "rd:mitigates"}
_TEXT = {"attacks": {"effectiveness": "rd:effectiveness", "limitation": "rd:limitation"},
         "defenses": {"effectiveness": "rd:effectiveness"}}
_LABEL = {"paper": "dcterms:title", "method": "rdfs:label", "model": "skos:prefLabel",
          "threat": "skos:prefLabel", "knowledge": "skos:prefLabel"}
_NOUN = {"attacks": "attacks", "evaluations": "defense evaluations",
         "methods": "defense methods", "papers": "papers", "models": "models",
         "threats": "threats", "knowledge": "attacker-knowledge levels"}
_PART_NOUN = {"attacks": "attack rows", "defenses": "defense rows"}


@dataclass(frozen=True)
class Term:
    """A value of a condition: a node of the graph with its label."""

    iri: str
    label: str


@dataclass(frozen=True)
class Cond:
    """One condition. ``values`` are graph nodes (threat, knowledge, model, method,
    paper); ``code`` is "linked" (the source links a repository: rd:CodeLinked) or
    "unlinked" (it links none: rd:CodeWithoutLink or rd:NoCodeMarked); ``words``
    are lower-case words a text ``field`` must all contain; ``author`` values are people
    (a paper with any of them among its authors), ``venue`` values venues; ``year`` is the
    publication year within ``years`` = (first, last), either end open (None)."""

    kind: str
    values: tuple[Term, ...] = ()
    mode: str = "any"
    negated: bool = False
    words: tuple[str, ...] = ()
    field: str = "any"
    code: str = ""
    years: tuple[int | None, int | None] = (None, None)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown condition kind {self.kind!r}")
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}")
        if self.kind == "text" and not self.words:
            raise ValueError("a text condition needs words")
        if self.kind == "code" and self.code not in ("linked", "unlinked"):
            raise ValueError("a code condition is 'linked' or 'unlinked'")
        if self.kind in ("threat", "knowledge", "model", "method", "paper", "author",
                         "venue") and not self.values:
            raise ValueError(f"a {self.kind} condition needs values")
        if self.kind == "year":
            lo, hi = self.years
            if lo is None and hi is None or lo is not None and hi is not None and lo > hi:
                raise ValueError(f"a year condition needs a range, not {self.years}")

    def as_dict(self) -> dict:
        d: dict = {"kind": self.kind}
        if self.values:
            d["values"] = [{"iri": v.iri, "label": v.label} for v in self.values]
        if self.mode != "any":
            d["mode"] = self.mode
        if self.negated:
            d["negated"] = True
        if self.words:
            d["words"] = list(self.words)
            d["field"] = self.field
        if self.code:
            d["code"] = self.code
        if self.kind == "year":
            d["years"] = list(self.years)
        return d


@dataclass(frozen=True)
class Agg:
    op: str
    n: int = 0

    def __post_init__(self) -> None:
        if self.op not in AGGREGATES:
            raise ValueError(f"unknown aggregate {self.op!r}")

    def as_dict(self) -> dict:
        return {"op": self.op, **({"n": self.n} if self.op in ("more_than", "fewer_than")
                                  else {})}


@dataclass(frozen=True)
class Form:
    """What is asked for and the conditions on it."""

    target: str
    conds: tuple[Cond, ...] = ()
    agg: Agg | None = None
    parts: tuple[str, ...] = ()  # the rows it ranges over; () = the target's default

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise ValueError(f"unknown target {self.target!r}")
        if not self.parts:
            object.__setattr__(self, "parts", DEFAULT_PARTS[self.target])
        for p in self.parts:
            if p not in DEFAULT_PARTS[self.target]:
                raise ValueError(f"{self.target} do not range over {p}")

    def with_conds(self, *conds: Cond) -> Form:
        return replace(self, conds=self.conds + conds)

    def as_dict(self) -> dict:
        d: dict = {"target": self.target, "parts": list(self.parts),
                   "conditions": [c.as_dict() for c in self.conds]}
        if self.agg:
            d["aggregate"] = self.agg.as_dict()
        return d


# ------------------------------------------------------------------ rendering in words

def _names(values: tuple[Term, ...], tree: ModelTree | None, kind: str) -> str:
    out = []
    for v in values:
        fam = kind == "model" and tree is not None and tree.has_children(v.iri)
        out.append(f"{v.label} family" if fam else v.label)
    return out[0] if len(out) == 1 else "{" + ", ".join(out) + "}"


def render_cond(c: Cond, tree: ModelTree | None = None) -> str:
    if c.kind == "code":  # two answers over three states: linked, or not (marked or none)
        linked = (c.code == "linked") != c.negated
        return "code linked in the survey" if linked else (
            "no code link in the survey (code marked without a link, or none marked)")
    if c.kind == "t2i":
        return "no text-to-image model" if c.negated else "model is text-to-image"
    if c.kind == "defended":
        return "no defense evaluated for its threat" if c.negated else \
            "a defense evaluated for its threat"
    if c.kind == "year":
        lo, hi = c.years
        if lo == hi:
            return f"year {'≠' if c.negated else '='} {lo}"
        elif lo is None:
            span = f"≤ {hi}"
        elif hi is None:
            span = f"≥ {lo}"
        else:
            span = f"∈ {lo}–{hi}"
        return f"year {'not ' if c.negated else ''}{span}"
    if c.kind == "text":
        where = {"any": "effectiveness or limitation", "effectiveness": "effectiveness",
                 "limitation": "limitation"}[c.field]
        words = " and ".join(f'"{w}"' for w in c.words)
        return f"{where} {'does not contain' if c.negated else 'contains'} {words}"
    if c.mode == "exact":
        names = _names(c.values, None, c.kind)
        return f"{c.kind} {'≠' if c.negated else '='} {names} (exactly, not the models below it)"
    names = _names(c.values, tree, c.kind)
    if c.mode == "only":
        return f"{c.kind} {'not ' if c.negated else ''}= {names} only"
    if c.mode == "all" and len(c.values) > 1:
        names = " and ".join(_names((v,), tree, c.kind) for v in c.values)
        return f"{c.kind} {'not ' if c.negated else ''}∋ {names}"
    symbol = ("∉" if c.negated else "∈") if (len(c.values) > 1 or "family" in names) else (
        "≠" if c.negated else "=")
    return f"{c.kind} {symbol} {names}"


def row_ids(result: Result) -> list[str]:
    """The rows an answer rests on (listing results), in first-seen order."""
    return list(dict.fromkeys(r for item in result.items for r in item.get("rows", ())))


def describe(form: Form, tree: ModelTree | None = None) -> str:
    """The form in words: ``attacks · threat = Membership inference · model ∈ Stable
    Diffusion family · knowledge = Black-box only · code linked in the survey``."""
    head = _NOUN[form.target]
    if form.target in ("papers", "models", "threats") and len(form.parts) == 1:
        head += f" (from {_PART_NOUN[form.parts[0]]})"
    words = [head] + [render_cond(c, tree) for c in form.conds]
    if form.agg:
        words.append({"count": "count", "per_item": "count of rows per item",
                      "top": "the most rows", "bottom": "the fewest rows",
                      "more_than": f"more than {form.agg.n} rows",
                      "fewer_than": f"fewer than {form.agg.n} rows",
                      "earliest": "the earliest publication year",
                      "latest": "the latest publication year"}[form.agg.op])
    return " · ".join(words)


# ------------------------------------------------------------------ compiling to SPARQL

@dataclass(frozen=True)
class Context:
    """What compiling needs from the graph: the model tree and the knowledge levels."""

    tree: ModelTree
    knowledge: frozenset[str]
    #: the publication years the graph holds, as (year, the literal as stored); None: not
    #: read (a year condition is then a FILTER over every row's year)
    years: tuple[tuple[int, Literal], ...] | None = None


_KNOWLEDGE = "SELECT ?k WHERE { ?k a rd:AttackerKnowledge }"
_YEARS = "SELECT DISTINCT ?y WHERE { ?p rd:publicationYear ?y }"


@functools.lru_cache(maxsize=8)
def context(store: Store) -> Context:
    years = []
    for r in store.select(_YEARS):
        try:
            years.append((int(r["y"].toPython()), r["y"]))
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
    return f"VALUES {var} {{ " + " ".join(sparql_term(URIRef(i)) for i in sorted(iris)) + " }"


def _iris(c: Cond, ctx: Context) -> set[str]:
    if c.kind == "model" and c.mode != "exact":
        return set().union(*(ctx.tree.below(v.iri) for v in c.values))
    return {v.iri for v in c.values}


def _why_not(c: Cond, part: str) -> str | None:
    """Why ``c`` cannot hold on a row of ``part`` (None: it can)."""
    if part == "defenses" and c.kind == "knowledge":
        return "defense rows carry no attacker knowledge (the survey gives it for attacks)"
    if part == "defenses" and c.kind == "defended":
        return "'has a defense' is a condition on attack rows"
    if part == "defenses" and c.kind == "text" and c.field == "limitation":
        return "defense rows have no limitation column"
    if part == "attacks" and c.kind == "method":
        return "defense methods are named by defense rows, not attack rows"
    return None


def _cond_lines(c: Cond, r: str, part: str, ctx: Context, v: _Vars) -> list[str]:
    """Patterns that make row ``r`` of ``part`` satisfy ``c`` (ignoring negation)."""
    if c.kind == "text":
        preds = (list(_TEXT[part].values()) if c.field == "any" else [_TEXT[part][c.field]])
        t = v.new("text")
        words = [v.new("word") for _ in c.words]
        lines = [f"{r} {'|'.join(preds)} {t} ."]
        lines += [f"VALUES {w} {{ {sparql_term(Literal(word))} }}"
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
    if c.kind == "year":
        p, y = v.new("yearpaper"), v.new("year")
        tests = []
        lo, hi = c.years
        if ctx.years is not None:  # the graph's years in the range, bound first (_seeded):
            # the same rows as the FILTER, without reading every row's year (at 100k papers
            # "membership inference papers before 2024" ran minutes)
            held = [lit for year, lit in ctx.years
                    if (lo is None or year >= lo) and (hi is None or year <= hi)]
            return [f"{r} rd:fromPaper {p} .", f"{p} rd:publicationYear {y} .",
                    f"VALUES {y} {{ " + " ".join(sparql_term(t) for t in held) + " }"
                    if held else "FILTER(false)"]  # (rdflib cannot read an empty VALUES)
        if lo is not None:
            tests.append(f"{y} >= {sparql_term(Literal(lo))}")
        if hi is not None:
            tests.append(f"{y} <= {sparql_term(Literal(hi))}")
        return [f"{r} rd:fromPaper {p} .", f"{p} rd:publicationYear {y} .",
                "FILTER(" + " && ".join(tests) + ")"]
    if c.kind in ("author", "venue"):
        p, x = v.new(c.kind + "paper"), v.new(c.kind)
        pred = "dcterms:creator" if c.kind == "author" else "rd:publishedAt"
        return [f"{r} rd:fromPaper {p} .", f"{p} {pred} {x} .", _values(x, _iris(c, ctx))]
    if c.kind == "t2i":
        m = v.new("t2imodel")
        return [f"{r} rd:evaluatedOn {m} .", f"{m} rd:isTextToImage true ."]
    if c.kind == "defended":
        # the defended threats once, as a sub-select (a FILTER EXISTS is evaluated per row:
        # "which threats have no defense" ran minutes at 100k papers); rd:mitigates has
        # the domain rd:DefenseEvaluation (ontology), so the subject needs no type check
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


def _branch(form: Form, part: str, ctx: Context, v: _Vars, key: str = "?key") -> list[str]:
    """The patterns of one part: ?row of ``part`` linked to ``key``, with every condition."""
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
    row_conds = [c for c in form.conds if c.kind != own]
    for c in item_conds:
        iris = _iris(c, ctx)
        if c.negated:
            lines.append(f"FILTER({key} NOT IN (" + ", ".join(sparql_term(URIRef(i))
                                                            for i in sorted(iris)) + "))")
        else:
            lines.append(_values(key, iris))
    positive = [c for c in row_conds if not c.negated and not (c.mode == "all"
                                                                and len(c.values) > 1)]
    all_of = [s for c in row_conds if not c.negated and c.mode == "all" and len(c.values) > 1
              for s in _split(c, row_target)]
    for c in positive:
        lines += _cond_lines(c, "?row", part, ctx, v)
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
        if row_target and _why_not(c, part):
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
                if _why_not(c, other):
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
        # MINUS, not FILTER NOT EXISTS, for the rest: the same rows here (?row / the key is
        # bound before it and shared; the inner's other variables are fresh), and Oxigraph
        # evaluates a NOT EXISTS through the paper once per outer row (100 rows of "attacks
        # without public code" at 100k papers: 4.1 s; with MINUS 0.4 s)
        lines.append("MINUS { " + inner + " }")
    return _seeded(lines)


def _seeded(lines: list[str]) -> list[str]:
    """The VALUES blocks first: a pure reordering of a group's joins (every MINUS comes
    after them anyway, and no MINUS shares their variables, which are fresh), and Oxigraph
    seeds the join from the bound values instead of scanning every row of the class: at
    100k papers "what protects Stable Diffusion against membership inference?" (LIMIT 100)
    took over 10 minutes with the VALUES after the patterns, 21 ms with them first."""
    return ([line for line in lines if line.startswith("VALUES ")]
            + [line for line in lines if not line.startswith("VALUES ")])


def applicable_parts(form: Form) -> tuple[tuple[str, ...], list[str]]:
    """The parts every positive condition can hold on, and the reasons for the others."""
    ok, why = [], []
    for part in form.parts:
        reasons = [(c, _why_not(c, part)) for c in form.conds if not c.negated]
        bad = [(c, r) for c, r in reasons if r]
        if bad:
            why += [f"{render_cond(c)}: {r}" for c, r in bad]
        else:
            ok.append(part)
    return tuple(ok), why


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
        raise NotApplicable(f"cannot apply to {_NOUN[form.target]}: " + "; ".join(
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

    label = f"?key {_LABEL[ANSWER_TYPE[form.target]]} ?label ."
    op = form.agg.op if form.agg else ""
    if op in ("per_item", "more_than", "fewer_than"):
        having = ""
        if op != "per_item":
            cmp = ">" if op == "more_than" else "<"
            having = f"\nHAVING (COUNT(DISTINCT ?row) {cmp} {sparql_term(Literal(form.agg.n))})"
        sparql = (f"SELECT ?key ?label (COUNT(DISTINCT ?row) AS ?n) WHERE {{\n{body()}\n"
                  f"  {label}\n}}\nGROUP BY ?key ?label{having}\nORDER BY DESC(?n) ?label")
        grouped = True
    elif op in ("top", "bottom"):
        best = "MAX" if op == "top" else "MIN"
        inner = (f"SELECT ?key (COUNT(DISTINCT ?row) AS ?n) WHERE {{\n{body('      ')}\n"
                 f"    }} GROUP BY ?key")
        inner2 = (f"SELECT ?otherkey (COUNT(DISTINCT ?row) AS ?c) WHERE {{\n"
                  f"{body('        ', other)}\n      }} GROUP BY ?otherkey")
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
        args["having"] = (">" if op == "more_than" else "<") + " " + sparql_term(
            Literal(form.agg.n))
    elif op in ("top", "bottom"):
        args["best"] = "MAX" if op == "top" else "MIN"
    args["label"] = _LABEL[ANSWER_TYPE[form.target]]
    return args


def _summary_count(store: Store, form: Form, ctx: Context) -> tuple[str, int] | None:
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


# ------------------------------------------------------------------ running

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
    seen_rows: set[str] = set()
    for r in rows:
        iri = r[k]
        item = out.setdefault(iri, {"iri": iri, "label": r[lab], "type": kind})
        if comp.grouped:
            item["n"] = int(r[n_at])
        elif row_at is not None and r[row_at] is not None:
            row = r[row_at]
            seen_rows.add(row)
            item.setdefault("rows", [])
            if row not in item["rows"]:
                item["rows"].append(row)
    items = list(out.values())
    if not comp.grouped:
        items.sort(key=lambda a: (a["label"].casefold(), a["iri"]))
    row_target = form.target in ("attacks", "evaluations")
    count = len(seen_rows) if row_target else len(items)
    res = Result(form, sparql, items, count, describe(form, ctx.tree))
    if not comp.grouped and cap is not None and len(rows) >= cap:
        res.truncated = True
        stored = _summary_count(store, form, ctx)
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
                       f"{_PART_NOUN[p]}: {_why_not(c, p)}"
                       for c in form.conds if c.negated for p in form.parts if _why_not(c, p)]
    return res


__all__ = ["AGGREGATES", "Agg", "Compiled", "Cond", "Context", "Form", "KINDS",
           "NotApplicable", "Result", "TARGETS", "Term", "bounded_count", "compile_form",
           "context",
           "describe", "summary_cell", "summary_grouped", "render_cond", "row_ids", "run"]
