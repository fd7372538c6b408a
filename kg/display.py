"""Display names: the one name a node is shown by, wherever a node is named (the graph
explorer and its exported figure, the pickers, coverage cards, the gap table, entity
headers, the CLI's neighbour and path tables).

The rule (:func:`display_name`), from the facts one query reads (:data:`NAME_PATTERN`):

* a paper: its citation label ("SecMI — Duan et al., 2023"; without a short name
  "Carlini et al., 2023"), else its title;
* an attack: "<paper's short name> (<threat>)", e.g. "SecMI (membership inference)" — the
  paper's short name is the head of its citation label (its first short name, else
  "Carlini et al., 2023"), else its title;
* a defense evaluation: "<method> · <paper's short name>", e.g. "RandAugment · SecMI";
* anything else (a target model by its survey name, a threat, a knowledge level, a
  method, an author, a venue): its preferred label, else its label, else its IRI.

The long form (a paper's title, the graph's own label of an attack or evaluation) stays
the node's ``full`` name, for hover text and the entity page. Names are unique over the
survey's graph (tests/test_display.py); names that still collide within a set named
together (:func:`distinct`) get " (2)", " (3)", … in the order of their IRIs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .sparql_text import values_blocks
from .stores.base import Store, select_values

#: The facts a display name is made of, for a bound or VALUES-given ``?node``.
NAME_PATTERN = """
  OPTIONAL { ?node a ?kind . FILTER(?kind IN (rd:Paper, rd:Attack, rd:DefenseEvaluation)) }
  OPTIONAL { ?node skos:prefLabel ?pref }
  OPTIONAL { ?node rdfs:label ?plain }
  OPTIONAL { ?node rd:citationLabel ?cite }
  OPTIONAL { ?node dcterms:title ?title }
  OPTIONAL { ?node rd:fromPaper ?paper .
             OPTIONAL { ?paper rd:citationLabel ?pcite }
             OPTIONAL { ?paper dcterms:title ?ptitle } }
  OPTIONAL { ?node rd:threat ?t . ?t skos:prefLabel ?threat }
  OPTIONAL { ?node rd:method ?m . ?m rdfs:label ?method }
"""

_COLUMNS = "?node ?kind ?pref ?plain ?cite ?title ?pcite ?ptitle ?threat ?method"

#: Every node of a class (``?cls`` bound) with the facts of its name.
CLASS_NAMES = f"SELECT {_COLUMNS} WHERE {{\n  ?node a ?cls .{NAME_PATTERN}}}\n"

#: Given nodes ({values}: a VALUES block of ?node) with the facts of their names. (The
#: ``?node a []`` pattern is needed: rdflib 7 drops every row when a VALUES-bound variable
#: meets an OPTIONAL of two patterns first; a row per type of the node is folded.)
NODE_NAMES = f"SELECT {_COLUMNS} WHERE {{\n  {{values}}\n  ?node a [] .{NAME_PATTERN}}}\n"


@dataclass
class Facts:
    """What one node's name is made of (every row of the name query for it folded)."""

    iri: str
    kind: str = ""  # Paper | Attack | DefenseEvaluation | "" (any other node)
    label: str = ""  # preferred label, else rdfs:label
    citation: str = ""
    title: str = ""
    paper_citation: str = ""
    paper_title: str = ""
    threats: set[str] = field(default_factory=set)
    methods: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Name:
    """A node's display name and its long form (title or graph label) for hover text."""

    short: str
    full: str


def short_name(citation: str, title: str) -> str:
    """A paper's short name: the head of its citation label ("SecMI" of "SecMI — Duan et
    al., 2023"; the whole label when it has no short name), else its title."""
    return citation.split(" — ", 1)[0] if citation else title


def threat_phrase(threat: str) -> str:
    """A threat as it reads inside a name: the first letter in lower case unless the first
    word is an acronym ("membership inference"; "MIA" stays)."""
    head = threat.split(" ", 1)[0]
    return threat if head.isupper() or not threat else threat[0].lower() + threat[1:]


def display_name(f: Facts) -> str:
    """The name a node is shown by (the module's rule)."""
    paper = short_name(f.paper_citation, f.paper_title)
    if f.kind == "Paper":
        return f.citation or f.title or f.label or f.iri
    if f.kind == "Attack" and paper and f.threats:
        return f"{paper} ({', '.join(threat_phrase(t) for t in sorted(f.threats))})"
    if f.kind == "DefenseEvaluation" and paper and f.methods:
        return f"{' / '.join(sorted(f.methods))} · {paper}"
    return f.label or f.title or f.iri


def full_name(f: Facts) -> str:
    """The long form of a node's name: a paper's title, else its graph label."""
    return f.title or f.label or f.iri


def _fold(rows: Iterable[tuple]) -> dict[str, Facts]:
    out: dict[str, Facts] = {}
    for node, kind, pref, plain, cite, title, pcite, ptitle, threat, method in rows:
        f = out.setdefault(node, Facts(node))
        f.kind = f.kind or (kind or "").rsplit("#", 1)[-1]
        f.label = f.label or pref or plain or ""
        f.citation = f.citation or cite or ""
        f.title = f.title or title or ""
        f.paper_citation = f.paper_citation or pcite or ""
        f.paper_title = f.paper_title or ptitle or ""
        f.threats.update([threat] if threat else [])
        f.methods.update([method] if method else [])
    return out


def distinct(names: dict[str, Name]) -> dict[str, Name]:
    """``names`` with every display name unique: of nodes sharing one, the first by IRI
    keeps it, the others get " (2)", " (3)", …"""
    seen: dict[str, int] = {}
    out = {}
    for iri in sorted(names):
        n = names[iri]
        k = seen[n.short] = seen.get(n.short, 0) + 1
        out[iri] = n if k == 1 else Name(f"{n.short} ({k})", n.full)
    return out


def names_of(store: Store, nodes: Iterable[str]) -> dict[str, Name]:
    """IRI -> :class:`Name` of the given nodes (one query per batch of VALUES), unique
    among them (:func:`distinct`); a node with no facts is named by its IRI."""
    nodes = sorted(set(map(str, nodes)))
    rows: list[tuple] = []
    for block in values_blocks(["node"], [(n,) for n in nodes]):
        rows += select_values(store, NODE_NAMES.replace("{values}", block))[1]
    facts = _fold(rows)
    return distinct({n: _name(facts.get(n, Facts(n))) for n in nodes})


def names_of_class(store: Store, cls) -> dict[str, Name]:
    """IRI -> :class:`Name` of every node of class ``cls`` (one query)."""
    facts = _fold(select_values(store, CLASS_NAMES, {"cls": cls})[1])
    return {n: _name(f) for n, f in facts.items()}


def _name(f: Facts) -> Name:
    return Name(display_name(f), full_name(f))
