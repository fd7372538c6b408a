"""The Ask page's reading, which the user can fix: the logical form an answer ran, as chips.

The rule: a reading is a query-core form (:class:`kg.query.Form`, with the attribute or the
grouping a question asked for). It is shown as chips — the target, each condition (negated
or not), the aggregate — and each chip can be removed, negated or edited from a picker of
the values the graph holds for its kind (:func:`apply_edit`). An edited reading runs as it
is (:func:`kg.ask.answer_form`: form → compiler → SPARQL → result, the path a parsed
question's form takes), never as re-parsed text.

A reading travels in the page's URL as a compact encoding (:func:`encode`, :func:`decode`:
JSON with short names, base64url). Decoding trusts nothing: the shape, sizes, kinds and
modes are checked, and every value must be a node of the graph of the condition's kind —
looked up by one query with the values bound (:func:`kg.sparql_text.values_block`) and
named by the graph's own label. Anything else is a KGError saying what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, replace

from ..errors import KGError
from ..query import (
    AGGREGATES,
    ATTRIBUTES,
    KINDS,
    TARGETS,
    Agg,
    Cond,
    Form,
    Term,
    context,
    describe,
    render_cond,
)
from ..query.attribute import NOUN as ATTRIBUTE_NOUN
from ..query.form import DEFAULT_PARTS, DISTINCT_OF, FIELDS, MODES, PARTS
from ..query.groups import GROUP_BY, PICKS
from ..query.groups import NOUN as GROUP_NOUN
from ..sparql_text import values_block
from ..stores.base import Store, select_values
from .names import expand, ref

#: a condition kind whose values are nodes -> the picker's entity type (kg.app.names)
VALUE_KINDS = {"threat": "Threat category", "knowledge": "Attacker knowledge",
               "model": "Target model", "method": "Defense method", "paper": "Paper",
               "author": "Author", "venue": "Venue"}
#: a value kind -> its class and the property its label is read from (as kg ask names it)
_NODES = {"threat": ("rd:ThreatCategory", "skos:prefLabel"),
          "knowledge": ("rd:AttackerKnowledge", "skos:prefLabel"),
          "model": ("rd:TargetModel", "skos:prefLabel"),
          "method": ("rd:DefenseMethod", "skos:prefLabel"), "venue": ("rd:Venue", "skos:prefLabel"),
          "paper": ("rd:Paper", "dcterms:title"), "author": ("rd:Person", "foaf:name")}
#: what a target can be, with the rows it ranges over ("papers:attacks": from attack rows)
TARGET_CHOICES = tuple(t + ("" if parts == DEFAULT_PARTS[t] else ":" + parts[0])
                       for t in TARGETS for parts in
                       [DEFAULT_PARTS[t]] + ([(p,) for p in DEFAULT_PARTS[t]]
                                             if len(DEFAULT_PARTS[t]) > 1 else []))
#: the aggregate editor's choices (kg.query.AGGREGATES, "" for none) and what "the most /
#: fewest" counts, as the Ask page names them
AGGREGATE_LABELS = {"": "none: list the items", "count": "count the items",
                    "per_item": "rows per item", "top": "the items with the most",
                    "bottom": "the items with the fewest", "more_than": "more than N rows",
                    "fewer_than": "fewer than N rows", "earliest": "the earliest year",
                    "latest": "the latest year"}
OF_LABELS = {"": "rows", "model": "distinct target models", "knowledge": "distinct knowledge levels",
             "threat": "distinct threats"}
#: bounds of an encoded reading: a URL parameter is at most this long, and holds at most
#: these many conditions and values
MAX_READING_CHARS = 4000
MAX_CONDS = 16
MAX_VALUES = 50
YEARS = (1900, 2200)
_B64 = re.compile(r"[A-Za-z0-9_-]+")
_WORD = re.compile(r"[^\W_](?:[\w.+'-]{0,48}[^\W_])?")


@dataclass(frozen=True)
class Reading:
    """What an answer ran: the form, and the attribute or grouping asked for (if any)."""

    form: Form
    attribute: str = ""  # an attribute question: the value asked for (kg.query.ATTRIBUTES)
    group: tuple[str, str, int] | None = None  # a grouping question: (by, pick, n)


@dataclass(frozen=True)
class Chip:
    """One part of a reading as the page shows it: ``key`` names it in an :class:`Edit`
    ("target", "aggregate", "attribute", "group", or "c<i>", the i-th condition);
    ``picker`` what its editor picks (an entity type of :data:`VALUE_KINDS`, "years",
    "target", "aggregate" or "" for none); ``values`` the short names it holds now."""

    key: str
    role: str  # target | condition | aggregate | attribute | group
    text: str
    kind: str = ""
    negated: bool = False
    removable: bool = False
    negatable: bool = False
    picker: str = ""
    values: tuple[tuple[str, str], ...] = ()  # (short name, label)
    years: tuple[int | None, int | None] = (None, None)


@dataclass(frozen=True)
class Edit:
    """A change to one chip: ``op`` remove | negate | values (short names) | years (first,
    last) | target (one of :data:`TARGET_CHOICES`) | aggregate (``agg`` an op of
    kg.query.AGGREGATES or "" for none, with ``n`` and ``of``)."""

    op: str
    key: str
    values: tuple[str, ...] = ()
    years: tuple[int | None, int | None] = (None, None)
    target: str = ""
    agg: str = ""
    n: int = 0
    of: str = ""


def reading_of(answer) -> Reading | None:
    """The reading of a kg.ask answer that ran a form (a listing, an attribute, a grouping),
    else None (gaps, a search, an answer declined or asked back)."""
    if answer.form is None or answer.intent not in ("query", "attribute"):
        return None
    lf = answer.logical_form or {}
    g = lf.get("group_by")
    return Reading(answer.form, lf.get("attribute", ""),
                   (g["by"], g["pick"], g["n"]) if g else None)


# ------------------------------------------------------------------ chips


def chips(store: Store, reading: Reading) -> list[Chip]:
    """The chips of a reading, in order: the target, the attribute or grouping asked for,
    each condition, the aggregate (a plain listing says so, and can be given one)."""
    form, tree = reading.form, context(store).tree
    out = [Chip("target", "target", describe(Form(form.target, (), None, form.parts)),
                picker="target")]
    if reading.attribute:
        out.append(Chip("attribute", "attribute",
                        f"the {ATTRIBUTE_NOUN[reading.attribute]} of each", removable=True))
    if reading.group:
        by, pick, n = reading.group
        said = {"all": "", "more_than": f", those with more than {n}",
                "fewer_than": f", those with fewer than {n}", "top": ", the one with the most",
                "bottom": ", the one with the fewest"}[pick]
        out.append(Chip("group", "group", f"counted per {GROUP_NOUN[by]}{said}", removable=True))
    for i, c in enumerate(form.conds):
        out.append(Chip(f"c{i}", "condition", render_cond(c, tree), c.kind, c.negated, True,
                        _negatable(c), VALUE_KINDS.get(c.kind, "years" if c.kind == "year"
                                                      else ""),
                        tuple((ref(v.iri), v.label) for v in c.values), c.years))
    if not reading.attribute and not reading.group:
        text = (describe(Form(form.target, (), form.agg, form.parts)).split(" · ", 1)[1]
                if form.agg else "a listing (no count or ranking)")
        out.append(Chip("aggregate", "aggregate", text, removable=form.agg is not None,
                        picker="aggregate"))
    return out


def _negatable(c: Cond) -> bool:
    try:
        replace(c, negated=not c.negated)
    except ValueError:
        return False
    return True


def model_families(store: Store) -> frozenset[str]:
    """Short names of the target models that have models below them (a family covers
    them all): the model picker marks them."""
    return frozenset(ref(b) for bs in context(store).tree.broader.values() for b in bs)


def graph_years(store: Store) -> list[int]:
    """The publication years the graph's papers hold, in order: the year picker's values."""
    rows = select_values(store, "SELECT DISTINCT ?y WHERE { ?p rd:publicationYear ?y }")[1]
    return sorted({int(y) for y, in rows if str(y).lstrip("-").isdigit()})


# ------------------------------------------------------------------ edits


def apply_edit(store: Store, reading: Reading, edit: Edit) -> Reading:
    """The reading with one chip changed (see :class:`Edit`); KGError when the edit names
    no chip or makes no valid reading (a value not in the graph, an empty range, …)."""
    form = reading.form
    try:
        if edit.key == "target" and edit.op == "target":
            target, parts = _target(edit.target)
            return replace(reading, form=Form(target, form.conds, form.agg, parts))
        if edit.key == "aggregate" and edit.op in ("aggregate", "remove"):
            agg = Agg(edit.agg, edit.n, edit.of) if edit.op == "aggregate" and edit.agg else None
            return replace(reading, form=replace(form, agg=agg))
        if edit.key in ("attribute", "group") and edit.op == "remove":
            return replace(reading, **{edit.key: "" if edit.key == "attribute" else None})
        conds = list(form.conds)
        i = _index(edit.key, len(conds))
        c = conds[i]
        if edit.op == "remove":
            del conds[i]
        elif edit.op == "negate":
            conds[i] = replace(c, negated=not c.negated)
        elif edit.op == "values" and c.kind in VALUE_KINDS:
            if not edit.values:
                raise KGError("pick at least one value, or remove the condition")
            conds[i] = replace(c, values=terms(store, c.kind, edit.values))
        elif edit.op == "years" and c.kind == "year":
            conds[i] = replace(c, years=_years(edit.years))
        else:
            raise KGError(f"a {c.kind} condition cannot be changed by {edit.op!r}")
        return replace(reading, form=replace(form, conds=tuple(conds)))
    except ValueError as e:
        raise KGError(f"this change makes no valid reading: {e}") from None


def target_choice(form: Form) -> str:
    """The :data:`TARGET_CHOICES` entry of a form's target and rows."""
    return form.target + ("" if form.parts == DEFAULT_PARTS[form.target] else
                          ":" + form.parts[0])


def target_label(choice: str) -> str:
    """A target choice in words ("papers (from attack rows)")."""
    target, parts = _target(choice)
    return describe(Form(target, (), None, parts))


def _index(key: str, n: int) -> int:
    if not re.fullmatch(r"c\d{1,3}", key) or int(key[1:]) >= n:
        raise KGError(f"no chip {key!r} in this reading")
    return int(key[1:])


def _target(choice: str) -> tuple[str, tuple[str, ...]]:
    if choice not in TARGET_CHOICES:
        raise KGError(f"unknown target {choice!r}; expected one of {', '.join(TARGET_CHOICES)}")
    target, _, part = choice.partition(":")
    return target, (part,) if part else DEFAULT_PARTS[target]


def _years(years) -> tuple[int | None, int | None]:
    lo, hi = years
    for y in (lo, hi):
        if y is not None and (isinstance(y, bool) or not isinstance(y, int)
                              or not YEARS[0] <= y <= YEARS[1]):
            raise KGError(f"a year is a whole number from {YEARS[0]} to {YEARS[1]}, not {y!r}")
    return lo, hi


def terms(store: Store, kind: str, refs) -> tuple[Term, ...]:
    """The graph's nodes of a value kind named by short names (or IRIs), each with the label
    kg ask names it by, in the order given: one query with the names bound; KGError naming
    each one that is not such a node of the graph."""
    if not isinstance(refs, list | tuple) or not 0 < len(refs) <= MAX_VALUES or not all(
            isinstance(r, str) and 0 < len(r) <= 500 for r in refs):
        raise KGError(f"a {kind} condition holds 1 to {MAX_VALUES} names of nodes")
    refs = list(dict.fromkeys(refs))
    iris = {r: str(expand(r)) for r in refs}  # KGError: not an IRI
    cls, label = _NODES[kind]
    sparql = (f"SELECT ?node (MIN(STR(?l)) AS ?label) WHERE {{\n  "
              f"{values_block(['node'], [(i,) for i in dict.fromkeys(iris.values())])}\n"
              f"  ?node a {cls} .\n  OPTIONAL {{ ?node {label} ?a }}\n"
              "  OPTIONAL { ?node rdfs:label ?b }\n  BIND(COALESCE(?a, ?b, STR(?node)) AS ?l)\n"
              "} GROUP BY ?node")
    found = dict(select_values(store, sparql)[1])
    missing = [r for r in refs if iris[r] not in found]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise KGError(", ".join(repr(r[:120]) for r in missing)
                      + f" {verb} not a {VALUE_KINDS[kind].lower()} of this graph")
    return tuple(Term(iris[r], str(found[iris[r]])) for r in refs)


# ------------------------------------------------------------------ the URL's encoding


def encode(reading: Reading) -> str:
    """The reading as a URL parameter: compact JSON (values by short name), base64url."""
    f = reading.form
    d: dict = {"t": f.target, "c": [_cond_code(c) for c in f.conds]}
    if f.parts != DEFAULT_PARTS[f.target]:
        d["p"] = list(f.parts)
    if f.agg:
        d["a"] = [f.agg.op, f.agg.n, f.agg.of]
    if reading.attribute:
        d["at"] = reading.attribute
    if reading.group:
        d["g"] = list(reading.group)
    text = json.dumps(d, separators=(",", ":"), ensure_ascii=True)
    return base64.urlsafe_b64encode(text.encode("ascii")).decode("ascii").rstrip("=")


def _cond_code(c: Cond) -> dict:
    d: dict = {"k": c.kind}
    if c.values:
        d["v"] = [ref(v.iri) for v in c.values]
    if c.mode != "any":
        d["m"] = c.mode
    if c.negated:
        d["n"] = 1
    if c.words:
        d["w"], d["f"] = list(c.words), c.field
    if c.code:
        d["code"] = c.code
    if c.kind == "year":
        d["y"] = list(c.years)
    if c.of:
        d["of"] = c.of
    if c.kind == "distinct":
        d["s"] = list(c.span)
    if c.sub:
        d["sub"] = [_cond_code(x) for x in c.sub]
    return d


def decode(store: Store, text: str) -> Reading:
    """The reading a URL parameter encodes (:func:`encode`), checked whole against the
    module's rule; KGError saying what is wrong with it."""
    try:
        return _decode(store, text)
    except KGError as e:
        why = str(e)
    except (ValueError, TypeError, KeyError, RecursionError) as e:  # json, Cond, Form
        why = f"{type(e).__name__}: {e}"
    raise KGError(f"the link's reading is not valid: {why[:300]}")


def _decode(store: Store, text: str) -> Reading:
    if not isinstance(text, str) or not 0 < len(text) <= MAX_READING_CHARS:
        raise KGError(f"a reading is 1 to {MAX_READING_CHARS} characters")
    if not _B64.fullmatch(text):
        raise KGError("a reading is written in the characters A-Z a-z 0-9 - _ only")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        raise KGError("not an encoded reading") from None
    d = json.loads(raw)
    _keys(d, {"t", "p", "c", "a", "at", "g"}, "the reading")
    if d.get("t") not in TARGETS:
        raise KGError(f"unknown target {d.get('t')!r}")
    conds = d.get("c", [])
    if not isinstance(conds, list) or len(conds) > MAX_CONDS:
        raise KGError(f"a reading holds at most {MAX_CONDS} conditions")
    parts = d.get("p", [])
    if not isinstance(parts, list) or not set(parts) <= set(PARTS) or len(parts) > 2:
        raise KGError(f"the rows a reading ranges over are among {PARTS}")
    agg = None
    if "a" in d:
        a = d["a"]
        if not (isinstance(a, list) and len(a) == 3 and a[0] in AGGREGATES
                and _count(a[1]) and a[2] in ("", *DISTINCT_OF)):
            raise KGError("the aggregate is [op, n, of] with a known op")
        agg = Agg(*a)
    attribute = d.get("at", "")
    if attribute and attribute not in ATTRIBUTES:
        raise KGError(f"unknown attribute {attribute!r}")
    group = d.get("g")
    if group is not None and not (isinstance(group, list) and len(group) == 3
                                  and group[0] in GROUP_BY and group[1] in PICKS
                                  and _count(group[2])):
        raise KGError("the grouping is [by, pick, n] with a known by and pick")
    form = Form(d["t"], tuple(_cond(store, c, 0) for c in conds), agg, tuple(parts))
    return Reading(form, attribute, tuple(group) if group else None)


def _keys(d, allowed: set[str], what: str) -> None:
    if not isinstance(d, dict):
        raise KGError(f"{what} is not an object")
    extra = sorted(set(d) - allowed)
    if extra:
        raise KGError(f"{what} holds unknown fields: {', '.join(map(repr, extra))[:200]}")


def _count(n) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 1_000_000


def _span(s) -> tuple[int | None, int | None]:
    if not (isinstance(s, list) and len(s) == 2 and all(x is None or _count(x) for x in s)):
        raise KGError("a range is [first, last], whole numbers or null")
    return s[0], s[1]


def _cond(store: Store, d, depth: int) -> Cond:
    _keys(d, {"k", "v", "m", "n", "w", "f", "code", "y", "of", "s", "sub"}, "a condition")
    kind = d.get("k")
    if kind not in KINDS or d.get("m", "any") not in MODES or d.get("n", 0) not in (0, 1):
        raise KGError(f"a condition of kind {str(kind)[:40]!r} with mode "
                      f"{str(d.get('m'))[:40]!r} is not one a reading holds")
    words = d.get("w", [])
    if not isinstance(words, list) or len(words) > 10 or not all(
            isinstance(w, str) and _WORD.fullmatch(w) and w == w.lower() for w in words):
        raise KGError("a text condition's words are at most 10 lower-case words")
    sub = d.get("sub", [])
    if not isinstance(sub, list) or len(sub) > MAX_CONDS or sub and depth:
        raise KGError("a rows condition holds at most one level of conditions")
    if "v" in d and kind not in VALUE_KINDS or d.get("f", "any") not in FIELDS or d.get(
            "code", "") not in ("linked", "unlinked", "") or d.get("of", "") not in (
            "", *PARTS, *DISTINCT_OF):
        raise KGError(f"a {kind} condition holds no such values, field, code or 'of'")
    values = terms(store, kind, d["v"]) if "v" in d else ()
    return Cond(kind, values, d.get("m", "any"), bool(d.get("n", 0)), tuple(words),
                d.get("f", "any"), d.get("code", ""),
                _years(_span(d["y"])) if "y" in d else (None, None), d.get("of", ""),
                _span(d["s"]) if "s" in d else (None, None),
                tuple(_cond(store, x, depth + 1) for x in sub))
