"""The Entity page's data: everything about one node, each fact with the survey cell or the
curated entry behind it.

Only the nodes the page names are looked up (bounded queries over them, never every node of
the graph), and the incoming links are listed up to RELATED_MAX with their count.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..display import names_of
from ..explain import explain, resolve_node
from ..project import TYPED_LINKS
from ..sparql_text import values_blocks
from ..stores.base import Store, select_values
from .names import (
    ENTITY_CLASSES,
    ENTITY_TYPES,
    Entity,
    as_int,
    expand,
    ref,
    term_labels,
)

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
# How many incoming links RELATED_QUERY has, in two parts (one group each, no subquery: a
# value bound to ?node opens the group and reaches every pattern; each (?s ?p) is one
# triple, so COUNT(*) counts the distinct pairs). The projected predicates link only typed
# nodes of the entity classes (rdfs:domain / rdfs:range in ontology/rdkg.ttl, sh:class in
# the shapes; kg.project.NEIGHBOUR_COUNT rests on the same): their subjects' types are not
# checked (kg.project.TYPED_LINKS; the check was 2.3 s of a threat's page at 100k
# papers, 105,786 attacks); the other predicates are counted with it. tests/test_app.py
# checks the sum equals the checked count on every node of the survey.
_TYPED = ", ".join(TYPED_LINKS)
RELATED_COUNT_TYPED = ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?node . FILTER(?p IN ("
                       + _TYPED + ")) }")
RELATED_COUNT_OTHER = ("SELECT (COUNT(*) AS ?n) WHERE {" + _RELATED + "  FILTER(?p NOT IN ("
                       + _TYPED + "))\n}")
#: An entity page lists at most this many incoming links (a threat has 100k attacks at
#: 100k papers); the page says how many there are.
RELATED_MAX = 500
#: up to this many incoming links the page lists them as links (a page element each), more
#: as one table (500 links took seconds to draw)
RELATED_AS_LINKS = 40

# The page types of given nodes ({values}: a VALUES block of ?node).
# (a FILTER, not a VALUES block of ?cls: Oxigraph joined that block first and read every
# node of the seven classes, 9 s for 500 nodes at 100k papers; now 20 ms)
ENTITIES_OF = ("SELECT ?node ?cls WHERE {\n  {values}\n  ?node a ?cls .\n  FILTER(?cls IN ("
               + ", ".join(f"rd:{c.split('#')[-1]}" for _, c in ENTITY_CLASSES) + "))\n}\n")

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
    label: str  # the display name (kg.display)
    types: list[str]
    facts: list[FactRow]
    related: list[tuple[str, str, str, str]]  # (relation, type, short name, label)
    source_rows: list[SourceRow]
    curated: list[dict]
    # derived links (kg.derive), never stated: (relation, short name, label, rule, path)
    derived: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    #: incoming links in all; ``related`` lists at most RELATED_MAX of them
    related_total: int = 0
    full: str = ""  # the long form of the name (a paper's title), shown under the header

    def as_dict(self) -> dict:
        return asdict(self)


def _entries(store: Store, nodes) -> dict[str, Entity]:
    """IRI -> the picker entry (short name, label, first type in ENTITY_TYPES order) of
    those ``nodes`` a page exists for: bounded queries over the nodes given."""
    names = {str(c): n for n, c in ENTITY_CLASSES}
    order = {n: i for i, n in enumerate(ENTITY_TYPES)}
    nodes = sorted(set(nodes))
    out: dict[str, Entity] = {}
    rows = [r for block in values_blocks(["node"], [(n,) for n in nodes])
            for r in select_values(store, ENTITIES_OF.replace("{values}", block))[1]]
    shown = names_of(store, {n for n, _ in rows})
    for n, cls in rows:
        e = Entity(ref(n), shown[n].short, names[cls], shown[n].full)
        if n not in out or order[e.type] < order[out[n].type]:
            out[n] = e
    return out


def _facts(e, names: dict[str, str], plabels: dict[str, str]) -> list[FactRow]:
    """The node's stated facts (kg.explain) as readable rows: a linked node by its label, a
    web URL as a link, an ontology term by its label, each with its sources."""
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
    return facts


def _provenance(store: Store, node) -> tuple[list[SourceRow], list[dict]]:
    """The survey rows (each with its cells, in column order) and the curated entries the
    node was derived from."""
    rows: dict[str, SourceRow] = {}
    for r in store.select(SOURCE_ROWS_QUERY, {"node": node}):
        key = str(r["row"])
        sr = rows.setdefault(key, SourceRow(str(r["where"]), str(r["table"]), as_int(r["n"]), []))
        sr.cells.append((str(r["header"]), str(r["text"])))
    curated = [{"file": str(r["file"]), "entry": str(r["key"]),
                "citation": "" if r["citation"] is None else str(r["citation"])}
               for r in store.select(CURATED_QUERY, {"node": node})]
    return sorted(rows.values(), key=lambda s: (s.table, s.number)), curated


def entity_page(store: Store, short: str) -> EntityPage:
    """Everything about one node, each fact with the survey cell or curated entry behind it."""
    node = resolve_node(store, short)
    plabels = term_labels(store)
    type_names = {ref(c): n for n, c in ENTITY_CLASSES}
    types = sorted({type_names.get(ref(r["cls"])) or plabels.get(ref(r["cls"]), ref(r["cls"]))
                    for r in store.select(TYPES_QUERY, {"node": node})})
    e = explain(store, node, mentions=False)  # incoming links: listed below, bounded
    # only the nodes this page names are looked up (not every node of the graph)
    incoming = select_values(store, RELATED_QUERY + f"LIMIT {RELATED_MAX}",
                             {"node": node})[1]
    related_total = len(incoming)
    if related_total >= RELATED_MAX:
        related_total = sum(as_int(next(iter(store.select(q, {"node": node})))["n"])
                            for q in (RELATED_COUNT_TYPED, RELATED_COUNT_OTHER))
    linked = {str(expand(f.value)) for f in e.facts
              if f.value.startswith("rdi:") and f.predicate not in HIDDEN_PREDICATES}
    entries = _entries(store, linked | {s_ for s_, _ in incoming})
    names = {x.ref: x.label for x in entries.values()}
    facts = _facts(e, names, plabels)
    related = sorted({(INVERSE_LABELS.get(ref(p)) or plabels.get(ref(p), ref(p)),
                       entries[s_].type if s_ in entries else "",
                       ref(s_), names.get(ref(s_), ref(s_)))
                      for s_, p in incoming})
    source_rows, curated = _provenance(store, node)
    derived = [(relation, ref(other), label, rule, path)
               for relation, other, label, rule, path in e.derived_links]
    shown = names_of(store, [str(node)])[str(node)]
    return EntityPage(ref(node), str(node), shown.short, types, facts, related, source_rows,
                      curated, derived, related_total, shown.full)
