"""A plain-Python oracle over the survey rows, independent of the product: no rdflib, no
SPARQL, no kg.query, no kg.ingest, no kg.curated.

It reads the survey's rows from tests/fixtures/survey_rows.json (a second reading of the
survey's HTML tables with the standard library's parser, checked in and compared once by
hand: tests/fixtures/survey_rows.py), resolves labels through data/aliases.yaml read as
plain YAML, walks the model tree of data/models.yaml itself, then evaluates a logical form
by the semantics written in kg.query's docstring. Answers are labels (paper titles, method
and concept labels), so a test compares them with the labels the query core returns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
ROWS = Path(__file__).resolve().parent / "fixtures" / "survey_rows.json"
ATTACKS, DEFENSES = "attacks", "defenses"


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


class Aliases:
    """data/aliases.yaml as plain YAML: kind -> any spelling -> canonical label."""

    def __init__(self) -> None:
        data = yaml.safe_load((DATA / "aliases.yaml").read_text(encoding="utf-8"))
        self.canonical: dict[str, dict[str, str]] = {}
        self.labels: dict[str, list[str]] = {}
        for kind in ("knowledge", "threats", "models", "methods"):
            for label, alts in (data.get(kind) or {}).items():
                self.add(kind, label)
                for alt in alts or []:
                    self.canonical[kind].setdefault(_norm(alt), label)

    def add(self, kind: str, label: str) -> None:
        self.canonical.setdefault(kind, {}).setdefault(_norm(label), label)
        self.labels.setdefault(kind, [])
        if label not in self.labels[kind]:
            self.labels[kind].append(label)

    def resolve(self, kind: str, text: str) -> str | None:
        return self.canonical.get(kind, {}).get(_norm(text))

    def require(self, kind: str, text: str) -> str:
        label = self.resolve(kind, text)
        assert label is not None, f"the oracle knows no {kind} {text!r}"
        return label


@dataclass(frozen=True)
class Rec:
    part: str  # attacks | defenses
    paper: str
    threat: str
    knowledge: frozenset[str]
    models: frozenset[str]
    method: str
    effectiveness: str
    limitation: str
    code: str  # the row's Code cell: "linked" (a link), "marked" (text, no link), "none" (empty)
    row: int = 0  # the row's number in its table (as kg explain and rows.csv give it)
    code_links: tuple[str, ...] = ()  # the links of the row's Code cell


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


class Oracle:
    def __init__(self, rows_file: Path = ROWS) -> None:
        al = self.aliases = Aliases()
        tree = yaml.safe_load((DATA / "models.yaml").read_text(encoding="utf-8"))
        self.parent = {m["label"]: m.get("broader") for m in tree["models"]}
        for m in tree["models"]:
            al.add("models", m["label"])
        self.t2i = {m["label"] for m in tree["models"] if m.get("text_to_image")}
        self.families = {m["label"] for m in tree["models"] if m.get("family")}
        self.knowledge_levels = set(al.labels["knowledge"])
        survey = json.loads(rows_file.read_text(encoding="utf-8"))
        rows = []
        for part, threat_col in ((ATTACKS, "Category"), (DEFENSES, "Threats")):
            for r in survey[part]["rows"]:
                c = {h: v["text"] for h, v in r["cells"].items()}
                method = al.resolve("methods", c["Key Methods"]) or c["Key Methods"] \
                    if part == DEFENSES else ""
                rows.append(Rec(
                    part, c["Ref."], al.require("threats", c[threat_col]),
                    frozenset(al.require("knowledge", k) for k in _split(c["Attacker's knowledge"]))
                    if part == ATTACKS else frozenset(),
                    frozenset(al.require("models", m) for m in _split(c["Target Models"])),
                    method, c["Effectiveness"], c["Limitations"] if part == ATTACKS else "",
                    "linked" if r["cells"]["Code"]["links"] else "marked" if c["Code"] else "none",
                    r["row"], tuple(r["cells"]["Code"]["links"])))
        self.rows = rows
        # the curated bibliography, read as plain YAML: survey title -> authors, venue, year
        bib = yaml.safe_load((DATA / "bibliography.yaml").read_text(encoding="utf-8"))
        self.bib = {" ".join(e["survey_title"].split()).casefold(): e for e in bib["papers"]}
        # a paper's code state over its rows: linked > marked without a link > none marked
        rank = {"none": 0, "marked": 1, "linked": 2}
        self.code: dict[str, str] = {}
        for r in rows:
            if rank[r.code] >= rank[self.code.get(r.paper, "none")]:
                self.code[r.paper] = r.code

    # -------------------------------------------------------------- semantics

    def families_of(self, model: str) -> list[str]:
        """The family columns a model counts under: every marked family above it or itself
        (a family covers every model below it), else the model itself."""
        out, m = [], model
        while m is not None:
            if m in self.families:
                out.append(m)
            m = self.parent.get(m)
        return out or [model]

    def under(self, model: str, family: str) -> bool:
        m: str | None = model
        while m is not None:
            if m == family:
                return True
            m = self.parent.get(m)
        return False

    def holds(self, c, r: Rec) -> bool:
        """Whether row ``r`` satisfies condition ``c`` (negation ignored)."""
        labels = [v.label for v in c.values]
        if c.mode == "all" and len(labels) > 1:  # every value on this row
            return all(self.holds(type(c)(c.kind, (v,)), r) for v in c.values)
        if c.kind == "threat":
            return r.threat in labels
        if c.kind == "knowledge":
            if c.mode == "only":
                return bool(r.knowledge) and r.knowledge <= set(labels)
            return bool(r.knowledge & set(labels))
        if c.kind == "model" and c.mode == "exact":
            return bool(r.models & set(labels))
        if c.kind == "model":
            return any(self.under(m, f) for m in r.models for f in labels)
        if c.kind == "method":
            return r.method in labels
        if c.kind == "paper":
            return r.paper in labels
        if c.kind == "code":
            return (self.code[r.paper] == "linked") == (c.code == "linked")
        if c.kind in ("author", "venue", "year"):
            e = self.bib.get(r.paper.casefold())
            if e is None:
                return False
            if c.kind == "author":  # "Family, Given" -> "Given Family", the person's name
                names = {" ".join(reversed([p.strip() for p in a.split(",", 1)]))
                         for a in e["authors"]}
                return bool(names & set(labels))
            if c.kind == "venue":
                return e.get("venue_short") in labels
            lo, hi = c.years
            y = e.get("year")
            return y is not None and (lo is None or y >= lo) and (hi is None or y <= hi)
        if c.kind == "t2i":
            return any(m in self.t2i for m in r.models)
        if c.kind == "defended":
            return any(d.part == DEFENSES and d.threat == r.threat for d in self.rows)
        if c.kind == "uncovered":  # a model of the row no defense row covers
            return any(not self.covered(m) for m in r.models)
        if c.kind == "distinct":  # per row (attacks); items are counted in answer()
            return self.in_span(len(self.named(c.of, r)), c.span)
        if c.kind == "text":
            texts = {"effectiveness": [r.effectiveness], "limitation": [r.limitation],
                     "any": [r.effectiveness, r.limitation]}[c.field]
            return any(all(w in t.lower() for w in c.words) for t in texts if t)
        raise ValueError(c.kind)

    def covered(self, model: str) -> bool:
        """A defense row is evaluated on the model itself (as the rows name it)."""
        return any(d.part == DEFENSES and model in d.models for d in self.rows)

    @staticmethod
    def named(of: str, r: Rec) -> set[str]:
        """The values of kind ``of`` row ``r`` names (models as written, not rolled up)."""
        return {"model": set(r.models), "knowledge": set(r.knowledge),
                "threat": {r.threat}, "paper": {r.paper}}[of]

    @staticmethod
    def in_span(n: int, span) -> bool:
        lo, hi = span
        return (lo is None or n >= lo) and (hi is None or n <= hi)

    def applies(self, c, part: str) -> bool:
        if part == DEFENSES and c.kind == "distinct":
            return c.of != "knowledge"
        if part == DEFENSES:
            return c.kind not in ("knowledge", "defended", "uncovered") and not (
                c.kind == "text" and c.field == "limitation")
        return c.kind != "method"

    def items_of(self, target: str, r: Rec) -> list[str]:
        return {"attacks": [r.paper], "evaluations": [r.method], "methods": [r.method],
                "papers": [r.paper], "models": sorted(r.models), "threats": [r.threat],
                "knowledge": sorted(r.knowledge)}[target]

    def gaps(self) -> set[tuple]:
        """Gap identities (type, level, cell labels) from the rows, with full family
        closure: a family column covers every model below it."""
        att = [r for r in self.rows if r.part == ATTACKS]
        dfs = [r for r in self.rows if r.part == DEFENSES]
        d_threats = {d.threat for d in dfs}
        d_models = {(d.threat, m) for d in dfs for m in d.models}
        d_fams = {(d.threat, f) for d in dfs for m in d.models for f in self.families_of(m)}
        know = {}
        for a in att:
            know.setdefault((a.paper, a.threat), set()).update(a.knowledge)
        d_know = {(d.threat, k) for d in dfs for k in know.get((d.paper, d.threat), ())}
        out: set[tuple] = set()
        for a in att:
            if a.threat not in d_threats:
                out.add(("threat_without_defense", None, a.threat))
            for m in a.models:
                if (a.threat, m) not in d_models:
                    out.add(("model_without_defense", "model", a.threat, m))
                for f in self.families_of(m):
                    if (a.threat, f) not in d_fams:
                        out.add(("model_without_defense", "family", a.threat, f))
            for k in a.knowledge:
                if (a.threat, k) not in d_know:
                    out.add(("knowledge_without_defense", None, a.threat, k))
        out |= {("no_code_link", None, p) for p, s in self.code.items() if s != "linked"}
        return out

    def answer(self, form) -> dict[str, int]:
        """Answer label -> number of matching rows (attacks: by paper; methods: by method)."""
        own = {"methods": "method", "papers": "paper", "models": "model", "threats": "threat",
               "knowledge": "knowledge"}.get(form.target)
        pos = [c for c in form.conds if not c.negated and c.kind != own]
        neg = [c for c in form.conds if c.negated and c.kind != own]
        item_conds = [c for c in form.conds if c.kind == own or own == "model"
                      and c.kind in ("uncovered", "t2i")]
        pos = [c for c in pos if c not in item_conds]
        neg = [c for c in neg if c not in item_conds]
        rows = [r for r in self.rows if r.part in form.parts]

        def single(c) -> bool:
            return c.mode != "all" or len(c.values) < 2

        def row_ok(r: Rec, conds) -> bool:  # every condition applies to the row and holds
            return all(self.applies(c, r.part) and self.holds(c, r) for c in conds)

        def item_ok(item: str) -> bool:
            for c in item_conds:
                if c.kind == "uncovered":  # the model asked for itself
                    if self.covered(item) != c.negated:
                        return False
                    continue
                if c.kind == "t2i":  # "T2I models": the model itself is text-to-image
                    if (item in self.t2i) == c.negated:
                        return False
                    continue
                labels = [v.label for v in c.values]
                inside = any(self.under(item, f) for f in labels) if own == "model" else (
                    item in labels)
                if inside == c.negated:
                    return False
            return True

        across = [c for c in form.conds if c.kind == "rows"]
        pos = [c for c in pos if c.kind != "rows"]
        neg = [c for c in neg if c.kind != "rows"]
        link = {"attacks": "papers", "evaluations": "methods"}.get(form.target, form.target)

        def across_ok(item: str) -> bool:  # a row of the other table for the item
            return all(any(o.part == c.of and item in self.items_of(link, o)
                           and all(self.holds(s, o) for s in c.sub) for o in self.rows)
                       != c.negated for c in across)

        counts: dict[str, set[int]] = {}
        if form.target in ("attacks", "evaluations"):  # the item is the row
            for i, r in enumerate(rows):
                if row_ok(r, pos) and not any(self.applies(c, r.part) and self.holds(c, r)
                                              for c in neg) and across_ok(
                        self.items_of(link, r)[0]):
                    counts.setdefault(self.items_of(form.target, r)[0], set()).add(i)
        else:
            distinct = [c for c in pos if c.kind == "distinct"]
            pos = [c for c in pos if c.kind != "distinct"]
            base = [c for c in pos if single(c)]
            for i, r in enumerate(rows):
                if row_ok(r, base) and all(self.applies(c, r.part) for c in distinct):
                    for item in self.items_of(form.target, r):
                        if item_ok(item) and across_ok(item):
                            counts.setdefault(item, set()).add(i)
            for item in list(counts):
                mine = [r for r in rows if item in self.items_of(form.target, r)]
                for c in pos:
                    if not single(c) and not all(
                            any(row_ok(r, base + [type(c)(c.kind, (v,))]) for r in mine)
                            for v in c.values):
                        counts.pop(item, None)
                if any(self.applies(c, r.part) and self.holds(c, r) for c in neg for r in mine):
                    counts.pop(item, None)
                for c in [c for c in pos if c.mode == "every"]:  # every row of the group
                    others = [b for b in base if b is not c]
                    if not all(self.holds(c, r) for r in mine
                               if self.applies(c, r.part) and row_ok(r, others)):
                        counts.pop(item, None)
                for c in distinct:  # distinct values over the item's rows meeting base
                    named = set().union(*(self.named(c.of, r) for r in mine
                                          if self.applies(c, r.part) and row_ok(r, base)))
                    if not self.in_span(len(named), c.span):
                        counts.pop(item, None)
        agg = form.agg.op if form.agg else ""
        if agg in ("earliest", "latest"):  # rows whose paper has the first / last year
            def year(i: int):
                e = self.bib.get(rows[i].paper.casefold())
                return e.get("year") if e else None

            years = [year(i) for idx in counts.values() for i in idx if year(i) is not None]
            best = (min if agg == "earliest" else max)(years) if years else None
            counts = {k: {i for i in idx if year(i) == best} for k, idx in counts.items()}
            counts = {k: idx for k, idx in counts.items() if idx}
        out = {item: len(idx) for item, idx in counts.items()}
        of = getattr(form.agg, "of", "") if form.agg else ""
        if of:  # distinct values the item's matching rows name, in parts that carry them
            out = {item: len(set().union(*(self.named(of, rows[i]) for i in idx
                                           if of != "knowledge" or rows[i].part == ATTACKS)))
                   for item, idx in counts.items()}
            out = {k: n for k, n in out.items() if n or any(
                of != "knowledge" or rows[i].part == ATTACKS for i in counts[k])}
        if agg in ("top", "bottom") and out:
            best = (max if agg == "top" else min)(out.values())
            out = {k: n for k, n in out.items() if n == best}
        elif agg == "more_than":
            out = {k: n for k, n in out.items() if n > form.agg.n}
        elif agg == "fewer_than":
            out = {k: n for k, n in out.items() if n < form.agg.n}
        return out


    # -------------------------------------------------------------- groups

    def grouped(self, form, by: str, pick: str = "all", n: int = 0) -> dict[str, int]:
        """Group label -> the number of the form's items (kg.query.groups): for each year or
        venue the curated bibliography holds, the items the form selects with that year or
        venue added as a condition on the row's paper; groups with no item left out."""
        from kg.query import Cond, Term

        values = {e.get({"year": "year", "venue": "venue_short"}[by])
                  for e in self.bib.values()} - {None, ""}
        out = {}
        for v in values:
            c = Cond("year", years=(v, v)) if by == "year" else Cond("venue", (Term("", v),))
            got = self.answer(type(form)(form.target, form.conds + (c,), None, form.parts))
            if got:
                out[str(v)] = len(got)
        if pick in ("top", "bottom") and out:
            best = (max if pick == "top" else min)(out.values())
            out = {k: m for k, m in out.items() if m == best}
        elif pick == "more_than":
            out = {k: m for k, m in out.items() if m > n}
        elif pick == "fewer_than":
            out = {k: m for k, m in out.items() if m < n}
        return out

    # -------------------------------------------------------------- attribute values

    def attribute(self, form, attribute: str) -> set[str]:
        """The values of ``attribute`` over the rows a form of positive any-of conditions
        selects (as kg.query.attribute): the row's cells, or its paper's curated fields."""
        assert all(not c.negated and (c.mode != "all" or len(c.values) < 2)
                   for c in form.conds), "the oracle reads attributes of positive forms"
        own = {"methods": "method", "papers": "paper", "models": "model",
               "threats": "threat", "knowledge": "knowledge"}.get(form.target)
        rows = [r for r in self.rows if r.part in form.parts and all(
            self.applies(c, r.part) and self.holds(c, r) for c in form.conds
            if c.kind != own or own in ("paper", "method", "threat"))]
        out: set[str] = set()
        for r in rows:
            e = self.bib.get(r.paper.casefold(), {})
            names = [" ".join(reversed([p.strip() for p in a.split(",", 1)]))
                     for a in e.get("authors") or []]
            value = {"venue": [e.get("venue_short")], "year": [e.get("year")],
                     "authors": names, "first_author": names[:1],
                     "last_author": names[-1:], "arxiv": [e.get("arxiv")],
                     "doi": [e.get("doi")],
                     "code": [lk for x in self.rows if x.paper == r.paper for lk in x.code_links],
                     "effectiveness": [r.effectiveness], "limitation": [r.limitation]}[attribute]
            out.update(" ".join(str(v).split()) for v in value if v not in (None, ""))
        return out
