"""User text -> canonical label -> IRI, for the kinds of node a view is filtered by
(threats, attacker knowledge, target models, defense methods, papers, authors, venues).

The rule: a label resolves through the alias file (data/aliases.yaml) and the graph's own
labels (``skos:prefLabel``, else ``rdfs:label``, else ``dcterms:title``) and alternative labels
(``skos:altLabel``); a paper also by citation key or short name (data/bibliography.yaml), an
author by full name or by family name (everyone who bears it). Anything else is an
UnknownLabelError that lists the known labels ("did you mean").
"""

from __future__ import annotations

from rdflib import URIRef

from ..bibliography import Bibliography, load_bibliography
from ..curated import Aliases, load_aliases, norm
from ..errors import UnknownLabelError
from ..stores.base import Store
from ..vocab import RD

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


def labels_of(store: Store, kind: str) -> tuple[dict[str, URIRef], dict[str, str]]:
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
            by_label, alts = labels_of(store, kind)
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


__all__ = ["KIND_CLASS", "Resolver", "labels_of"]
