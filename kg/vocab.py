"""The ontology's terms as code: one closed namespace, so a misspelt term fails.

IRIs of graph nodes are minted in one function, :func:`iri`. The names that are plain text
(:data:`BASE`, :data:`PREFIX_IRIS`, :data:`SPARQL_PREFIXES`, the node types) cost nothing
to import; the rdflib terms (:data:`RD`, :data:`ID`, :data:`PREFIXES`,
:data:`ONTOLOGY_IRI`, what :func:`iri` returns) are made when first used, so the query path
(``kg ask`` on Oxigraph's engine) never imports rdflib.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rdflib import URIRef

BASE = "https://w3id.org/responsible-diffusion-kg/"

#: prefix -> namespace IRI, as text (the rdflib namespaces of :data:`PREFIXES`)
PREFIX_IRIS = {
    "rd": BASE + "ontology#",
    "rdi": BASE + "id/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "bibo": "http://purl.org/ontology/bibo/",
    "foaf": "http://xmlns.com/foaf/0.1/",
}

SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIX_IRIS.items())


#: The terms of the ontology's closed namespace :data:`RD` (ontology/rdkg.ttl; a test checks
#: both agree).
RD_TERMS = (
    # classes
    "Paper", "Attack", "DefenseMethod", "DefenseEvaluation", "ThreatCategory",
    "AttackerKnowledge", "TargetModel", "DiffusionModel", "GenerativeAdversarialNetwork",
    "AutoregressiveModel", "GenerativeModel", "ModelFamily", "CodeAvailability", "CodeLinked",
    "CodeWithoutLink", "NoCodeMarked", "SourceDocument", "SourceTable", "SourceRow",
    "SourceCell", "SourceColumn", "CuratedEntry", "AdditionEntry", "DerivedFact",
    "DerivedLink", "DerivationRule", "CoverageSummary", "CoverageCell", "Person", "Venue",
    "PreprintServer", "Authorship", "Verification",
    # properties
    "fromPaper", "threat", "assumesKnowledge", "evaluatedOn", "effectiveness", "limitation",
    "method", "mitigates", "paperURL", "referenceURL", "codeAvailability", "codeRepository",
    "isTextToImage", "inDocument", "inTable", "rowNumber", "hasCell", "column", "header",
    "columnIndex", "mapsTo", "cellText", "cellLink", "writtenInRow", "sha256", "inSummary",
    "fingerprint", "coverageView", "cellThreat", "cellColumn", "attackCount", "defenseCount",
    "paperCount", "attackPaperCount", "unknownKnowledgeCount", "noCodeLinkCount",
    "noCodeLinkPaper", "tripleCount", "classCount", "countedClass", "instanceCount",
    "ClassCount", "sourceFile", "entryKey", "citation", "derivationPath", "derivedBy",
    "ruleQuery", "evaluatedAgainst", "citationKey", "publishedTitle", "titleVersion",
    "publicationYear", "publishedAt", "venueName", "arxivId", "shortName", "citationLabel",
    "hasAuthorship", "author", "authorPosition", "hasVerification", "verifiesProperty",
    "unverifiedField", "quote",
    # concept schemes
    "ThreatScheme", "KnowledgeScheme", "ModelScheme",
)


@functools.cache
def _terms() -> dict:
    """The rdflib terms of the vocabulary (rdflib imported here, on first use)."""
    from rdflib import Namespace, URIRef
    from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace

    rd_ns = Namespace(BASE + "ontology#")
    # the closed namespace: a misspelt term fails (rdflib's DefinedNamespace, _fail)
    rd = type(DefinedNamespace)("RD", (DefinedNamespace,), {
        "__doc__": "Terms of ontology/rdkg.ttl (a test checks both agree).",
        "__module__": __name__, "_NS": rd_ns, "_fail": True,
        "__annotations__": {t: "URIRef" for t in RD_TERMS}})
    known = {"rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "skos": SKOS,
             "dcterms": DCTERMS, "prov": PROV, "rd": rd_ns}
    prefixes = {p: known.get(p) or Namespace(ns) for p, ns in PREFIX_IRIS.items()}
    return {"RD": rd, "ID": prefixes["rdi"], "PREFIXES": prefixes,
            "ONTOLOGY_IRI": URIRef(BASE + "ontology")}


_RD_SET = frozenset(RD_TERMS)


def rd_iri(term: str) -> str:
    """The IRI of the ontology's ``term`` as text (``RD.term`` without rdflib); a term the
    namespace does not hold fails, as with :data:`RD`."""
    if term not in _RD_SET:
        raise AttributeError(f"term {term!r} not in namespace {PREFIX_IRIS['rd']!r}")
    return PREFIX_IRIS["rd"] + term


def __getattr__(name: str):
    if name in ("RD", "ID", "PREFIXES", "ONTOLOGY_IRI"):
        return _terms()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Node types users pick in search and the app (type name -> class).
NODE_TYPES = {
    "paper": "rd:Paper",
    "attack": "rd:Attack",
    "method": "rd:DefenseMethod",
    "evaluation": "rd:DefenseEvaluation",
    "threat": "rd:ThreatCategory",
    "knowledge": "rd:AttackerKnowledge",
    "model": "rd:TargetModel",
}
TYPE_NAMES = {
    "paper": "paper", "attack": "attack", "method": "defense method",
    "evaluation": "defense evaluation", "threat": "threat category",
    "knowledge": "attacker knowledge", "model": "target model",
}

KINDS = (
    "paper", "attack", "evaluation", "method", "threat", "knowledge", "model",
    "document", "table", "column", "row", "cell", "curated", "derived", "summary",
    "person", "venue", "authorship", "verification",
)


def slug(text: str) -> str:
    """ASCII, lower-case, hyphen-separated; stable for a given text."""
    text = text.replace("ℓ", "l")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-zA-Z0-9]+", "-", text.lower()).strip("-")
    return text or "x"


def iri_text(kind: str, *parts: str) -> str:
    """The one place node IRIs are minted: ``rdi:{kind}-{slug(part)}--{slug(part)}...``,
    as text (:func:`iri` gives rdflib's term of it)."""
    if kind not in KINDS:
        raise ValueError(f"unknown IRI kind {kind!r}; expected one of {', '.join(KINDS)}")
    return PREFIX_IRIS["rdi"] + kind + "-" + "--".join(slug(p) for p in parts)


def iri(kind: str, *parts: str) -> URIRef:
    """:func:`iri_text` as an rdflib URIRef."""
    return _terms()["ID"][iri_text(kind, *parts)[len(PREFIX_IRIS["rdi"]):]]


def qname(term) -> str:
    """A term as a prefixed name where a known prefix fits (rd:Paper, rdi:model-ddpm)."""
    s = str(term)
    for p, ns in PREFIX_IRIS.items():
        if s.startswith(ns):
            return f"{p}:{s[len(ns):]}"
    return s
