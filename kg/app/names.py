"""What every page of the app shares: the store it reads, node names and the node pickers.

A page names a node by its short name (:func:`ref`, ``rdi:paper-...``) and shows its
label; the pickers list a bounded number of nodes (``PICKER_MAX``) and search the rest in
memory (:class:`EntityIndex`), so a picker costs the nodes it lists, not the graph. The
few names of lower ``kg`` modules that pages need (``KGError`` to catch, ``md_url``,
``is_web_url``) are offered here, so ``ui/`` imports only ``kg.app``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.term import Node

from .. import settings
from ..coverage.counts import fingerprint_counts
from ..display import names_of, names_of_class
from ..errors import KGError as KGError
from ..errors import UnknownLabelError
from ..explain import checked_iri, qname, resolve_node
from ..linking import resolve
from ..markup import md_url as md_url
from ..stores.base import Store, select_values
from ..stores.open import available_stores, open_store
from ..urls import is_web_url as is_web_url
from ..vocab import PREFIXES, RD

# ------------------------------------------------------------------ the store


def open_app_store(setting: str | None = None) -> Store:
    """The store the app reads: ``setting`` ('memory', 'oxigraph:PATH' or an endpoint URL;
    default the ``store`` setting, KG_STORE). Opened once per call; the app caches it per
    server process (``st.cache_resource``). KGError when it cannot be opened."""
    return open_store(setting)


def store_version(store: Store) -> str:
    """What names the graph ``store`` holds now, for keying what the app caches: its
    content id (an Oxigraph directory's live version, following a switch another process
    made; the build's graph hash for the memory store), else "" (an endpoint, or a memory
    store built from the sources: one graph for the life of the process)."""
    return getattr(store, "content_id", None) or ""


def store_choices() -> list[tuple[str, str]]:
    """(setting, description) of the stores a user can pick."""
    return [(c.setting, f"{c.kind}: {c.description}" if c.description else c.kind)
            for c in available_stores()]


def default_store_setting() -> str:
    """The ``store`` setting (KG_STORE) as written, trimmed: the store a session reads
    until the user picks another."""
    return settings.get("store").strip()


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

#: The projection's node types (kg.project) by their page names.
TYPE_NAMES = {"Paper": "Paper", "Attack": "Attack", "DefenseEvaluation": "Defense evaluation",
              "DefenseMethod": "Defense method", "ThreatCategory": "Threat category",
              "AttackerKnowledge": "Attacker knowledge", "TargetModel": "Target model"}

# The nodes of a class (?cls bound), for the pickers: their names are read apart
# (kg.display), so a picker lists each node by the one name every page shows.
ENTITY_IDS_QUERY = "SELECT ?node WHERE { ?node a ?cls }"

# The ontology's own terms by what declares them (not a scan of every label of the graph:
# 3 M at 100k papers, 38 s): its classes and properties, and the individuals it defines
# (the code-availability values); tests/test_app.py checks this equals the scan.
TERM_LABELS_QUERY = """
SELECT ?p ?label WHERE {
  VALUES ?t { owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty
              rdf:Property rd:CodeAvailability }
  ?p a ?t ; rdfs:label ?label .
  FILTER(STRSTARTS(STR(?p), STR(rd:)))
}
"""


@dataclass(frozen=True)
class Entity:
    ref: str  # a short, URL-safe name: the prefixed name (rdi:...)
    label: str  # the display name (kg.display): what every page shows for the node
    type: str
    full: str = ""  # the long form (a paper's title, the graph's label), for hover text


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
    """Every node a page exists for, by its display name (kg.display), sorted by type then
    name; ``kind`` picks one type."""
    if kind is not None and kind not in ENTITY_TYPES:
        raise KGError(f"unknown entity type {kind!r}; expected one of {', '.join(ENTITY_TYPES)}")
    out: dict[str, Entity] = {}
    for name, cls in ENTITY_CLASSES:
        if kind is not None and name != kind:
            continue
        for node, n in names_of_class(store, cls).items():
            e = Entity(ref(node), n.short, name, n.full)
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


def as_int(v: Node | None) -> int:
    """A counted literal as an int (0 when unbound)."""
    return int(v.toPython()) if isinstance(v, Literal) else 0


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
    out: dict[str, Entity] = {}
    total = 0
    for name, cls in _kinds(kinds):
        total += as_int(next(iter(store.select(ENTITY_COUNT_QUERY, {"cls": cls}))).get("n"))
        room = limit - len(out)
        if room <= 0:
            continue
        q = ENTITY_IDS_QUERY + f"\nLIMIT {int(room)}"
        ids = [n for n, in select_values(store, q, {"cls": cls})[1]]
        got = [Entity(ref(n), x.short, name, x.full) for n, x in names_of(store, ids).items()]
        for e in sorted(got, key=lambda e: e.label.casefold()):
            out.setdefault(e.ref, e)
    return Matches(list(out.values()), total)


class EntityIndex:
    """Every node a page exists for, for picker search as the user types: built once from
    :func:`entities` (the app keeps one per store and process), then searched in memory."""

    def __init__(self, ents: list[Entity]) -> None:
        self.entities = ents
        self.folded = [f"{e.label}\n{e.full}".casefold() for e in ents]
        self.order = {n: i for i, n in enumerate(ENTITY_TYPES)}

    def __len__(self) -> int:
        return len(self.entities)

    def search(self, text: str, kinds=None, limit: int = PICKER_MAX) -> Matches:
        """The nodes whose display name or long form (a paper's title) contains ``text``
        (case-insensitive; every word of it, in any order), best first: the name or long
        form equal to it, then the name starting with it, then a word of the name starting
        with it, then the name containing its words, then the long form containing them;
        ties: shorter names first (a threat before the papers named after it), then by type
        (ENTITY_TYPES order) and name.
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
            short = e.label.casefold()
            rank = (0 if q in (short, label.split("\n", 1)[1]) else
                    1 if short.startswith(q) else
                    2 if f" {q}" in short else 3 if all(w in short for w in words) else 4)
            hits.append((rank, len(short), self.order[e.type], short, i))
        hits.sort()
        return Matches([self.entities[h[-1]] for h in hits[:limit]], len(hits), text.strip())


def entity_index(store: Store) -> EntityIndex:
    """The picker search index of a store (:class:`EntityIndex`)."""
    return EntityIndex(entities(store))


def entity_of(store: Store, short: str) -> Entity | None:
    """The picker entry of one node (short name or IRI), None when no page exists for it:
    one bound query per entity type."""
    node = expand(short)
    for name, cls in ENTITY_CLASSES:
        if store.ask("ASK { ?node a ?cls }", {"cls": cls, "node": node}):
            n = names_of(store, [str(node)])[str(node)]
            return Entity(ref(node), n.short, name, n.full)
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


# ------------------------------------------------------------------ large graphs

#: Up to this many papers the gap list carries its evidence; above, it is read from the
#: coverage summary and the evidence is fetched per cell on demand (coverage_cell). Above
#: it too, a node named by a label not found as written is looked up in the picker index.
EVIDENCE_MAX_PAPERS = 2000


def paper_count(store: Store) -> int:
    """The graph's number of papers (cheap: from the coverage summary's fingerprint)."""
    return fingerprint_counts(store)["papers"]


def small_graph(store: Store) -> bool:
    """Whether the graph has at most EVIDENCE_MAX_PAPERS papers (:func:`paper_count`): small
    enough to list every gap's evidence and to read every label to find a node."""
    return paper_count(store) <= EVIDENCE_MAX_PAPERS


def find_entity(store: Store, text: str, index=None) -> str:
    """The short name of the node ``text`` names (a label, rdi:name, IRI); KGError if none.
    ``index``: a function giving the store's :class:`EntityIndex`; on a graph of more than
    EVIDENCE_MAX_PAPERS papers a label not found as written is looked up there (any case;
    hints from its search) instead of reading every label of the graph (minutes at 100k)."""
    if not text or not text.strip():
        raise KGError("no node given; pick one from the list or type a label")
    if len(text) > 500:
        raise KGError("node name too long (more than 500 characters)")
    if index is None or small_graph(store):
        return ref(resolve(store, text))
    try:
        return ref(resolve_node(store, text, scan=False))
    except UnknownLabelError:
        pass
    want = " ".join(text.casefold().split())
    found = index().search(text, limit=PICKER_MAX)
    same = [e for e in found.entities if want in (e.label.casefold(), e.full.casefold())]
    if len(same) == 1:
        return same[0].ref
    if same:
        raise KGError(f"{text.strip()!r} names several nodes: "
                      + ", ".join(e.ref for e in same[:10]))
    hint = " or ".join(repr(e.label) for e in found.entities[:3])
    raise KGError(f"unknown node {text.strip()!r}" + (f"; did you mean {hint}?" if hint else ".")
                  + " Type part of its name in the search box.")
