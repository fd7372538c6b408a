"""The logical form: what is asked for (a target), the conditions on it, an aggregate — and
the form in words.

A :class:`Form` is a plain, checked value: a target of :data:`TARGETS`, a conjunction of
:class:`Cond` (each positive or negated, any-of / all-of / only / exact), an optional
:class:`Agg`, and the parts (attack rows, defense rows) it ranges over. :func:`describe`
says a form in words, the same words wherever it is shown (``understood as``, exports).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..family import ModelTree

TARGETS = ("attacks", "evaluations", "methods", "papers", "models", "threats", "knowledge")
KINDS = ("threat", "knowledge", "model", "method", "paper", "code", "text", "defended", "t2i",
         "author", "venue", "year", "distinct", "rows", "uncovered")
#: the conditions a ``rows`` condition puts on the other table's rows
ROWS_SUB_KINDS = ("threat", "model", "method")
#: what a ``distinct`` condition counts on the item's rows: the values they name
DISTINCT_OF = ("model", "knowledge", "threat")
#: Conditions on the row's paper (its curated bibliographic facts): any row of the paper.
PAPER_KINDS = ("author", "venue", "year")
MODES = ("any", "all", "only", "exact", "every")  # exact: a model itself, not the models
# below it; every: each row of the item (among those meeting the other positive conditions)
#: kinds a condition can hold on every row of a group for ("threats whose attacks are all
#: black-box")
EVERY_KINDS = ("threat", "knowledge", "model", "method")
AGGREGATES = ("count", "per_item", "top", "bottom", "more_than", "fewer_than", "earliest",
              "latest")
FIELDS = ("any", "effectiveness", "limitation")
PARTS = ("attacks", "defenses")

# The entity kind each target lists (its own-kind conditions constrain the item).
ITEM_KIND = {"methods": "method", "papers": "paper", "models": "model", "threats": "threat",
             "knowledge": "knowledge"}
ANSWER_TYPE = {"attacks": "paper", "evaluations": "method", "methods": "method",
               "papers": "paper", "models": "model", "threats": "threat",
               "knowledge": "knowledge"}
DEFAULT_PARTS = {"attacks": ("attacks",), "evaluations": ("defenses",),
                 "methods": ("defenses",), "knowledge": ("attacks",),
                 "papers": PARTS, "models": PARTS, "threats": PARTS}
#: a target in words, and the rows a part holds
TARGET_NOUN = {"attacks": "attacks", "evaluations": "defense evaluations",
               "methods": "defense methods", "papers": "papers", "models": "models",
               "threats": "threats", "knowledge": "attacker-knowledge levels"}
PART_NOUN = {"attacks": "attack rows", "defenses": "defense rows"}
#: the values a distinct count counts, in words
VALUE_NOUN = {"model": "target models", "knowledge": "knowledge levels", "threat": "threats"}


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
    publication year within ``years`` = (first, last), either end open (None); a
    ``distinct`` condition holds when the item's rows (for attacks the row itself) meeting the
    form's positive one-value conditions name a number of distinct ``of`` values (models as
    the rows name them, knowledge levels, threats) within ``span`` = (least, most); a ``rows``
    condition holds when the item (an attack's paper, an evaluation's method) has a row of
    the table ``of`` ("attacks" / "defenses") meeting every condition of ``sub`` — across
    the tables: "papers with both an attack and a defense", negated "models attacked by
    membership inference and never defended against it". An ``uncovered`` condition holds
    on an attack row that names a model no defense row is evaluated on — the model itself, as
    the rows name it: the coverage engine's model level (a defense on its family or on a
    sibling is another cell) — and on such a model when models are asked for ("attacks on
    models no defense covers"). A
    ``t2i`` condition holds on a row evaluated on a text-to-image model, and on a
    text-to-image model itself when models are asked for ("T2I models with MIA defenses")."""

    kind: str
    values: tuple[Term, ...] = ()
    mode: str = "any"
    negated: bool = False
    words: tuple[str, ...] = ()
    field: str = "any"
    code: str = ""
    years: tuple[int | None, int | None] = (None, None)
    of: str = ""
    span: tuple[int | None, int | None] = (None, None)
    sub: tuple[Cond, ...] = ()

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
        if self.mode == "every" and (self.kind not in EVERY_KINDS or self.negated):
            raise ValueError(f"'every' applies to a positive {EVERY_KINDS} condition")
        if self.kind == "rows" and (self.of not in PARTS or any(
                c.kind not in ROWS_SUB_KINDS or c.negated or c.kind == "rows" for c in self.sub)):
            raise ValueError(f"a rows condition names a table {PARTS} and positive "
                             f"{ROWS_SUB_KINDS} conditions, not {self.of!r}")
        if self.kind == "distinct":
            lo, hi = self.span
            if self.of not in DISTINCT_OF or self.negated or lo is None and hi is None or (
                    lo is not None and hi is not None and lo > hi):
                raise ValueError(f"a distinct condition counts {DISTINCT_OF} within a range, "
                                 f"not {self.of!r} in {self.span}")

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
        if self.kind == "distinct":
            d["of"], d["span"] = self.of, list(self.span)
        if self.kind == "rows":
            d["of"], d["sub"] = self.of, [c.as_dict() for c in self.sub]
        return d


@dataclass(frozen=True)
class Agg:
    """An aggregate over the rows of each item. ``of`` (top / bottom only): the items are
    ranked by the number of distinct values of that kind (:data:`DISTINCT_OF`: target models
    as the rows name them, knowledge levels, threats) their matching rows name, not by their
    rows ("the attack evaluated on the most models"); rows of a part that carries no such
    value (knowledge on defense rows) are not counted. Ties are all listed. ``of="paper"``
    (per_item only): the distinct papers of each item's matching rows ("how many defense
    papers per threat": a paper with three defense rows counts once)."""

    op: str
    n: int = 0
    of: str = ""

    def __post_init__(self) -> None:
        if self.op not in AGGREGATES:
            raise ValueError(f"unknown aggregate {self.op!r}")
        if self.of == "paper" and self.op != "per_item":
            raise ValueError("papers are counted per item (per_item), not ranked")
        if self.of and self.of != "paper" and (self.of not in DISTINCT_OF
                                               or self.op not in ("top", "bottom")):
            raise ValueError(f"a value count ranks by {DISTINCT_OF} (top / bottom), not "
                             f"{self.op} of {self.of!r}")

    def as_dict(self) -> dict:
        return {"op": self.op, **({"n": self.n} if self.op in ("more_than", "fewer_than")
                                  else {}), **({"of": self.of} if self.of else {})}


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


# ------------------------------------------------------------------ where a condition holds

def why_not(c: Cond, part: str) -> str | None:
    """Why ``c`` cannot hold on a row of ``part`` (None: it can)."""
    if part == "defenses" and c.kind == "knowledge":
        return "defense rows carry no attacker knowledge (the survey gives it for attacks)"
    if part == "defenses" and c.kind == "defended":
        return "'has a defense' is a condition on attack rows"
    if part == "defenses" and c.kind == "uncovered":
        return "a defense row covers the models it is evaluated on"
    if part == "defenses" and c.kind == "text" and c.field == "limitation":
        return "defense rows have no limitation column"
    if part == "defenses" and c.kind == "distinct" and c.of == "knowledge":
        return "defense rows carry no attacker knowledge (the survey gives it for attacks)"
    if part == "attacks" and c.kind == "method":
        return "defense methods are named by defense rows, not attack rows"
    return None


def applicable_parts(form: Form) -> tuple[tuple[str, ...], list[str]]:
    """The parts every positive condition can hold on, and the reasons for the others."""
    ok, why = [], []
    for part in form.parts:
        reasons = [(c, why_not(c, part)) for c in form.conds if not c.negated]
        bad = [(c, r) for c, r in reasons if r]
        if bad:
            why += [f"{render_cond(c)}: {r}" for c, r in bad]
        else:
            ok.append(part)
    return tuple(ok), why


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
    if c.kind == "uncovered":
        return ("every model with a defense evaluated on it" if c.negated
                else "a model no defense is evaluated on (the model itself)")
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
    if c.kind == "rows":
        what = {"attacks": "an attack row", "defenses": "a defense row"}[c.of]
        cond = "".join(f" with {render_cond(x, tree)}" for x in c.sub)
        return f"{'no' if c.negated else 'has'} {what}{cond}".replace(
            "no an ", "no ").replace("no a ", "no ")
    if c.kind == "distinct":
        lo, hi = c.span
        what = VALUE_NOUN[c.of]
        span = (f"= {lo}" if lo == hi else f"≥ {lo}" if hi is None else f"≤ {hi}"
                if lo is None else f"∈ {lo}–{hi}")
        return f"number of distinct {what} {span}"
    if c.kind == "text":
        where = {"any": "effectiveness or limitation", "effectiveness": "effectiveness",
                 "limitation": "limitation"}[c.field]
        words = " and ".join(f'"{w}"' for w in c.words)
        return f"{where} {'does not contain' if c.negated else 'contains'} {words}"
    if c.mode == "exact":
        names = _names(c.values, None, c.kind)
        return f"{c.kind} {'≠' if c.negated else '='} {names} (exactly, not the models below it)"
    names = _names(c.values, tree, c.kind)
    if c.mode == "every":
        symbol = "∈" if len(c.values) > 1 or "family" in names else "="
        return f"{c.kind} {symbol} {names} on every row"
    if c.mode == "only":
        return f"{c.kind} {'not ' if c.negated else ''}= {names} only"
    if c.mode == "all" and len(c.values) > 1:
        names = " and ".join(_names((v,), tree, c.kind) for v in c.values)
        return f"{c.kind} {'not ' if c.negated else ''}∋ {names}"
    symbol = ("∉" if c.negated else "∈") if (len(c.values) > 1 or "family" in names) else (
        "≠" if c.negated else "=")
    return f"{c.kind} {symbol} {names}"


def describe(form: Form, tree: ModelTree | None = None) -> str:
    """The form in words: ``attacks · threat = Membership inference · model ∈ Stable
    Diffusion family · knowledge = Black-box only · code linked in the survey``."""
    head = TARGET_NOUN[form.target]
    if form.target in ("papers", "models", "threats") and len(form.parts) == 1:
        head += f" (from {PART_NOUN[form.parts[0]]})"
    words = [head] + [render_cond(c, tree) for c in form.conds]
    if form.agg:
        words.append(render_agg(form.agg))
    return " · ".join(words)


def render_agg(agg: Agg) -> str:
    """An aggregate in words: "the most rows", "more than 1 rows", "the fewest distinct
    target models"."""
    if agg.of == "paper":
        return "count of distinct papers per item"
    if agg.of:
        return f"the {'most' if agg.op == 'top' else 'fewest'} distinct {VALUE_NOUN[agg.of]}"
    return {"count": "count", "per_item": "count of rows per item", "top": "the most rows",
            "bottom": "the fewest rows", "more_than": f"more than {agg.n} rows",
            "fewer_than": f"fewer than {agg.n} rows",
            "earliest": "the earliest publication year",
            "latest": "the latest publication year"}[agg.op]

