"""A view: the part of the graph a related-work section is about, as every export reads it.

The rule: a view is selected by a :class:`~kg.export.spec.ViewSpec` (filters, a question, a
CONSTRUCT or a named selection; :mod:`kg.export.spec`) and carries the selected survey rows
(attacks and defense evaluations, in survey order), their papers with bibliographic entries
(data/bibliography.yaml; a fallback citation key for a paper without one), the RDF subgraph
(:mod:`kg.export.subgraph`), and the version hash of the full graph, so every export can say
exactly how to regenerate itself. All queries go through the Store with bound values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, URIRef

from ..bibliography import BibEntry, Bibliography, load_bibliography
from ..errors import QueryError
from ..family import model_tree
from ..query import row_ids, run
from ..sparql import run_query
from ..stores.base import Store
from ..version import stamp, version_line
from ..vocab import PREFIXES, RD, slug
from .labels import KIND_CLASS, labels_of
from .spec import ViewSpec, view_forms
from .subgraph import subgraph

ATTACK_ROWS = """
SELECT ?node ?n ?threat ?paper ?title ?eff ?lim ?ref ?k ?m ?code ?codeState WHERE {
  ?node a rd:Attack ; rd:fromPaper ?paper ; rd:threat ?threat ;
        rd:effectiveness ?eff ; rd:limitation ?lim ; prov:wasDerivedFrom ?row ;
        rd:assumesKnowledge ?k ; rd:evaluatedOn ?m .
  ?row a rd:SourceRow ; rd:rowNumber ?n .
  ?paper dcterms:title ?title .
  OPTIONAL { ?node rd:referenceURL ?ref }
  OPTIONAL { ?paper rd:codeRepository ?code }
  OPTIONAL { ?paper rd:codeAvailability ?codeState }
}
"""

DEFENSE_ROWS = """
SELECT ?node ?n ?threat ?paper ?title ?eff ?ref ?method ?m ?code ?codeState WHERE {
  ?node a rd:DefenseEvaluation ; rd:fromPaper ?paper ; rd:mitigates ?threat ;
        rd:method ?method ; rd:effectiveness ?eff ; prov:wasDerivedFrom ?row ;
        rd:evaluatedOn ?m .
  ?row a rd:SourceRow ; rd:rowNumber ?n .
  ?paper dcterms:title ?title .
  OPTIONAL { ?node rd:referenceURL ?ref }
  OPTIONAL { ?paper rd:codeRepository ?code }
  OPTIONAL { ?paper rd:codeAvailability ?codeState }
}
"""

BROADER = "SELECT ?m ?b WHERE { ?m a rd:TargetModel ; skos:broader ?b }"
FULL_GRAPH = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


#: A paper's code as its source says (rd:codeAvailability), in three states.
CODE_STATES = {str(RD.CodeLinked): "linked", str(RD.CodeWithoutLink): "marked",
               str(RD.NoCodeMarked): "none"}
#: What each state means, for the legend of a table that shows it.
CODE_LEGEND = {"linked": "the survey links the code",
               "marked": "the survey marks code but gives no link",
               "none": "the survey marks no code"}


@dataclass(frozen=True)
class Paper:
    iri: URIRef
    title: str  # as the survey writes it
    key: str  # citation key (data/bibliography.yaml), or a fallback if the paper has none
    entry: BibEntry | None
    code: str = "none"  # linked | marked | none (CODE_STATES)

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


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def full_graph(store: Store) -> Graph:
    """The store's default graph as an rdflib Graph (the memory store's own, else a
    CONSTRUCT of every triple): what the version stamp hashes and a release dumps."""
    g = getattr(store, "graph", None)
    return g if isinstance(g, Graph) else store.construct(FULL_GRAPH)


def graph_version(store: Store, graph: Graph | None = None) -> dict:
    """The version stamp of the full graph (kg.version: the build directory's record when
    it holds this very graph), with ``graph_sha256`` as `kg build` records it; ``graph``:
    the store's :func:`full_graph` when the caller has it already."""
    return stamp(graph if graph is not None else full_graph(store))


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
              limit: int = 10000, timeout: float = 10.0, with_graph: bool = True) -> View:
    """Select the view's rows and subgraph from the store (``with_graph`` False: rows only,
    an empty subgraph, for a reader that never exports RDF: the audit report)."""
    bib = bibliography or load_bibliography()
    attacks = _collect_rows(store, ATTACK_ROWS)
    defenses = _collect_rows(store, DEFENSE_ROWS)
    iri_of = {kind: labels_of(store, kind)[0] for kind in KIND_CLASS}
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

    def paper(node: URIRef, title: str, state=None) -> Paper:
        if node not in papers:
            entry = bib.for_title(title)
            papers[node] = Paper(node, title, entry.key if entry else _fallback_key(title), entry,
                                 CODE_STATES.get(str(state), "none"))
        return papers[node]

    a_rows = sorted((AttackRow(
        n, int(d["n"]), label[d["threat"]], paper(d["paper"], str(d["title"]), d["codeState"]),
        tuple(sorted(label[k] for k in d["k"])), tuple(sorted(label[m] for m in d["m"])),
        str(d["eff"]), str(d["lim"]), _s(d["ref"]), tuple(sorted(d["code"])))
        for n, d in attacks.items() if n in set(a_sel)), key=lambda r: r.row)
    d_rows = sorted((DefenseRow(
        n, int(d["n"]), label[d["threat"]], paper(d["paper"], str(d["title"]), d["codeState"]),
        label[d["method"]], tuple(sorted(label[m] for m in d["m"])), str(d["eff"]),
        _s(d["ref"]), tuple(sorted(d["code"])))
        for n, d in defenses.items() if n in set(d_sel)), key=lambda r: r.row)
    # papers in order of first appearance: attack rows, then defense rows
    order = [r.paper.iri for r in a_rows] + [r.paper.iri for r in d_rows]
    for p in extra_papers:
        paper(p, *_title(store, p))
        order.append(p)
    ordered = tuple(papers[p] for p in dict.fromkeys(order))

    if constructed is not None:
        sub = constructed
    elif with_graph:
        sub = subgraph(store, [r.iri for r in (*a_rows, *d_rows)], ancestors)
    else:
        sub = Graph()
    for p, ns in PREFIXES.items():
        sub.bind(p, ns, override=True)

    view_models = {m for r in (*a_rows, *d_rows) for m in r.models}
    broader = sorted({(label[r["m"]], label[r["b"]]) for r in store.select(BROADER)
                      if label.get(r["m"]) in view_models and label.get(r["b"]) in view_models})
    version = graph_version(store)
    return View(spec, sub, version["graph_sha256"], tuple(a_rows), tuple(d_rows), ordered,
                tuple(broader), version_line(version))


def _title(store: Store, node: URIRef) -> tuple[str, object]:
    """A paper's title and code state (None when it has none)."""
    rows = store.select("SELECT ?t ?c WHERE { ?p dcterms:title ?t "
                        "OPTIONAL { ?p rd:codeAvailability ?c } }", {"p": node})
    return (str(rows.rows[0]["t"]), rows.rows[0]["c"]) if rows.rows else (str(node), None)


def _s(v) -> str | None:
    return None if v is None else str(v)


def _fallback_key(title: str) -> str:

    return "kg-" + slug(title)[:40]


def _selected_rows(store: Store, spec: ViewSpec, iri_of) -> tuple[list, list]:

    out = []
    for form in view_forms(spec, iri_of):
        out.append([URIRef(r) for r in row_ids(run(store, form, cap=None))] if form else [])
    return out[0], out[1]


__all__ = ["AttackRow", "DefenseRow", "Paper", "View", "make_view"]
