"""A view: the part of the graph a related-work section is about.

A view is chosen by filters — threat, attacker knowledge, target model or family (a model
filter also matches every model below it, following ``skos:broader*``), defense method, a
list of papers —, by a question (``kg export question``: exactly the rows its answer rests
on), or by a user's SPARQL CONSTRUCT. Filters become logical forms of the query core
(:mod:`kg.query`), so a view, a question and an app page that mean the same selection
give the same rows. It carries the selected survey rows
(attacks and defense evaluations, in survey order), their papers with bibliographic
entries, the RDF subgraph, and the version hash of the full graph, so every export can
say exactly how to regenerate itself.

Filter semantics (documented in the README):

- filters of different kinds combine with AND, several values of one kind with OR;
- ``--knowledge`` constrains attack rows only: defense rows carry no attacker knowledge,
  and are kept when they pass the other filters ("the defenses evaluated there");
- ``--method`` selects defense rows; attack rows are left out when a method is given;
- ``--part attacks|defenses`` keeps only one kind of row.

All queries go through the Store with bound values; user labels are resolved to IRIs
through data/aliases.yaml and the graph's own labels first (unknown → "did you mean").
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, SKOS, Graph, URIRef
from rdflib.namespace import DCTERMS

from ..bibliography import BibEntry, Bibliography, load_bibliography
from ..curated import Aliases, load_aliases, norm
from ..errors import KGError, QueryError, UnknownLabelError
from ..family import model_tree
from ..sparql import run_query
from ..stores.base import Store
from ..version import version_line
from ..vocab import PREFIXES, RD

PARTS = ("all", "attacks", "defenses")

ATTACK_ROWS = """
SELECT ?node ?n ?threat ?paper ?title ?eff ?lim ?ref ?k ?m ?code WHERE {
  ?node a rd:Attack ; rd:fromPaper ?paper ; rd:threat ?threat ;
        rd:effectiveness ?eff ; rd:limitation ?lim ; prov:wasDerivedFrom ?row ;
        rd:assumesKnowledge ?k ; rd:evaluatedOn ?m .
  ?row a rd:SourceRow ; rd:rowNumber ?n .
  ?paper dcterms:title ?title .
  OPTIONAL { ?node rd:referenceURL ?ref }
  OPTIONAL { ?paper rd:codeRepository ?code }
}
"""

DEFENSE_ROWS = """
SELECT ?node ?n ?threat ?paper ?title ?eff ?ref ?method ?m ?code WHERE {
  ?node a rd:DefenseEvaluation ; rd:fromPaper ?paper ; rd:mitigates ?threat ;
        rd:method ?method ; rd:effectiveness ?eff ; prov:wasDerivedFrom ?row ;
        rd:evaluatedOn ?m .
  ?row a rd:SourceRow ; rd:rowNumber ?n .
  ?paper dcterms:title ?title .
  OPTIONAL { ?node rd:referenceURL ?ref }
  OPTIONAL { ?paper rd:codeRepository ?code }
}
"""

KIND_CLASS = {"threats": RD.ThreatCategory, "knowledge": RD.AttackerKnowledge,
              "models": RD.TargetModel, "methods": RD.DefenseMethod, "papers": RD.Paper,
              "authors": RD.Person, "venues": RD.Venue}
FAMILY_NAMES = "SELECT ?node ?family WHERE { ?node a rd:Person ; foaf:familyName ?family }"

CLASS_LABELS = """
SELECT ?node ?pl ?l ?t WHERE {
  ?node a ?cls .
  OPTIONAL { ?node skos:prefLabel ?pl } OPTIONAL { ?node rdfs:label ?l }
  OPTIONAL { ?node dcterms:title ?t }
}
"""

CLASS_ALTS = "SELECT ?node ?alt WHERE { ?node a ?cls ; skos:altLabel ?alt }"

BROADER = "SELECT ?m ?b WHERE { ?m a rd:TargetModel ; skos:broader ?b }"

# The triples of every node of a class (?cls bound); the view's subgraph is picked from
# these in Python (few simple queries: rdflib's parsing, not matching, is the cost).
CLASS_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { ?s a ?cls ; ?p ?o }"
BIB_TRIPLES = """CONSTRUCT { ?s ?p ?o } WHERE {
  VALUES ?cls { rd:Person rd:Authorship rd:Venue rd:CuratedEntry rd:Verification }
  ?s a ?cls ; ?p ?o }"""
CONCEPT_PREDICATES = (RDF.type, SKOS.prefLabel, RDFS.label, SKOS.broader, SKOS.inScheme)
SOURCE_ROW_PREDICATES = (RDF.type, RDFS.label, RD.rowNumber, RD.inTable)
TABLE_PREDICATES = (RDF.type, RDFS.label)
FULL_GRAPH = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


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


@dataclass(frozen=True)
class Paper:
    iri: URIRef
    title: str  # as the survey writes it
    key: str  # citation key (data/bibliography.yaml), or a fallback if the paper has none
    entry: BibEntry | None

    def short(self) -> str:
        return self.entry.short_authors() if self.entry else self.title

    def year(self) -> str:
        return str(self.entry.year) if self.entry and self.entry.year else ""


@dataclass(frozen=True)
class AttackRow:
    iri: URIRef
    row: int
    threat: str
    paper: Paper
    knowledge: tuple[str, ...]
    models: tuple[str, ...]
    effectiveness: str
    limitation: str
    reference_url: str | None
    code_urls: tuple[str, ...]


@dataclass(frozen=True)
class DefenseRow:
    iri: URIRef
    row: int
    threat: str
    paper: Paper
    method: str
    models: tuple[str, ...]
    effectiveness: str
    reference_url: str | None
    code_urls: tuple[str, ...]


@dataclass(frozen=True)
class View:
    spec: ViewSpec
    graph: Graph = field(compare=False)
    graph_sha256: str
    attacks: tuple[AttackRow, ...]
    defenses: tuple[DefenseRow, ...]
    papers: tuple[Paper, ...]
    model_broader: tuple[tuple[str, str], ...]  # (model, broader model) among view models
    version: str = ""  # kg.version.version_line of the graph

    @property
    def missing_bibliography(self) -> list[str]:
        return [p.title for p in self.papers if p.entry is None]

    def header(self, fmt: str) -> list[str]:
        """The lines every export starts with (as a comment where the format has one):
        the graph's version hash and the filter or SPARQL, so it can be regenerated."""
        lines = [
            "Exported by kg export (responsible-diffusion-kg) from the privacy knowledge graph.",
            f"regenerate: {self.spec.command(fmt)}",
            f"graph sha256: {self.graph_sha256}  (build/version.json graph_sha256)",
            f"graph version: {self.version}",
            f"view: {self.spec.describe()}",
            *(f"note: {n}" for n in self.spec.notes()),
            f"rows: {_n(len(self.attacks), 'attack')}, "
            f"{_n(len(self.defenses), 'defense evaluation')}, {_n(len(self.papers), 'paper')}",
        ]
        if self.spec.construct is not None:
            lines.append("query (save as QUERY.rq):")
            lines += ["  " + q for q in self.spec.construct.rstrip("\n").splitlines()]
        return lines

    def threats(self) -> list[str]:
        """Threat labels of the view, in survey order."""
        seen: dict[str, None] = {}
        for r in (*self.attacks, *self.defenses):
            seen.setdefault(r.threat, None)
        return list(seen)

    def models(self) -> list[str]:
        return sorted({m for r in (*self.attacks, *self.defenses) for m in r.models})

    def methods(self) -> list[str]:
        return list(dict.fromkeys(d.method for d in self.defenses))


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


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# ---------------------------------------------------------------- label resolution

def _labels(store: Store, kind: str) -> tuple[dict[str, URIRef], dict[str, str]]:
    """label -> IRI and alt label -> label for one kind of node."""
    cls = KIND_CLASS[kind]
    by_label: dict[str, URIRef] = {}
    for r in store.select(CLASS_LABELS, {"cls": cls}):
        label = r["pl"] or r["l"] or r["t"]
        if label is not None:
            by_label.setdefault(str(label), r["node"])
    name = {v: k for k, v in by_label.items()}
    alts = {str(r["alt"]): name[r["node"]] for r in store.select(CLASS_ALTS, {"cls": cls})
            if r["node"] in name}
    return by_label, alts


class Resolver:
    """User text -> canonical label -> IRI, through the alias file and the graph's labels."""

    def __init__(self, store: Store, aliases: Aliases | None = None,
                 bibliography: Bibliography | None = None) -> None:
        self.aliases = aliases or load_aliases()
        self.bib = bibliography or load_bibliography()
        self.iris: dict[str, dict[str, URIRef]] = {}
        self.families: dict[str, list[str]] = {}  # family name (normalised) -> full names
        for kind in KIND_CLASS:
            by_label, alts = _labels(store, kind)
            self.iris[kind] = by_label
            for label in by_label:
                self.aliases.add_canonical(kind, label)
            for alt, label in alts.items():
                self.aliases.canonical[kind].setdefault(norm(alt), label)
        names = {v: k for k, v in self.iris["authors"].items()}
        for r in store.select(FAMILY_NAMES):
            self.families.setdefault(norm(str(r["family"])), []).append(names[r["node"]])

    def resolve_authors(self, text: str) -> list[str]:
        """People named by ``text``: a full name ("Fei Kong") or a family name ("Wen":
        everyone who bears it)."""
        label = self.aliases.resolve("authors", text)
        if label is not None and label in self.iris["authors"]:
            return [label]
        found = sorted(self.families.get(norm(text), []))
        if not found:
            raise UnknownLabelError("author (full or family name)", text,
                                    list(self.iris["authors"]))
        return found

    def resolve(self, kind: str, text: str) -> str:
        """The canonical label of ``text`` (UnknownLabelError with suggestions)."""
        if kind == "papers":
            entry = self.bib.get(text.strip()) or self.bib.for_title(text) or next(
                (e for e in self.bib.entries if norm(text) in {norm(n) for n in e.short_names}),
                None)
            if entry is not None and norm(entry.survey_title) in {
                    norm(t) for t in self.iris["papers"]}:
                return next(t for t in self.iris["papers"] if norm(t) == norm(entry.survey_title))
        label = self.aliases.resolve(kind, text)
        if label is None or label not in self.iris[kind]:
            known = list(self.iris[kind])
            if kind == "papers":
                known += [e.key for e in self.bib.entries]
            raise UnknownLabelError(_KIND_NAMES[kind], text, known)
        return label

    def iri(self, kind: str, label: str) -> URIRef:
        return self.iris[kind][label]


_KIND_NAMES = {"threats": "threat", "knowledge": "attacker knowledge", "models": "target model",
               "methods": "defense method", "papers": "paper (title or citation key)",
               "authors": "author", "venues": "venue"}


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
    from ..worker import check_in_worker

    if not query or not query.strip():
        raise QueryError("empty query")
    form = check_in_worker(query)
    if form != "construct":
        raise QueryError(f"a view query must be a SPARQL CONSTRUCT; this is a {form.upper()} "
                         "query")
    return ViewSpec(construct=query.strip() + "\n")


# ---------------------------------------------------------------- building a view

def graph_version(store: Store) -> dict:
    """The version stamp of the full graph (kg.version: the build directory's record when
    it holds this very graph), with ``graph_sha256`` as `kg build` records it."""
    from ..version import stamp

    g = getattr(store, "graph", None)
    if not isinstance(g, Graph):
        g = store.construct(FULL_GRAPH)
    return stamp(g)


def _collect_rows(store: Store, query: str) -> dict[URIRef, dict]:
    rows: dict[URIRef, dict] = {}
    for r in store.select(query):
        d = rows.setdefault(r["node"], {**r, "k": set(), "m": set(), "code": set()})
        if r.get("k") is not None:
            d["k"].add(r["k"])
        d["m"].add(r["m"])
        if r["code"] is not None:
            d["code"].add(str(r["code"]))
    return rows


def make_view(store: Store, spec: ViewSpec, bibliography: Bibliography | None = None,
              limit: int = 10000, timeout: float = 10.0) -> View:
    """Select the view's rows and subgraph from the store."""
    bib = bibliography or load_bibliography()
    attacks = _collect_rows(store, ATTACK_ROWS)
    defenses = _collect_rows(store, DEFENSE_ROWS)
    iri_of = {kind: _labels(store, kind)[0] for kind in KIND_CLASS}
    label: dict[URIRef, str] = {}
    for by_label in iri_of.values():
        for text, node in by_label.items():
            label.setdefault(node, text)
    tree = model_tree(store)
    ancestors = {URIRef(m): {URIRef(a) for a in tree.ancestors(m)} for m in tree.broader}

    constructed: Graph | None = None
    if spec.construct is not None:
        res = run_query(store, spec.construct, limit=limit, timeout=timeout)
        if res.truncated:
            raise QueryError(f"the view's CONSTRUCT gives more than {len(res.graph):,} triples "
                             "(KG_CONSTRUCT_MAX_TRIPLES); narrow it — a view is never cut")
        constructed = res.graph
        assert constructed is not None
        mentioned = set(constructed.subjects()) | set(constructed.objects())
        a_sel = [n for n in attacks if n in mentioned]
        d_sel = [n for n in defenses if n in mentioned]
        extra_papers = [n for n in sorted(mentioned, key=str) if isinstance(n, URIRef)
                        and store.ask("ASK { ?s a rd:Paper }", {"s": n})]
    elif spec.question is not None or spec.selection is not None:
        chosen = set(spec.rows)
        a_sel = [n for n in attacks if str(n) in chosen]
        d_sel = [n for n in defenses if str(n) in chosen]
        extra_papers = []
    else:
        a_sel, d_sel = _selected_rows(store, spec, iri_of)
        extra_papers = []

    papers: dict[URIRef, Paper] = {}

    def paper(node: URIRef, title: str) -> Paper:
        if node not in papers:
            entry = bib.for_title(title)
            papers[node] = Paper(node, title, entry.key if entry else _fallback_key(title), entry)
        return papers[node]

    a_rows = sorted((AttackRow(
        n, int(d["n"]), label[d["threat"]], paper(d["paper"], str(d["title"])),
        tuple(sorted(label[k] for k in d["k"])), tuple(sorted(label[m] for m in d["m"])),
        str(d["eff"]), str(d["lim"]), _s(d["ref"]), tuple(sorted(d["code"])))
        for n, d in attacks.items() if n in set(a_sel)), key=lambda r: r.row)
    d_rows = sorted((DefenseRow(
        n, int(d["n"]), label[d["threat"]], paper(d["paper"], str(d["title"])),
        label[d["method"]], tuple(sorted(label[m] for m in d["m"])), str(d["eff"]),
        _s(d["ref"]), tuple(sorted(d["code"])))
        for n, d in defenses.items() if n in set(d_sel)), key=lambda r: r.row)
    # papers in order of first appearance: attack rows, then defense rows
    order = [r.paper.iri for r in a_rows] + [r.paper.iri for r in d_rows]
    for p in extra_papers:
        paper(p, _title(store, p))
        order.append(p)
    ordered = tuple(papers[p] for p in dict.fromkeys(order))

    if constructed is not None:
        sub = constructed
    else:
        sub = _subgraph(store, [r.iri for r in (*a_rows, *d_rows)], ancestors)
    for p, ns in PREFIXES.items():
        sub.bind(p, ns, override=True)

    view_models = {m for r in (*a_rows, *d_rows) for m in r.models}
    broader = sorted({(label[r["m"]], label[r["b"]]) for r in store.select(BROADER)
                      if label.get(r["m"]) in view_models and label.get(r["b"]) in view_models})
    version = graph_version(store)
    return View(spec, sub, version["graph_sha256"], tuple(a_rows), tuple(d_rows), ordered,
                tuple(broader), version_line(version))


def _title(store: Store, node: URIRef) -> str:
    rows = store.select("SELECT ?t WHERE { ?p dcterms:title ?t }", {"p": node})
    return str(rows.rows[0]["t"]) if rows.rows else str(node)


def _s(v) -> str | None:
    return None if v is None else str(v)


def _fallback_key(title: str) -> str:
    from ..vocab import slug

    return "kg-" + slug(title)[:40]


def view_forms(spec: ViewSpec, iri_of: dict[str, dict[str, URIRef]]):
    """The logical forms of a filter view: (attack rows, defense rows), None for a part the
    view leaves out. Knowledge constrains attack rows only; a method selects defense rows."""
    from ..query import Cond, Form, Term

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


def _selected_rows(store: Store, spec: ViewSpec, iri_of) -> tuple[list, list]:
    from ..query import row_ids, run

    out = []
    for form in view_forms(spec, iri_of):
        out.append([URIRef(r) for r in row_ids(run(store, form, cap=None))] if form else [])
    return out[0], out[1]


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

    from ..ask import ask
    from ..query import row_ids, run

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


def _subgraph(store: Store, rows: Iterable[URIRef],
              ancestors: dict[URIRef, set[URIRef]]) -> Graph:
    """The rows' own triples, their papers' (without the papers' links to every row), the
    concepts the rows name (models with their whole broader chain), the survey rows
    they derive from, with those rows' tables, and the derived links (rd:DerivedLink, with
    their rule) between two of the rows."""
    rows = set(rows)

    def triples(cls: URIRef) -> Graph:
        return store.construct(CLASS_TRIPLES, {"cls": cls})

    g = Graph()
    row_graph = triples(RD.Attack) + triples(RD.DefenseEvaluation)
    for t in row_graph:
        if t[0] in rows:
            g.add(t)
    papers = set(g.objects(None, RD.fromPaper))
    sources = set(g.objects(None, _PROV_DERIVED))
    concepts: set = set()
    for p in (RD.threat, RD.mitigates, RD.assumesKnowledge, RD.method, RD.evaluatedOn):
        concepts |= set(g.objects(None, p))
    for m in set(g.objects(None, RD.evaluatedOn)):
        concepts |= ancestors.get(m, set())
    bib = store.construct(BIB_TRIPLES)  # one query for the five bibliographic classes
    curated = set(bib.subjects(RDF.type, RD.CuratedEntry))
    for s_, p_, o_ in triples(RD.Paper):
        if s_ in papers and (p_ != _PROV_DERIVED or o_ in curated):
            g.add((s_, p_, o_))
    # the papers' bibliographic nodes (authors, authorships, venues) and the curated
    # entries they come from, with the public records those were verified against
    linked = set(g.objects(None, RD.hasAuthorship)) | set(g.objects(None, DCTERMS.creator)) \
        | set(g.objects(None, RD.publishedAt)) | {o for s, p, o in g if p == _PROV_DERIVED
                                                 and o in curated and s in papers}
    people_venues = set(bib.subjects(RDF.type, RD.Person)) | set(bib.subjects(RDF.type,
                                                                             RD.Venue))
    for s_, p_, o_ in bib:
        if s_ in linked and (s_ not in people_venues or p_ != _PROV_DERIVED):
            g.add((s_, p_, o_))
    checks = set(g.objects(None, RD.hasVerification))
    for s_, p_, o_ in bib:
        if s_ in checks:
            g.add((s_, p_, o_))
    for cls in (RD.ThreatCategory, RD.AttackerKnowledge, RD.TargetModel, RD.DefenseMethod):
        for s_, p_, o_ in triples(cls):
            if s_ in concepts and p_ in CONCEPT_PREDICATES:
                g.add((s_, p_, o_))
    tables = set()
    for s_, p_, o_ in triples(RD.SourceRow):
        if s_ in sources and p_ in SOURCE_ROW_PREDICATES:
            g.add((s_, p_, o_))
            if p_ == RD.inTable:
                tables.add(o_)
    for s_, p_, o_ in triples(RD.SourceTable):
        if s_ in tables and p_ in TABLE_PREDICATES:
            g.add((s_, p_, o_))
    links = triples(RD.DerivedLink)
    rules = set()
    for f in set(links.subjects(RDF.type, RD.DerivedLink)):
        if links.value(f, RDF.subject) in rows and links.value(f, RDF.object) in rows:
            for t in links.triples((f, None, None)):
                g.add(t)
            rules |= set(links.objects(f, RD.derivedBy))
    for s_, p_, o_ in triples(RD.DerivationRule):
        if s_ in rules:
            g.add((s_, p_, o_))
    return g


_PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")

__all__ = ["AttackRow", "DefenseRow", "Paper", "Resolver", "View", "ViewSpec",
           "construct_spec", "make_view", "question_spec", "selection_spec", "view_forms",
           "view_spec"]
