"""The ontology's terms as code: one closed namespace, so a misspelt term fails.

IRIs of graph nodes are minted in one function, :func:`iri`.
"""

from __future__ import annotations

import re
import unicodedata

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace

BASE = "https://w3id.org/responsible-diffusion-kg/"


class RD(DefinedNamespace):
    """Terms of ontology/rdkg.ttl (a test checks both agree)."""

    _NS = Namespace(BASE + "ontology#")
    _fail = True

    # classes
    Paper: URIRef
    Attack: URIRef
    DefenseMethod: URIRef
    DefenseEvaluation: URIRef
    ThreatCategory: URIRef
    AttackerKnowledge: URIRef
    TargetModel: URIRef
    DiffusionModel: URIRef
    GenerativeAdversarialNetwork: URIRef
    AutoregressiveModel: URIRef
    GenerativeModel: URIRef
    ModelFamily: URIRef
    CodeAvailability: URIRef
    CodeLinked: URIRef
    CodeWithoutLink: URIRef
    NoCodeMarked: URIRef
    SourceDocument: URIRef
    SourceTable: URIRef
    SourceRow: URIRef
    SourceCell: URIRef
    SourceColumn: URIRef
    CuratedEntry: URIRef
    AdditionEntry: URIRef
    DerivedFact: URIRef
    DerivedLink: URIRef
    DerivationRule: URIRef
    CoverageSummary: URIRef
    CoverageCell: URIRef
    Person: URIRef
    Venue: URIRef
    PreprintServer: URIRef
    Authorship: URIRef
    Verification: URIRef
    # properties
    fromPaper: URIRef
    threat: URIRef
    assumesKnowledge: URIRef
    evaluatedOn: URIRef
    effectiveness: URIRef
    limitation: URIRef
    method: URIRef
    mitigates: URIRef
    paperURL: URIRef
    referenceURL: URIRef
    codeAvailability: URIRef
    codeRepository: URIRef
    isTextToImage: URIRef
    inDocument: URIRef
    inTable: URIRef
    rowNumber: URIRef
    hasCell: URIRef
    column: URIRef
    header: URIRef
    columnIndex: URIRef
    mapsTo: URIRef
    cellText: URIRef
    cellLink: URIRef
    writtenInRow: URIRef
    sha256: URIRef
    inSummary: URIRef
    fingerprint: URIRef
    coverageView: URIRef
    cellThreat: URIRef
    cellColumn: URIRef
    attackCount: URIRef
    defenseCount: URIRef
    paperCount: URIRef
    attackPaperCount: URIRef
    unknownKnowledgeCount: URIRef
    noCodeLinkCount: URIRef
    noCodeLinkPaper: URIRef
    tripleCount: URIRef
    classCount: URIRef
    countedClass: URIRef
    instanceCount: URIRef
    ClassCount: URIRef
    sourceFile: URIRef
    entryKey: URIRef
    citation: URIRef
    derivationPath: URIRef
    derivedBy: URIRef
    ruleQuery: URIRef
    evaluatedAgainst: URIRef
    citationKey: URIRef
    publishedTitle: URIRef
    titleVersion: URIRef
    publicationYear: URIRef
    publishedAt: URIRef
    venueName: URIRef
    arxivId: URIRef
    shortName: URIRef
    citationLabel: URIRef
    hasAuthorship: URIRef
    author: URIRef
    authorPosition: URIRef
    hasVerification: URIRef
    verifiesProperty: URIRef
    unverifiedField: URIRef
    quote: URIRef
    # concept schemes
    ThreatScheme: URIRef
    KnowledgeScheme: URIRef
    ModelScheme: URIRef


ONTOLOGY_IRI = URIRef(BASE + "ontology")
ID = Namespace(BASE + "id/")

PREFIXES = {
    "rd": RD._NS,
    "rdi": ID,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "bibo": Namespace("http://purl.org/ontology/bibo/"),
    "foaf": Namespace("http://xmlns.com/foaf/0.1/"),
}

SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())

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


def iri(kind: str, *parts: str) -> URIRef:
    """The one place node IRIs are minted: ``rdi:{kind}-{slug(part)}--{slug(part)}...``."""
    if kind not in KINDS:
        raise ValueError(f"unknown IRI kind {kind!r}; expected one of {', '.join(KINDS)}")
    return ID[kind + "-" + "--".join(slug(p) for p in parts)]


def qname(term) -> str:
    """A term as a prefixed name where a known prefix fits (rd:Paper, rdi:model-ddpm)."""
    s = str(term)
    for p, ns in PREFIXES.items():
        if s.startswith(str(ns)):
            return f"{p}:{s[len(str(ns)):]}"
    return s
