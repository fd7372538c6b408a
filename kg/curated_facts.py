"""Curated facts from the data files: each rd:CuratedEntry names its file and entry key;
the bibliography as facts of the papers (``rd:Person`` authors with ``rd:Authorship``
positions, ``rd:publicationYear``, ``rd:publishedAt`` ``rd:Venue``, ``rd:arxivId``,
``bibo:doi``, ``rd:publishedTitle`` + ``rd:titleVersion``, ``rd:shortName``), definitions as
``skos:definition``, and the venues' other names.

The rule: every curated fact is ``prov:wasDerivedFrom`` the curated entry it comes from,
labelled curated, never mixed silently with the survey's facts; a bibliographic field or a
definition is stated only through an ``rd:Verification`` (``rd:citation``,
``rd:verifiesProperty``) of the public record it was checked against, and a field no record
verified stays empty and is named (``rd:unverifiedField``).
"""

from __future__ import annotations

from pathlib import Path

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from .bibliography import BibEntry, Bibliography
from .curated import Aliases, Definition, norm
from .errors import UnknownLabelError
from .vocab import PREFIXES, RD, iri

BIBO = PREFIXES["bibo"]
FOAF = PREFIXES["foaf"]


def curated_entry(g: Graph, file: str, key: str, citation: str | None = None) -> URIRef:
    """The rd:CuratedEntry node of entry ``key`` of data file ``file`` (added to ``g``)."""
    node = iri("curated", Path(file).stem, key)
    g.add((node, RDF.type, RD.CuratedEntry))
    g.add((node, RD.sourceFile, Literal(file)))
    g.add((node, RD.entryKey, Literal(key)))
    g.add((node, RDFS.label, Literal(f"{file}: {key}")))
    if citation:
        g.add((node, RD.citation, Literal(citation)))
    return node


#: Bibliographic field of data/bibliography.yaml -> the properties its value becomes.
BIB_PROPERTIES: dict[str, tuple[URIRef, ...]] = {
    "title": (RD.publishedTitle,), "title_version": (RD.titleVersion,),
    "authors": (DCTERMS.creator, RD.hasAuthorship, FOAF.name, FOAF.familyName,
                FOAF.givenName), "year": (RD.publicationYear,),
    "venue": (RD.venueName,), "venue_short": (RD.publishedAt,), "arxiv": (RD.arxivId,),
    "doi": (BIBO.doi,), "short_names": (RD.shortName,),
}


def person_iri(name: str) -> URIRef:
    """An author's node: one per distinct 'Family, Given' name (stable across builds)."""
    family, _, given = (p.strip() for p in name.partition(","))
    return iri("person", family, given) if given else iri("person", family)


def add_bibliography(g: Graph, bib: Bibliography) -> None:
    """Each paper's curated bibliographic facts (matched by its survey title), with one
    rd:Verification per public record they were checked against; unverified fields stay
    empty and are named (rd:unverifiedField)."""
    by_title = {norm(str(t)): p for p, t in g.subject_objects(DCTERMS.title)
                if (p, RDF.type, RD.Paper) in g}
    for e in bib.entries:
        paper = by_title.get(norm(e.survey_title))
        if paper is None:
            continue  # an entry for a paper this survey does not cite
        entry = curated_entry(g, bib.file, e.key)
        g.add((paper, PROV.wasDerivedFrom, entry))
        g.add((paper, RD.citationKey, Literal(e.key)))
        _add_bib_facts(g, paper, e, entry)
        for f in e.unverified:
            g.add((entry, RD.unverifiedField, Literal(f)))
        verified: dict[str, list[URIRef]] = {}
        for f, props in BIB_PROPERTIES.items():
            for src in e.sources_of(f):
                verified.setdefault(src, []).extend(props)
        for i, (src, props) in enumerate(verified.items(), start=1):
            v = iri("verification", "bibliography", e.key, str(i))
            g.add((entry, RD.hasVerification, v))
            g.add((v, RDF.type, RD.Verification))
            g.add((v, RD.citation, Literal(src)))
            g.add((v, RDFS.label, Literal(f"{e.key}: {BibEntry.verification_text(src)}")))
            for prop in dict.fromkeys(props):
                g.add((v, RD.verifiesProperty, prop))


def _add_bib_facts(g: Graph, paper: URIRef, e: BibEntry, entry: URIRef) -> None:
    g.add((paper, RD.publishedTitle, Literal(e.title)))
    if e.title_version:
        g.add((paper, RD.titleVersion, Literal(e.title_version)))
    if e.year is not None:
        g.add((paper, RD.publicationYear, Literal(e.year)))
    if e.venue:
        g.add((paper, RD.venueName, Literal(e.venue)))
    if e.venue_short:
        venue = iri("venue", e.venue_short)
        g.add((venue, RDF.type, RD.Venue))
        if e.venue_short == "arXiv":
            g.add((venue, RDF.type, RD.PreprintServer))
        g.add((venue, SKOS.prefLabel, Literal(e.venue_short)))
        g.add((venue, RDFS.label, Literal(e.venue_short)))
        g.add((paper, RD.publishedAt, venue))
    if e.arxiv:
        g.add((paper, RD.arxivId, Literal(e.arxiv)))
    if e.doi:
        g.add((paper, BIBO.doi, Literal(e.doi)))
    for name in e.short_names:
        g.add((paper, RD.shortName, Literal(name)))
    g.add((paper, RD.citationLabel, Literal(e.citation_label())))
    for pos, name in enumerate(e.authors, start=1):
        person = person_iri(name)
        family, _, given = (p.strip() for p in name.partition(","))
        g.add((person, RDF.type, RD.Person))
        g.add((person, PROV.wasDerivedFrom, entry))
        g.add((person, FOAF.familyName, Literal(family)))
        if given:
            g.add((person, FOAF.givenName, Literal(given)))
        full = f"{given} {family}" if given else family
        g.add((person, FOAF.name, Literal(full)))
        g.add((person, RDFS.label, Literal(full)))
        g.add((paper, DCTERMS.creator, person))
        a = iri("authorship", e.key, str(pos))
        g.add((a, RDF.type, RD.Authorship))
        g.add((a, RD.author, person))
        g.add((a, RD.authorPosition, Literal(pos)))
        g.add((a, RDFS.label, Literal(f"{full}, author {pos} of {e.key}")))
        g.add((paper, RD.hasAuthorship, a))


def add_venue_aliases(g: Graph, aliases: Aliases) -> None:
    """Other names of the venues papers appear at (data/aliases.yaml, section venues)."""
    for label, alts in aliases.variants.get("venues", {}).items():
        node = iri("venue", label)
        if not alts or (node, RDF.type, RD.Venue) not in g:
            continue
        g.add((node, PROV.wasDerivedFrom, curated_entry(g, aliases.file, f"venues/{label}")))
        for alt in alts:
            g.add((node, SKOS.altLabel, Literal(alt)))


_DEFINED_KIND = {"threats": "threats", "knowledge": "knowledge", "models": "models"}


def add_definitions(g: Graph, definitions: tuple[str, list[Definition]],
                    concept_by_label: dict[str, dict[str, URIRef]]) -> None:
    """skos:definition of threats, knowledge levels, models and defense methods, each
    from data/definitions.yaml with the public source it paraphrases. A threat, level or
    model the graph does not hold is an error; a method this survey does not name is
    skipped (the file covers the survey's methods; a test checks each names a node)."""
    file, defs = definitions
    for d in defs:
        if d.kind == "methods":
            node = iri("method", d.label)
            if (node, RDF.type, RD.DefenseMethod) not in g:
                continue
        else:
            known = concept_by_label[_DEFINED_KIND[d.kind]]
            node = known.get(d.label)
            if node is None:
                raise UnknownLabelError(d.kind.rstrip("s"), d.label, known,
                                        f"{file}, section {d.kind!r}")
        entry = curated_entry(g, file, f"{d.kind}/{d.label}")
        v = iri("verification", "definitions", d.kind, d.label)
        g.add((entry, RD.hasVerification, v))
        g.add((v, RDF.type, RD.Verification))
        g.add((v, RD.citation, Literal(d.source)))
        g.add((v, RDFS.label, Literal(f"definition of {d.label}: verified against "
                                      f"{d.source}")))
        g.add((v, RD.verifiesProperty, SKOS.definition))
        if d.quote:
            g.add((v, RD.quote, Literal(d.quote)))
        g.add((node, SKOS.definition, Literal(d.text)))
        g.add((node, PROV.wasDerivedFrom, entry))


__all__ = ["BIB_PROPERTIES", "add_bibliography", "add_definitions", "add_venue_aliases",
           "curated_entry", "person_iri"]
