"""What the app's pages show, as plain data: overview facts, entity pages, console queries.

The Streamlit pages in ``ui/`` hold no SPARQL, rdflib or graph logic; they call these
functions (and the other ``kg`` modules) and lay the results out. Every value here is a
plain string, number, list or dataclass, so a page never touches an RDF term.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field

from rdflib import Literal, URIRef
from rdflib.term import Node

from . import settings
from .build import SUMMARY_CLASSES
from .errors import KGError
from .explain import explain, qname, resolve_node
from .sparql import format_result, run_query
from .store import Store
from .vocab import PREFIXES, RD

# ------------------------------------------------------------------ the store


def open_app_store() -> Store:
    """The store the app reads (settings ``store`` / ``source``); built once per call.

    The app caches the result per server process (``st.cache_resource``)."""
    from . import store as store_module

    opener = getattr(store_module, "open_store", None)
    if opener is not None:  # the configurable store (memory / oxigraph / endpoint)
        return opener()
    from .context import open_store

    return open_store()


# ------------------------------------------------------------------ naming

#: The kinds of node a user can open a page for, in the order pages list them.
ENTITY_CLASSES: tuple[tuple[str, URIRef], ...] = (
    ("Paper", RD.Paper),
    ("Attack", RD.Attack),
    ("Defense evaluation", RD.DefenseEvaluation),
    ("Defense method", RD.DefenseMethod),
    ("Threat category", RD.ThreatCategory),
    ("Attacker knowledge", RD.AttackerKnowledge),
    ("Target model", RD.TargetModel),
)
ENTITY_TYPES = tuple(name for name, _ in ENTITY_CLASSES)

ENTITIES_QUERY = """
SELECT ?node ?label WHERE {
  ?node a ?cls .
  OPTIONAL { ?node skos:prefLabel ?pl }
  OPTIONAL { ?node rdfs:label ?rl }
  BIND(COALESCE(?pl, ?rl, STR(?node)) AS ?label)
}
"""

TERM_LABELS_QUERY = """
SELECT ?p ?label WHERE {
  ?p rdfs:label ?label .
  FILTER(STRSTARTS(STR(?p), STR(rd:)))
}
"""


@dataclass(frozen=True)
class Entity:
    ref: str  # a short, URL-safe name: the prefixed name (rdi:...)
    label: str
    type: str


def ref(node: Node | str) -> str:
    """The short name a page uses for a node (``rdi:paper-...``); IRIs outside the
    known namespaces stay whole."""
    return qname(URIRef(str(node)))


def expand(short: str) -> URIRef:
    """The IRI of a short name made by :func:`ref` (or a full IRI)."""
    if ":" in short and short.split(":", 1)[0] in PREFIXES:
        p, local = short.split(":", 1)
        return URIRef(str(PREFIXES[p]) + local)
    return URIRef(short)


def entities(store: Store, kind: str | None = None) -> list[Entity]:
    """Every node a page exists for, sorted by type then label; ``kind`` picks one type."""
    if kind is not None and kind not in ENTITY_TYPES:
        raise KGError(f"unknown entity type {kind!r}; expected one of {', '.join(ENTITY_TYPES)}")
    out: dict[str, Entity] = {}
    for name, cls in ENTITY_CLASSES:
        if kind is not None and name != kind:
            continue
        for r in store.select(ENTITIES_QUERY, {"cls": cls}):
            e = Entity(ref(r["node"]), str(r["label"]), name)
            out.setdefault(e.ref, e)  # a model family is listed once, as a target model
    order = {n: i for i, n in enumerate(ENTITY_TYPES)}
    return sorted(out.values(), key=lambda e: (order[e.type], e.label.casefold()))


def labels(store: Store) -> dict[str, str]:
    """Short name -> label, for every entity."""
    return {e.ref: e.label for e in entities(store)}


def term_labels(store: Store) -> dict[str, str]:
    """Readable names of the ontology's own terms (properties, classes, individuals)."""
    lab = {ref(r["p"]): str(r["label"]) for r in store.select(TERM_LABELS_QUERY)}
    lab.update({"rdf:type": "type", "rdfs:label": "label", "skos:prefLabel": "preferred label",
                "skos:altLabel": "also written", "skos:broader": "broader (family)",
                "skos:definition": "definition", "skos:inScheme": "in scheme",
                "skos:topConceptOf": "top concept of", "dcterms:title": "title"})
    return lab


# ------------------------------------------------------------------ overview

COUNT_QUERY = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?cls }"
TRIPLES_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

THREATS_QUERY = """
SELECT ?t ?label
       (COUNT(DISTINCT ?a) AS ?attacks) (COUNT(DISTINCT ?d) AS ?defenses)
       (COUNT(DISTINCT ?p) AS ?papers)
WHERE {
  ?t a rd:ThreatCategory ; skos:prefLabel ?label .
  OPTIONAL { { ?a rd:threat ?t ; rd:fromPaper ?p } UNION { ?d rd:mitigates ?t ; rd:fromPaper ?p } }
}
GROUP BY ?t ?label ORDER BY ?label
"""

MODELS_QUERY = """
SELECT ?m ?label ?parent ?kind ?family
       (COUNT(DISTINCT ?a) AS ?attacks) (COUNT(DISTINCT ?d) AS ?defenses)
WHERE {
  ?m a rd:TargetModel ; skos:prefLabel ?label .
  OPTIONAL { ?m skos:broader/skos:prefLabel ?parent }
  OPTIONAL { ?m a ?k . ?k rdfs:subClassOf rd:TargetModel ; rdfs:label ?kind .
             FILTER(?k != rd:ModelFamily) }
  BIND(EXISTS { ?m a rd:ModelFamily } AS ?family)
  OPTIONAL { ?a a rd:Attack ; rd:evaluatedOn ?m }
  OPTIONAL { ?d a rd:DefenseEvaluation ; rd:evaluatedOn ?m }
}
GROUP BY ?m ?label ?parent ?kind ?family ORDER BY ?label
"""

SOURCE_QUERY = """
SELECT ?title ?file ?sha WHERE {
  ?d a rd:SourceDocument ; dcterms:title ?title ; rd:sourceFile ?file ; rd:sha256 ?sha .
}
"""


@dataclass
class Overview:
    triples: int
    counts: list[tuple[str, int]]
    threats: list[dict]
    models: list[dict]
    source: dict
    version: dict

    def as_dict(self) -> dict:
        return asdict(self)


def _int(v: Node | None) -> int:
    return int(v.toPython()) if isinstance(v, Literal) else 0


def version_info(store: Store) -> dict:
    """The graph's version stamp: from kg.version when present, else the build record."""
    try:
        from . import version as version_module  # the build version stamp (issue 8)
    except ImportError:
        version_module = None
    for name in ("version_of", "stamp", "current"):
        fn = getattr(version_module, name, None)
        if callable(fn):
            try:
                v = fn(store)
                return v.as_dict() if hasattr(v, "as_dict") else dict(v)
            except Exception:  # noqa: BLE001 - a missing stamp is not an error for the overview
                break
    p = settings.path("build_dir") / "version.json"
    try:
        record = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return {"graph_sha256": record.get("graph_sha256", ""), "triples": record.get("triples"),
            "recorded_in": str(p.name), "sources": record.get("sources", {})}


def overview(store: Store) -> Overview:
    counts = [(name, _int(next(iter(store.select(COUNT_QUERY, {"cls": cls}))).get("n")))
              for name, cls in SUMMARY_CLASSES]
    triples = _int(next(iter(store.select(TRIPLES_QUERY)))["n"])
    threats = [{"threat": str(r["label"]), "ref": ref(r["t"]), "attacks": _int(r["attacks"]),
                "defense evaluations": _int(r["defenses"]), "papers": _int(r["papers"])}
               for r in store.select(THREATS_QUERY)]
    models = [{"model": str(r["label"]), "ref": ref(r["m"]),
               "broader": "" if r["parent"] is None else str(r["parent"]),
               "kind": "" if r["kind"] is None else str(r["kind"]),
               "family": bool(r["family"].toPython()) if r["family"] is not None else False,
               "attacks": _int(r["attacks"]), "defense evaluations": _int(r["defenses"])}
              for r in store.select(MODELS_QUERY)]
    src = next(iter(store.select(SOURCE_QUERY)), None)
    source = {} if src is None else {"title": str(src["title"]), "file": str(src["file"]),
                                     "sha256": str(src["sha"])}
    return Overview(triples, counts, threats, models, source, version_info(store))


# ------------------------------------------------------------------ entity pages

TYPES_QUERY = "SELECT ?cls WHERE { ?node a ?cls }"

SOURCE_ROWS_QUERY = """
SELECT ?row ?where ?table ?n ?header ?idx ?text WHERE {
  ?node prov:wasDerivedFrom ?row . ?row a rd:SourceRow ; rdfs:label ?where ; rd:rowNumber ?n ;
       rd:inTable/rd:entryKey ?table ; rd:hasCell ?cell .
  ?cell rd:column ?col ; rd:cellText ?text . ?col rd:header ?header ; rd:columnIndex ?idx .
}
ORDER BY ?table ?n ?idx
"""

CURATED_QUERY = """
SELECT ?file ?key ?citation WHERE {
  ?node prov:wasDerivedFrom ?e . ?e a rd:CuratedEntry ; rd:sourceFile ?file ; rd:entryKey ?key .
  OPTIONAL { ?e rd:citation ?citation }
}
ORDER BY ?file ?key
"""

RELATED_QUERY = """
SELECT ?s ?p WHERE {
  ?s ?p ?node .
  ?s a ?cls .
  VALUES ?cls { rd:Paper rd:Attack rd:DefenseEvaluation rd:DefenseMethod rd:ThreatCategory
                rd:AttackerKnowledge rd:TargetModel }
}
"""

#: How an incoming link reads from the target's side ("FastDPM is a narrower model of DDPM").
INVERSE_LABELS = {"skos:broader": "narrower model", "rd:fromPaper": "reported in this paper",
                  "rd:threat": "attack of this threat", "rd:mitigates": "defense against this threat",
                  "rd:method": "evaluation of this method", "rd:evaluatedOn": "evaluated on this model",
                  "rd:assumesKnowledge": "attack assuming this knowledge"}
HIDDEN_PREDICATES = {"skos:inScheme", "skos:topConceptOf", "rdfs:label"}


@dataclass
class FactRow:
    predicate: str  # readable label of the property
    value: str  # readable value (a label for a node)
    link: str | None = None  # short name of an entity to link to
    url: str | None = None  # an external URL
    sources: list[str] = field(default_factory=list)  # "survey: table, row, column — “text”"


@dataclass
class SourceRow:
    where: str  # "attacks table, row 3"
    table: str
    number: int
    cells: list[tuple[str, str]]  # (column header, cell text) in column order


@dataclass
class EntityPage:
    ref: str
    iri: str
    label: str
    types: list[str]
    facts: list[FactRow]
    related: list[tuple[str, str, str, str]]  # (relation, type, short name, label)
    source_rows: list[SourceRow]
    curated: list[dict]

    def as_dict(self) -> dict:
        return asdict(self)


def find_entity(store: Store, text: str) -> str:
    """The short name of the node ``text`` names (a label, rdi:name, IRI); KGError if none."""
    if not text or not text.strip():
        raise KGError("no node given; pick one from the list or type a label")
    if len(text) > 500:
        raise KGError("node name too long (more than 500 characters)")
    return ref(resolve_node(store, text))


def entity_page(store: Store, short: str) -> EntityPage:
    """Everything about one node, each fact with the survey cell or curated entry behind it."""
    node = resolve_node(store, short)
    names = labels(store)
    plabels = term_labels(store)
    type_names = {ref(c): n for n, c in ENTITY_CLASSES}
    types = sorted({type_names.get(ref(r["cls"])) or plabels.get(ref(r["cls"]), ref(r["cls"]))
                    for r in store.select(TYPES_QUERY, {"node": node})})
    e = explain(store, node)
    facts: list[FactRow] = []
    for f in e.facts:
        if f.predicate in HIDDEN_PREDICATES or f.predicate == "rdf:type":
            continue
        link = url = None
        value = f.value
        if f.value in names:
            link, value = f.value, names[f.value]
        elif f.value.startswith(("http://", "https://")):
            url = f.value
        elif f.value.startswith("rd:"):
            value = plabels.get(f.value) or f.value.split(":", 1)[1]
        sources = [(f"{kind}: {where}" + (f" — “{text}”" if text else "")) for kind, where, text
                   in f.sources]
        facts.append(FactRow(plabels.get(f.predicate, f.predicate), value, link, url, sources))
    related = sorted({(INVERSE_LABELS.get(ref(r["p"])) or plabels.get(ref(r["p"]), ref(r["p"])),
                       _type_of(store, r["s"], type_names),
                       ref(r["s"]), names.get(ref(r["s"]), ref(r["s"])))
                      for r in store.select(RELATED_QUERY, {"node": node})})
    rows: dict[str, SourceRow] = {}
    for r in store.select(SOURCE_ROWS_QUERY, {"node": node}):
        key = str(r["row"])
        sr = rows.setdefault(key, SourceRow(str(r["where"]), str(r["table"]), _int(r["n"]), []))
        sr.cells.append((str(r["header"]), str(r["text"])))
    curated = [{"file": str(r["file"]), "entry": str(r["key"]),
                "citation": "" if r["citation"] is None else str(r["citation"])}
               for r in store.select(CURATED_QUERY, {"node": node})]
    return EntityPage(ref(node), str(node), e.label, types, facts, related,
                      sorted(rows.values(), key=lambda s: (s.table, s.number)), curated)


def _type_of(store: Store, node: Node, type_names: dict[str, str]) -> str:
    found = [type_names[ref(r["cls"])] for r in store.select(TYPES_QUERY, {"node": node})
             if ref(r["cls"]) in type_names]
    order = {n: i for i, n in enumerate(ENTITY_TYPES)}
    return min(found, key=order.__getitem__) if found else ""


# ------------------------------------------------------------------ SPARQL console

EXAMPLE_QUERIES: dict[str, str] = {
    "Attacks per threat": """SELECT ?threat (COUNT(?attack) AS ?attacks) WHERE {
  ?attack a rd:Attack ; rd:threat/skos:prefLabel ?threat .
}
GROUP BY ?threat
ORDER BY DESC(?attacks)""",
    "Defenses and what they mitigate": """SELECT ?method ?threat ?paper WHERE {
  ?e a rd:DefenseEvaluation ; rd:method/rdfs:label ?method ;
     rd:mitigates/skos:prefLabel ?threat ; rd:fromPaper/dcterms:title ?paper .
}
ORDER BY ?method""",
    "Black-box membership inference attacks": """SELECT ?paper ?effectiveness WHERE {
  ?a a rd:Attack ; rd:threat/skos:prefLabel "Membership inference"@en ;
     rd:assumesKnowledge/skos:prefLabel "Black-box"@en ;
     rd:fromPaper/dcterms:title ?paper ; rd:effectiveness ?effectiveness .
}""",
    "Models attacked, by family": """SELECT ?family ?model (COUNT(DISTINCT ?a) AS ?attacks) WHERE {
  ?a a rd:Attack ; rd:evaluatedOn ?m .
  ?m skos:prefLabel ?model .
  OPTIONAL { ?m skos:broader* ?f . ?f a rd:ModelFamily ; skos:prefLabel ?family }
}
GROUP BY ?family ?model
ORDER BY ?family ?model""",
    "Papers without public code": """SELECT ?title WHERE {
  ?p a rd:Paper ; dcterms:title ?title ; rd:codeAvailability rd:NoPublicCode .
}
ORDER BY ?title""",
    "Where a fact came from (survey cell)": """SELECT ?attack ?where ?text WHERE {
  ?attack a rd:Attack ; prov:wasDerivedFrom ?row .
  ?row rd:hasCell ?cell .
  ?cell rd:column/rd:mapsTo rd:effectiveness ; rdfs:label ?where ; rd:cellText ?text .
}
LIMIT 10""",
    "Is any attack gray-box? (ASK)": """ASK {
  ?a a rd:Attack ; rd:assumesKnowledge/skos:prefLabel "Gray-box"@en .
}""",
}


@dataclass
class ConsoleResult:
    form: str  # select | ask | construct | describe
    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    boolean: bool | None = None
    turtle: str = ""
    truncated: bool = False
    seconds: float = 0.0
    csv: str = ""
    json: str = ""


def _cell(t: Node | None) -> str:
    if t is None:
        return ""
    return ref(t) if isinstance(t, URIRef) else str(t)


def console_query(store: Store, text: str, limit: int | None = None,
                  timeout: float | None = None) -> ConsoleResult:
    """A user's read-only query, bounded in rows and time (settings row_limit,
    query_timeout); QueryError (a KGError) on a refused or malformed query."""
    limit = limit or int(settings.get("row_limit"))
    timeout = timeout or float(settings.get("query_timeout"))
    t0 = time.perf_counter()
    res = run_query(store, text or "", limit=limit, timeout=timeout)
    seconds = time.perf_counter() - t0
    out = ConsoleResult(res.form, truncated=res.truncated, seconds=seconds)
    if res.form == "select":
        out.columns = list(res.vars)
        out.rows = [{v: _cell(r.get(v)) for v in res.vars} for r in res.rows]
        out.csv = format_result(res, "csv")
        out.json = format_result(res, "json")
    elif res.form == "ask":
        out.boolean = res.boolean
        out.json = format_result(res, "json")
    else:
        out.turtle = format_result(res, "table")
    return out
