"""What the app's pages show, as plain data: overview facts, entity pages, console queries.

The Streamlit pages in ``ui/`` hold no SPARQL, rdflib or graph logic; they call these
functions (and the other ``kg`` modules) and lay the results out. Every value here is a
plain string, number, list or dataclass, so a page never touches an RDF term.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from rdflib import Literal, URIRef
from rdflib.term import Node

from . import settings
from .coverage.counts import SUMMARY_CLASSES
from .errors import KGError
from .explain import checked_iri, explain, qname, resolve_node
from .sparql import format_result, run_query
from .stores.base import Store
from .vocab import PREFIXES, RD

# ------------------------------------------------------------------ the store


def open_app_store(setting: str | None = None) -> Store:
    """The store the app reads: ``setting`` ('memory', 'oxigraph:PATH' or an endpoint URL;
    default the ``store`` setting, KG_STORE). Opened once per call; the app caches it per
    server process (``st.cache_resource``). KGError when it cannot be opened."""
    from .stores.open import open_store

    return open_store(setting)


def store_choices() -> list[tuple[str, str]]:
    """(setting, description) of the stores a user can pick."""
    from .stores.open import available_stores

    return [(c.setting, f"{c.kind}: {c.description}" if c.description else c.kind)
            for c in available_stores()]


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
    ("Author", RD.Person),
    ("Venue", RD.Venue),
)
ENTITY_TYPES = tuple(name for name, _ in ENTITY_CLASSES)
#: The kinds of node the graph projection (kg.project) holds: the Graph explorer's centres.
GRAPH_TYPES = ENTITY_TYPES[:7]

ENTITIES_QUERY = """
SELECT ?node ?label WHERE {
  ?node a ?cls .
  OPTIONAL { ?node skos:prefLabel ?pl }
  OPTIONAL { ?node rdfs:label ?rl }
  OPTIONAL { ?node rd:citationLabel ?cite }
  BIND(COALESCE(?pl, CONCAT(?cite, " · ", ?rl), ?rl, STR(?node)) AS ?label)
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
        return checked_iri(str(PREFIXES[p]) + local, short)
    return checked_iri(short)


def entities(store: Store, kind: str | None = None) -> list[Entity]:
    """Every node a page exists for, sorted by type then label; ``kind`` picks one type."""
    if kind is not None and kind not in ENTITY_TYPES:
        raise KGError(f"unknown entity type {kind!r}; expected one of {', '.join(ENTITY_TYPES)}")
    from .stores.base import select_values

    out: dict[str, Entity] = {}
    for name, cls in ENTITY_CLASSES:
        if kind is not None and name != kind:
            continue
        for node, label in select_values(store, ENTITIES_QUERY, {"cls": cls})[1]:
            e = Entity(ref(node), label, name)  # plain values: no rdflib term per row
            out.setdefault(e.ref, e)  # a model family is listed once, as a target model
    order = {n: i for i, n in enumerate(ENTITY_TYPES)}
    return sorted(out.values(), key=lambda e: (order[e.type], e.label.casefold()))


# ------------------------------------------------------------------ node pickers

#: A node picker lists at most this many nodes; typing narrows the list, and the page says
#: how many match ("showing 200 of 328,397"). The survey's 191 nodes fit whole.
PICKER_MAX = 200

ENTITY_COUNT_QUERY = "SELECT (COUNT(?node) AS ?n) WHERE { ?node a ?cls }"


@dataclass
class Matches:
    """Nodes a picker lists: at most a limit of them, and how many match in all."""

    entities: list[Entity]
    total: int  # nodes that match, listed or not
    text: str = ""  # what was searched ("" lists the first nodes of each type)

    @property
    def cut(self) -> bool:
        return self.total > len(self.entities)


def _kinds(kinds) -> list[tuple[str, URIRef]]:
    kinds = None if kinds is None else ([kinds] if isinstance(kinds, str) else list(kinds))
    bad = [k for k in kinds or () if k not in ENTITY_TYPES]
    if bad:
        raise KGError(f"unknown entity type {bad[0]!r}; expected one of {', '.join(ENTITY_TYPES)}")
    return [(n, c) for n, c in ENTITY_CLASSES if kinds is None or n in kinds]


def browse_entities(store: Store, kinds=None, limit: int = PICKER_MAX) -> Matches:
    """The first ``limit`` nodes of ``kinds`` (default: every entity type), type by type in
    ENTITY_TYPES order (each type's first nodes in the store's order, sorted by label), and
    how many there are: one query with LIMIT and one COUNT per type, so a picker costs the
    nodes it lists, not the graph (:class:`EntityIndex` searches them all)."""
    from .stores.base import select_values

    out: dict[str, Entity] = {}
    total = 0
    for name, cls in _kinds(kinds):
        total += _int(next(iter(store.select(ENTITY_COUNT_QUERY, {"cls": cls}))).get("n"))
        room = limit - len(out)
        if room <= 0:
            continue
        q = ENTITIES_QUERY.rstrip() + f"\nLIMIT {int(room)}"
        got = [Entity(ref(n), label, name) for n, label in select_values(store, q, {"cls": cls})[1]]
        for e in sorted(got, key=lambda e: e.label.casefold()):
            out.setdefault(e.ref, e)
    return Matches(list(out.values()), total)


class EntityIndex:
    """Every node a page exists for, for picker search as the user types: built once from
    :func:`entities` (the app keeps one per store and process), then searched in memory."""

    def __init__(self, ents: list[Entity]) -> None:
        self.entities = ents
        self.folded = [e.label.casefold() for e in ents]
        self.order = {n: i for i, n in enumerate(ENTITY_TYPES)}

    def __len__(self) -> int:
        return len(self.entities)

    def search(self, text: str, kinds=None, limit: int = PICKER_MAX) -> Matches:
        """The nodes whose label contains ``text`` (case-insensitive; every word of it, in
        any order), best first: the label equal to it, then starting with it, then a word
        starting with it, then containing its words; ties: shorter labels first (a threat
        before the papers named after it), then by type (ENTITY_TYPES order) and label.
        At most ``limit`` are listed; ``total`` counts them all. KGError on text over 500
        characters."""
        if len(text) > 500:
            raise KGError("search text too long (more than 500 characters)")
        q = " ".join(text.casefold().split())
        types = {n for n, _ in _kinds(kinds)}
        words = q.split()
        hits = []
        for i, (e, label) in enumerate(zip(self.entities, self.folded, strict=True)):
            if e.type not in types or not all(w in label for w in words):
                continue
            rank = (0 if label == q else 1 if label.startswith(q) else
                    2 if f" {q}" in label else 3)
            hits.append((rank, len(label), self.order[e.type], label, i))
        hits.sort()
        return Matches([self.entities[h[-1]] for h in hits[:limit]], len(hits), text.strip())


def entity_index(store: Store) -> EntityIndex:
    """The picker search index of a store (:class:`EntityIndex`)."""
    return EntityIndex(entities(store))


def entity_of(store: Store, short: str) -> Entity | None:
    """The picker entry of one node (short name or IRI), None when no page exists for it:
    one bound query per entity type."""
    from .stores.base import select_values

    node = expand(short)
    for name, cls in ENTITY_CLASSES:
        for _n, label in select_values(store, ENTITIES_QUERY, {"cls": cls, "node": node})[1]:
            return Entity(ref(node), label, name)
    return None


def default_centre(store: Store) -> str:
    """The Graph explorer's first centre, by a bounded rule: the threat category
    "Membership inference", else the first threat category, else the first node of the
    graph's types (:func:`browse_entities`)."""
    threats = entities(store, "Threat category")
    pick = next((e for e in threats if e.label == "Membership inference"), None)
    if pick is None and threats:
        pick = threats[0]
    if pick is None:
        first = browse_entities(store, GRAPH_TYPES, 1).entities
        if not first:
            raise KGError("the graph holds no node the explorer can centre on")
        pick = first[0]
    return pick.ref


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

# COUNT(?s), not COUNT(DISTINCT ?s): one rdf:type triple per node and class (3x faster)
TRIPLES_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

THREATS_QUERY = """
SELECT ?t ?label WHERE { ?t a rd:ThreatCategory ; skos:prefLabel ?label . } ORDER BY ?label
"""

# The models; their attack and defense-evaluation counts come from the coverage summary.
MODELS_QUERY = """
SELECT ?m ?label ?parent ?kind ?family WHERE {
  ?m a rd:TargetModel ; skos:prefLabel ?label .
  OPTIONAL { ?m skos:broader/skos:prefLabel ?parent }
  OPTIONAL { ?m a ?k . ?k rdfs:subClassOf rd:TargetModel ; rdfs:label ?kind .
             FILTER(?k != rd:ModelFamily) }
  BIND(EXISTS { ?m a rd:ModelFamily } AS ?family)
}
ORDER BY ?label
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
    """The version stamp of the graph the store holds (kg.version): computed for an
    in-memory graph, read from the build directory for other stores; {} when none."""
    from . import version

    graph = getattr(store, "graph", None)
    try:
        record = version.stamp(graph) if graph is not None else version.read_version()
    except (KGError, OSError):
        return {}
    if not record:
        return {}
    record = dict(record)
    if {"version", "graph_sha256", "triples", "build_date"} <= record.keys():
        record["line"] = version.version_line(record)
    return record


def overview(store: Store) -> Overview:
    from .coverage import summary  # per-threat totals: the coverage summary (stored when current)
    from .coverage.counts import THREAT_VIEW, class_counts

    totals = summary.get(store, [THREAT_VIEW, "model/model"])
    # the class counts stored with a current summary (1.1 M source cells: 0.6 s to count)
    n = dict(totals.classes or {})
    n.update(class_counts(store, [str(c) for _, c in SUMMARY_CLASSES if str(c) not in n]))
    counts = [(name, n[str(cls)]) for name, cls in SUMMARY_CLASSES]
    triples = (totals.triples if totals.triples is not None  # counting 10M triples: 6 s
               else _int(next(iter(store.select(TRIPLES_QUERY)))["n"]))
    threats = []
    for r in store.select(THREATS_QUERY):
        c = totals.threat(str(r["t"]))
        threats.append({"threat": str(r["label"]), "ref": ref(r["t"]),
                        "attacks": c.attacks if c else 0,
                        "defense evaluations": c.defenses if c else 0,
                        "papers": c.papers if c else 0})
    # per model: the sum of its cells over the threats (an attack has one rd:threat, an
    # evaluation one rd:mitigates: SHACL), so each attack / evaluation counts once
    per_model: dict[str, list[int]] = {}
    for c in totals.view("model/model"):
        n = per_model.setdefault(c.column, [0, 0])
        n[0] += c.attacks
        n[1] += c.defenses
    models = [{"model": str(r["label"]), "ref": ref(r["m"]),
               "broader": "" if r["parent"] is None else str(r["parent"]),
               "kind": "" if r["kind"] is None else str(r["kind"]),
               "family": bool(r["family"].toPython()) if r["family"] is not None else False,
               "attacks": per_model.get(str(r["m"]), [0, 0])[0],
               "defense evaluations": per_model.get(str(r["m"]), [0, 0])[1]}
              for r in store.select(MODELS_QUERY)]
    src = next(iter(store.select(SOURCE_QUERY)), None)
    source = {} if src is None else {"title": str(src["title"]), "file": str(src["file"]),
                                     "sha256": str(src["sha"])}
    return Overview(triples, counts, threats, models, source, version_info(store))


def changes_since_previous_build(build_dir=None) -> dict | None:
    """What the last ``kg build`` changed (kg.diff against build/previous.nt): a dict with
    ``summary`` (counts per section), ``text`` (the readable diff) and ``empty``; None
    when there is no previous build to compare with."""
    from .diff import changes_since_previous, render_text

    try:
        d = changes_since_previous(build_dir)
    except (KGError, OSError) as e:
        return {"summary": {}, "text": f"cannot compare with the previous build: {e}",
                "empty": True, "error": True}
    if d is None:
        return None
    return {"summary": d.summary(), "text": render_text(d), "empty": d.empty,
            "old": d.old, "new": d.new}


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

_RELATED = """
  ?s ?p ?node .
  FILTER EXISTS { ?s a ?cls .
    VALUES ?cls { rd:Paper rd:Attack rd:DefenseEvaluation rd:DefenseMethod rd:ThreatCategory
                  rd:AttackerKnowledge rd:TargetModel } }
"""
RELATED_QUERY = "SELECT DISTINCT ?s ?p WHERE {" + _RELATED + "}\n"
RELATED_COUNT = ("SELECT (COUNT(*) AS ?n) WHERE { { SELECT DISTINCT ?s ?p WHERE {" + _RELATED
                 + "} } }")
#: An entity page lists at most this many incoming links (a threat has 100k attacks at
#: 100k papers); the page says how many there are.
RELATED_MAX = 500

# The picker entries (label, types) of given nodes ({values}: a VALUES block of ?node).
ENTITIES_OF = ENTITIES_QUERY.replace("?node a ?cls .", "{values}\n  ?node a ?cls .\n  VALUES ?cls { "
                                     + " ".join(f"rd:{c.split('#')[-1]}" for _, c in ENTITY_CLASSES)
                                     + " }").replace("SELECT ?node ?label", "SELECT ?node ?cls ?label")


def _entries(store: Store, nodes) -> dict[str, Entity]:
    """IRI -> the picker entry (short name, label, first type in ENTITY_TYPES order) of
    those ``nodes`` a page exists for: bounded queries over the nodes given."""
    from .sparql_text import values_blocks
    from .stores.base import select_values

    names = {str(c): n for n, c in ENTITY_CLASSES}
    order = {n: i for i, n in enumerate(ENTITY_TYPES)}
    nodes = sorted(set(nodes))
    out: dict[str, Entity] = {}
    for block in values_blocks(["node"], [(n,) for n in nodes]):
        q = ENTITIES_OF.replace("{values}", block)
        for n, cls, label in select_values(store, q)[1]:
            e = Entity(ref(n), label, names[cls])
            if n not in out or order[e.type] < order[out[n].type]:
                out[n] = e
    return out

#: How an incoming link reads from the target's side ("FastDPM is a narrower model of DDPM").
INVERSE_LABELS = {"skos:broader": "narrower model", "rd:fromPaper": "reported in this paper",
                  "rd:threat": "attack of this threat", "rd:mitigates": "defense against this threat",
                  "rd:method": "evaluation of this method", "rd:evaluatedOn": "evaluated on this model",
                  "rd:assumesKnowledge": "attack assuming this knowledge",
                  "dcterms:creator": "paper by this author",
                  "rd:publishedAt": "paper published here"}
HIDDEN_PREDICATES = {"skos:inScheme", "skos:topConceptOf", "rdfs:label", "rd:hasAuthorship"}


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
    # derived links (kg.derive), never stated: (relation, short name, label, rule, path)
    derived: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    #: incoming links in all; ``related`` lists at most RELATED_MAX of them
    related_total: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def find_entity(store: Store, text: str, index=None) -> str:
    """The short name of the node ``text`` names (a label, rdi:name, IRI); KGError if none.
    ``index``: a function giving the store's :class:`EntityIndex`; on a graph of more than
    EVIDENCE_MAX_PAPERS papers a label not found as written is looked up there (any case;
    hints from its search) instead of reading every label of the graph (minutes at 100k)."""
    from .errors import UnknownLabelError

    if not text or not text.strip():
        raise KGError("no node given; pick one from the list or type a label")
    if len(text) > 500:
        raise KGError("node name too long (more than 500 characters)")
    if index is None or paper_count(store) <= EVIDENCE_MAX_PAPERS:
        return ref(resolve_node(store, text))
    try:
        return ref(resolve_node(store, text, scan=False))
    except UnknownLabelError:
        pass
    want = " ".join(text.casefold().split())
    found = index().search(text, limit=PICKER_MAX)
    same = [e for e in found.entities if e.label.casefold() == want]
    if len(same) == 1:
        return same[0].ref
    if same:
        raise KGError(f"{text.strip()!r} names several nodes: "
                      + ", ".join(e.ref for e in same[:10]))
    hint = " or ".join(repr(e.label) for e in found.entities[:3])
    raise KGError(f"unknown node {text.strip()!r}" + (f"; did you mean {hint}?" if hint else ".")
                  + " Type part of its name in the search box.")


def entity_page(store: Store, short: str) -> EntityPage:
    """Everything about one node, each fact with the survey cell or curated entry behind it."""
    from .stores.base import select_values

    node = resolve_node(store, short)
    plabels = term_labels(store)
    type_names = {ref(c): n for n, c in ENTITY_CLASSES}
    types = sorted({type_names.get(ref(r["cls"])) or plabels.get(ref(r["cls"]), ref(r["cls"]))
                    for r in store.select(TYPES_QUERY, {"node": node})})
    e = explain(store, node)
    # only the nodes this page names are looked up (not every node of the graph)
    incoming = select_values(store, RELATED_QUERY + f"LIMIT {RELATED_MAX}",
                             {"node": node})[1]
    related_total = len(incoming)
    if related_total >= RELATED_MAX:
        related_total = _int(next(iter(store.select(RELATED_COUNT, {"node": node})))["n"])
    linked = {str(expand(f.value)) for f in e.facts
              if f.value.startswith("rdi:") and f.predicate not in HIDDEN_PREDICATES}
    entries = _entries(store, linked | {s_ for s_, _ in incoming})
    names = {x.ref: x.label for x in entries.values()}
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
    related = sorted({(INVERSE_LABELS.get(ref(p)) or plabels.get(ref(p), ref(p)),
                       entries[s_].type if s_ in entries else "",
                       ref(s_), names.get(ref(s_), ref(s_)))
                      for s_, p in incoming})
    rows: dict[str, SourceRow] = {}
    for r in store.select(SOURCE_ROWS_QUERY, {"node": node}):
        key = str(r["row"])
        sr = rows.setdefault(key, SourceRow(str(r["where"]), str(r["table"]), _int(r["n"]), []))
        sr.cells.append((str(r["header"]), str(r["text"])))
    curated = [{"file": str(r["file"]), "entry": str(r["key"]),
                "citation": "" if r["citation"] is None else str(r["citation"])}
               for r in store.select(CURATED_QUERY, {"node": node})]
    derived = [(relation, ref(other), label, rule, path)
               for relation, other, label, rule, path in e.derived_links]
    return EntityPage(ref(node), str(node), e.label, types, facts, related,
                      sorted(rows.values(), key=lambda s: (s.table, s.number)), curated,
                      derived, related_total)


# ------------------------------------------------------------------ SPARQL console

EXAMPLE_QUERIES: dict[str, str] = {
    "Attacks per threat": """# from the four threats to their attacks (rd:threat has the domain rd:Attack)
SELECT ?threat (COUNT(?attack) AS ?attacks) WHERE {
  ?t a rd:ThreatCategory ; skos:prefLabel ?threat .
  ?attack rd:threat ?t .
}
GROUP BY ?threat
ORDER BY DESC(?attacks)""",
    "Defenses and what they mitigate": """SELECT ?method ?threat ?paper WHERE {
  ?e a rd:DefenseEvaluation ; rd:method/rdfs:label ?method ;
     rd:mitigates/skos:prefLabel ?threat ; rd:fromPaper/dcterms:title ?paper .
}
ORDER BY ?method""",
    "Derived links: defenses evaluated against attacks": """# derived by the build, not stated
# (rule: same paper, same threat)
SELECT ?defense ?attack ?rule WHERE {
  ?f a rd:DerivedLink ; rdf:subject ?e ; rdf:predicate rd:evaluatedAgainst ;
     rdf:object ?a ; rd:derivedBy/rdfs:label ?rule .
  ?e rdfs:label ?defense . ?a rdfs:label ?attack .
}
ORDER BY ?defense""",
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
    "Papers without a code link": """SELECT ?title ?code WHERE {
  VALUES ?c { rd:CodeWithoutLink rd:NoCodeMarked }
  ?p a rd:Paper ; dcterms:title ?title ; rd:codeAvailability ?c . ?c rdfs:label ?code .
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


# ------------------------------------------------------------------ coverage heat map

COVERAGE_VIEWS = {"model": "target model", "knowledge": "attacker knowledge",
                  "defense": "defense method"}
#: Coverage status of a cell, from the attacks and defenses that fall in it.
STATUS = ("attacks and defenses", "attacks, no defense", "defenses only")


#: The app embeds at most this many uncached distinct node texts itself (about 1.5 min at
#: the measured 23 texts/s, kg.embed.EMBED_PER_SECOND); a larger graph needs its embeddings
#: cached first (``kg search … --store S``), or semantic search says so.
APP_EMBED_MAX = 2000
#: Columns a heat map shows at most (the most evaluated first); the rest are counted.
MAX_COLUMNS = 60
#: Items a cell lists at most per kind (attacks, defenses); the rest are counted.
CELL_ITEMS = 50
#: The app lists a cell's items as cards up to this many per kind, as one table beyond
#: (100 cards took about 1.5 s to draw in Chromium on a 100k-paper cell).
CELL_CARDS = 10


def cell_item_rows(items: list[dict], kind: str) -> list[dict]:
    """A cell's items (:func:`coverage_cell`, ``kind`` "attack" or "defense") as table rows of
    plain text, each with its node's ``ref``."""
    return [{kind: it["label"], "paper": it["paper"],
             **({"knowledge": it["knowledge"] or "unknown"} if kind == "attack" else
                {"method": it.get("method") or ""}),
             "effectiveness": it["effectiveness"] or "—",
             **({"limitations": it["limitation"] or "—"} if kind == "attack" else {}),
             "evaluated on": it.get("evaluated_on") or "",
             "derived": " → ".join(it["path"]) if it["derived"] else "",
             "ref": it["ref"]} for it in items]


#: Unknown-knowledge defenses listed at most under the knowledge view.
UNKNOWN_ITEMS = 200


@dataclass
class CoverageTable:
    by: str
    level: str
    note: str
    threats: list[str]
    columns: list[str]
    cells: list[dict]  # one per non-empty cell: threat, column, attacks, defenses, papers, status
    unknown: list[dict]  # defenses with unknown attacker knowledge (by="knowledge")
    columns_total: int = 0  # columns with something in them (more than shown: see MAX_COLUMNS)
    unknown_total: int = 0
    source: str = "live"  # the counts: "stored" summary in the store, or counted "live"


def _status(attacks: int, defenses: int) -> str:
    if attacks and defenses:
        return STATUS[0]
    return STATUS[1] if attacks else STATUS[2]


def coverage_table(store: Store, by: str = "model", level: str = "model",
                   max_columns: int | None = None) -> CoverageTable:
    """The threat x ``by`` matrix as rows a heat map can plot, from the coverage summary
    (kg.coverage.summary: the store's stored counts when current). With more than ``max_columns``
    columns, the most evaluated are shown and the total is given."""
    from . import coverage
    from .coverage import summary
    from .coverage.cells import DEFENSES_UNKNOWN_KNOWLEDGE
    from .coverage.counts import THREAT_VIEW, view_name

    max_columns = MAX_COLUMNS if max_columns is None else max_columns
    view = view_name(by, level)
    s = summary.get(store, [THREAT_VIEW, view])
    lab = coverage.vocab_labels(store, methods=by == "defense")  # methods: thousands at 100k
    threats = sorted((t for t, _ in coverage.select_values(store, coverage.THREATS)[1]),
                     key=lambda t: lab.get(t, t))
    counts = s.view(view)
    totals: dict[str, int] = {}
    for c in counts:
        totals[c.column] = totals.get(c.column, 0) + c.attacks + c.defenses
    if by == "knowledge":
        for k, _ in coverage.select_values(store, coverage.KNOWLEDGE)[1]:
            totals.setdefault(k, 0)
    shown = set(sorted(totals, key=lambda c: (-totals[c], lab.get(c, c)))[:max_columns])
    cells = [{"threat": lab.get(c.threat, c.threat), "column": lab.get(c.column, c.column),
              "threat_ref": ref(c.threat), "column_ref": ref(c.column),
              "attacks": c.attacks, "defenses": c.defenses, "papers": c.papers,
              "status": _status(c.attacks, c.defenses), "derived": c.derived}
             for c in counts if c.column in shown]
    cells.sort(key=lambda d: (d["threat"], d["column"]))
    unknown = []
    if by == "knowledge":
        q = DEFENSES_UNKNOWN_KNOWLEDGE.rstrip() + f" LIMIT {UNKNOWN_ITEMS}"
        for t, it, _paper, il, pl in coverage.select_values(store, q)[1]:
            unknown.append({"threat": lab.get(t, t), "defense": il or it, "ref": ref(it),
                            "paper": pl or ""})
        unknown.sort(key=lambda u: (u["threat"], u["defense"]))
    return CoverageTable(by, level, coverage.LEVEL_NOTES[(by, level)],
                         [lab.get(t, t) for t in threats],
                         sorted(lab.get(c, c) for c in shown), cells, unknown,
                         columns_total=len(totals),
                         unknown_total=sum(c.unknown for c in s.view(THREAT_VIEW)),
                         source=s.source)


@dataclass
class CellDetail:
    threat: str
    column: str
    attacks: list[dict]
    defenses: list[dict]
    n_attacks: int = 0  # in the cell (lists stop at CELL_ITEMS)
    n_defenses: int = 0


ITEM_DETAILS_OF = """
SELECT ?item ?eff ?lim ?method ?url ?kl WHERE {{
  {values}
  ?item rd:effectiveness ?eff .
  OPTIONAL {{ ?item rd:limitation ?lim }}
  OPTIONAL {{ ?item rd:method/rdfs:label ?method }}
  OPTIONAL {{ ?item rd:referenceURL ?url }}
  OPTIONAL {{ ?item rd:assumesKnowledge/skos:prefLabel ?kl }}
}}
"""


def _column_iri(store: Store, by: str, text: str) -> str:
    """A threat or column given by label or short name -> its IRI (UnknownLabelError)."""
    from . import coverage

    if text.startswith("rdi:"):
        return str(expand(text))
    if text.startswith("http"):
        return text
    if by == "threat":
        lab = dict(coverage.select_values(store, coverage.THREATS)[1])
    else:  # the defense methods (a vocabulary that grows with the papers) only when asked
        lab = coverage.vocab_labels(store, methods=by == "defense")
    kind = "threat" if by == "threat" else coverage.COLUMN_KIND[by]
    nodes = [coverage.Node(i, label) for i, label in lab.items()]
    return coverage._find(nodes, text, kind).iri


def coverage_cell(store: Store, by: str, level: str, threat: str, column: str,
                  limit: int | None = None) -> CellDetail:
    """The attacks and defenses of one cell (threat and column by label or IRI), each with
    its paper, effectiveness, limitation and — when placed by a derived link — the path.
    Only the cell is queried, and only for the items listed: the first ``limit`` of each
    kind by label (kg.coverage.page.cell), with the cell's counts from the coverage summary."""
    from .coverage import page as coverage_page
    from .sparql_text import values_blocks
    from .stores.base import select_values

    limit = CELL_ITEMS if limit is None else limit
    t, c = _column_iri(store, "threat", threat), _column_iri(store, by, column)
    cell = coverage_page.cell(store, by, level, t, c, items=limit)
    attacks, defenses = cell.attacks[:limit], cell.defenses[:limit]
    details: dict[str, dict] = {}
    items = sorted({i.node.iri for i in attacks + defenses})
    for block in values_blocks(["item"], [(i,) for i in items]):
        q = ITEM_DETAILS_OF.format(values=block)
        names, rows = select_values(store, q)
        for r in rows:
            r = dict(zip(names, r, strict=True))
            d = details.setdefault(r["item"], {**r, "knowledge": set()})
            if r["kl"] is not None:
                d["knowledge"].add(r["kl"])

    def row(i) -> dict:
        d = details.get(i.node.iri, {})
        out = {"label": i.node.label, "ref": ref(i.node.iri), "paper": i.paper.label,
               "paper_ref": ref(i.paper.iri),
               "effectiveness": _s(d.get("eff")), "limitation": _s(d.get("lim")),
               "knowledge": ", ".join(sorted(d.get("knowledge", ()))),
               "method": _s(d.get("method")), "url": _s(d.get("url")),
               "derived": i.derived, "path": list(i.path)}
        if i.evaluated_on:
            out["evaluated_on"] = ", ".join(n.label for n in i.evaluated_on)
        return out

    n_attacks, n_defenses, _ = cell.totals or (len(cell.attacks), len(cell.defenses), 0)
    return CellDetail(cell.threat.label, cell.col.label, [row(i) for i in attacks],
                      [row(i) for i in defenses], n_attacks, n_defenses)


def _s(v) -> str:
    return "" if v is None else str(v)


# ------------------------------------------------------------------ gaps


@dataclass
class GapRow:
    type: str
    level: str
    reason: str
    threat: str
    model: str
    knowledge: str
    paper: str
    refs: list[tuple[str, str]]  # (label, short name) of the cell's nodes
    evidence: list[dict]  # kind, label, ref, paper, paper_ref, cells: ["where — “text”"]
    on_demand: bool = False  # evidence not fetched (large graph): coverage_cell gives the cell
    cell: tuple[str, str, str, str] | None = None  # (by, level, threat, column) of that cell


GAP_TYPE_NAMES = {"threat_without_defense": "threat without defense",
                  "model_without_defense": "model without defense",
                  "knowledge_without_defense": "knowledge without defense",
                  "no_code_link": "no code link"}


#: Up to this many papers the gap list carries its evidence; above, it is read from the
#: coverage summary and the evidence is fetched per cell on demand (coverage_cell).
EVIDENCE_MAX_PAPERS = 2000


def gap_rows(store: Store, evidence: bool | None = None) -> list[GapRow]:
    """The gaps flattened for filtering and display: kg.coverage.gaps.find_gaps with evidence
    (``evidence`` None: when the graph has at most EVIDENCE_MAX_PAPERS papers), else
    kg.coverage.gaps.from_summary (reasons and cells, no evidence)."""
    from .coverage.gaps import find_gaps, from_summary

    listed = paper_count(store) <= EVIDENCE_MAX_PAPERS if evidence is None else evidence
    out = []
    for g in (find_gaps(store) if listed else from_summary(store)):
        cell = g.cells[0] if g.cells else {}
        evidence = []
        for e in g.evidence:
            cells = [f"{c['where']} — “{c['text']}”" for c in e.get("cells", [])]
            if e.get("kind") == "absent":
                cells = [f"{e.get('where', '')}: {e.get('text', '')}"]
            evidence.append({"kind": e.get("kind", ""), "label": e.get("label", ""),
                             "ref": ref(e["iri"]) if e.get("iri") else "",
                             "paper": (e.get("paper") or {}).get("label", ""),
                             "paper_ref": ref(e["paper"]["iri"]) if e.get("paper") else "",
                             "cells": cells, "path": e.get("path", [])})
        if not g.cells:  # "… and N more papers": nothing to link
            evidence = []
        refs = [(v["label"], ref(v["iri"])) for c in g.cells for v in c.values()]
        where = None
        if "model" in cell:
            where = ("model", g.level or "model", cell["threat"]["iri"], cell["model"]["iri"])
        elif "knowledge" in cell:
            where = ("knowledge", "model", cell["threat"]["iri"], cell["knowledge"]["iri"])
        out.append(GapRow(GAP_TYPE_NAMES.get(g.type, g.type), g.level or "", g.reason,
                          cell.get("threat", {}).get("label", ""),
                          cell.get("model", {}).get("label", ""),
                          cell.get("knowledge", {}).get("label", ""),
                          cell.get("paper", {}).get("label", ""), refs, evidence,
                          on_demand=not listed and bool(g.cells), cell=where))
    return out


# ------------------------------------------------------------------ graph explorer

TYPE_NAMES = {"Paper": "Paper", "Attack": "Attack", "DefenseEvaluation": "Defense evaluation",
              "DefenseMethod": "Defense method", "ThreatCategory": "Threat category",
              "AttackerKnowledge": "Attacker knowledge", "TargetModel": "Target model"}


#: The Graph explorer reads at most this many neighbour rows of a node (a threat has
#: 100k attacks at 100k papers); a node cut so is named with its count (Neighbourhood.cut).
NEIGHBOURS_READ = 1000


@dataclass
class Neighbourhood:
    center: str  # short name
    nodes: list[dict]  # ref, label, type, distance, x, y
    edges: list[dict]  # source, target, predicate, derived, x, y, x2, y2
    #: nodes whose neighbours were read only in part: ref, label, read, total
    cut: list[dict] = field(default_factory=list)
    more: bool = False  # more nodes than max_nodes were found: the nearest are shown
    max_nodes: int = 150


def neighbourhood(G, center: str, depth: int = 1, types: list[str] | None = None,
                  max_nodes: int = 150) -> Neighbourhood:
    """A node's neighbourhood in the networkx projection (kg.project), laid out for a
    plot: positions from a seeded spring layout, so the same view draws the same way."""
    import networkx as nx

    from .project import neighbors

    iri = str(expand(center))
    back = {v: k for k, v in TYPE_NAMES.items()}
    wanted = [back.get(t, t) for t in types] if types else None
    found = neighbors(G, iri, depth, wanted)
    near = found[:max_nodes]
    keep = {iri: 0} | {n["iri"]: n["distance"] for n in near}
    sub = G.subgraph(keep).copy()
    H = nx.Graph()  # sorted, so the layout does not depend on how G was filled
    H.add_nodes_from(sorted(keep))
    H.add_edges_from(sorted(tuple(sorted((u, v))) for u, v in sub.edges()))
    pos = nx.spring_layout(H, seed=7, k=1.2 / max(1, len(keep)) ** 0.5)
    nodes = [{"ref": ref(n), "label": G.nodes[n]["label"],
              "type": TYPE_NAMES.get(G.nodes[n]["type"], G.nodes[n]["type"]),
              "distance": keep[n], "x": float(pos[n][0]), "y": float(pos[n][1])}
             for n in sorted(keep, key=lambda n: (keep[n], G.nodes[n]["label"]))]
    edges = []
    for s, o, data in sorted(sub.edges(data=True), key=lambda e: (e[0], e[1])):
        edges.append({"source": ref(s), "target": ref(o), "predicate": data.get("predicate", ""),
                      "derived": bool(data.get("derived")),
                      "x": float(pos[s][0]), "y": float(pos[s][1]),
                      "x2": float(pos[o][0]), "y2": float(pos[o][1])})
    cut = [{"ref": ref(n), "label": G.nodes[n]["label"],
            "read": len(set(G.successors(n)) | set(G.predecessors(n))), "total": total}
           for n, total in sorted(G.graph.get("cut", {}).items()) if n in G]
    return Neighbourhood(ref(iri), nodes, edges, cut, len(found) > max_nodes, max_nodes)


def store_neighbourhood(store: Store, center: str, depth: int = 1,
                        types: list[str] | None = None, max_nodes: int = 150,
                        max_read: int | None = NEIGHBOURS_READ) -> Neighbourhood:
    """:func:`neighbourhood` without projecting the whole graph: only the part around
    ``center`` that the view shows is read (kg.project.local_graph), at most ``max_read``
    neighbour rows per node (a node read in part is listed in ``cut`` with its count), so
    it costs about the same on 100k papers as on the survey."""
    from .project import local_graph

    back = {v: k for k, v in TYPE_NAMES.items()}
    wanted = [back.get(t, t) for t in types] if types else None
    G = local_graph(store, str(expand(center)), depth, wanted, max_nodes, max_read)
    return neighbourhood(G, center, depth, types, max_nodes)


# ------------------------------------------------------------------ ask & search


@dataclass
class AskView:
    question: str
    intent: str
    message: str
    answers: list[dict]  # label, type, ref, + the answer's other fields as text
    linked: list[dict]  # text, label, type, ref, matched, match
    sparql: str
    hits: list[dict]  # label, type, ref, score, why
    search_error: str = ""
    understood_as: str = ""  # the logical form in words
    not_understood: list[str] = field(default_factory=list)
    not_in_graph: list[dict] = field(default_factory=list)  # text, closest


def ask_view(store: Store, question: str, search=None, k: int = 10) -> AskView:
    """Answer ``question`` (kg.ask) and rank the graph for it (``search``: a kg.search
    Searcher, or None when the model is not available). KGError on bad input."""
    from .ask import ask

    def fallback(text, n):
        return search.search(text, n) if search is not None else []

    a = ask(store, question, fallback if search is not None else None)
    answers = []
    for d in a.answers:
        row = {"label": d.get("label", ""), "type": d.get("type", ""),
               "ref": ref(d["iri"]) if d.get("iri") else ""}
        for key, v in d.items():
            if key in ("iri", "label", "type"):
                continue
            row[key] = ", ".join(map(_short, v)) if isinstance(v, list | tuple) else _short(v)
        answers.append(row)
    linked = [{**m.as_dict(), "ref": ref(m.entity.iri)} for m in a.linked]
    for m in linked:
        m.pop("iri", None)
    hits, error = [], ""
    if search is not None:
        try:
            hits = [{"label": h.label, "type": h.type, "ref": ref(h.iri),
                     "score": round(h.score, 3), "why": h.why}
                    for h in search.search(a.question, k)]
        except KGError as e:
            error = str(e)
    return AskView(a.question, a.intent, a.message, answers, linked, a.sparql, hits, error,
                   a.understood_as, a.not_understood, a.not_in_graph)


def _short(v) -> str:
    if isinstance(v, dict):
        return str(v.get("label") or v.get("iri") or v)
    s = str(v)
    return ref(s) if s.startswith(BASE_IRI) else s


BASE_IRI = str(PREFIXES["rdi"])


# ------------------------------------------------------------------ export


#: The Export page renders views of at most this many papers (the CLI exports any view).
EXPORT_MAX_PAPERS = 2000


def export_limit(papers: int, view=None, filtered: bool = True) -> str | None:
    """Why the Export page will not render a view (None: it will): an unfiltered view of a
    graph, or a view, of more than EXPORT_MAX_PAPERS papers; the message names the command
    that exports it."""
    if view is None and not filtered and papers > EXPORT_MAX_PAPERS:
        return (f"This graph has {papers:,} papers: pick a threat, knowledge level, model or "
                "method to export a view here. The whole graph exports from the command line: "
                "`kg export view -f bibtex -o related.bib --store <this store>`.")
    if view is not None and len(view.papers) > EXPORT_MAX_PAPERS:
        return (f"This view has {len(view.papers):,} papers, more than this page renders "
                f"({EXPORT_MAX_PAPERS:,}); narrow the filters, or export it from the command "
                f"line: `{view.spec.command('bibtex')}`.")
    return None


def paper_count(store: Store) -> int:
    """The graph's number of papers (cheap: from the coverage summary's fingerprint)."""
    from .coverage.counts import fingerprint_counts

    return fingerprint_counts(store)["papers"]


def export_view(store: Store, threats=(), knowledge=(), models=(), methods=(), part="all",
                authors=(), venues=(), years: str | None = None):
    """The kg.export view of a filter given by labels (empty: everything); ``years`` as
    ``kg export view --year`` takes it (2023, 2023-2024, 2024-, -2023)."""
    from .export import make_view, view_spec

    spec = view_spec(store, threats=threats, knowledge=knowledge, models=models,
                     methods=methods, part=part, authors=authors, venues=venues,
                     years=years or None)
    return make_view(store, spec)


def export_content(view, fmt: str) -> str | bytes:
    """One export format of a view (text, or bytes for PDF)."""
    from .export import export

    return export(view, fmt)
