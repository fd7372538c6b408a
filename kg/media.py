"""A query result in the media types of the SPARQL 1.1 Protocol: the type a client's
``Accept`` header (or a ``format`` parameter) asks for, and the bytes of that type.

The rule: SELECT and ASK results are SPARQL Results JSON, XML, CSV or TSV (ASK: JSON or
XML); CONSTRUCT and DESCRIBE graphs are Turtle, N-Triples, JSON-LD or RDF/XML. The type is
the offer of highest quality in ``Accept`` (RFC 9110: the most specific range that matches
an offer gives its quality; ties go to the first offer); no ``Accept`` (or ``*/*``) gives
the first offer, JSON for results and Turtle for graphs. A request that accepts none of the
offers gets None (the endpoint answers 406 listing them). JSON, XML and CSV are rdflib's
serialisers; TSV (which rdflib cannot write) is written here as the W3C note says: terms
in their SPARQL/Turtle syntax, tab-separated, a header of ``?var``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.query import Result
from rdflib.term import Node

from .sparql import QueryResult
from .vocab import PREFIXES

#: SELECT / ASK results: media type -> rdflib result format ('tsv' is written here).
RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}
#: CONSTRUCT / DESCRIBE graphs: media type -> rdflib graph format.
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/x-turtle": "turtle",
    "text/plain": "nt",
    "application/json": "json-ld",
}
_ASK_TYPES = ("application/sparql-results+json", "application/sparql-results+xml",
              "application/json", "application/xml", "text/xml")

#: The short names clients put in a ``format`` / ``output`` / ``results`` parameter
#: (SPARQLWrapper sends all three beside its Accept header) -> the media types they mean.
SHORT_NAMES = {
    "json": "application/sparql-results+json, application/ld+json",
    "xml": "application/sparql-results+xml, application/rdf+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values",
    "turtle": "text/turtle", "ttl": "text/turtle", "n3": "text/turtle",
    "nt": "application/n-triples", "ntriples": "application/n-triples",
    "n-triples": "application/n-triples", "json-ld": "application/ld+json",
    "jsonld": "application/ld+json", "rdf": "application/rdf+xml",
    "rdf+xml": "application/rdf+xml",
}


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    """(type, subtype, q) of each media range of an Accept header; a bad q counts as 0."""
    out = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        mtype, _, sub = fields[0].lower().partition("/")
        if not mtype:
            continue
        q = 1.0
        for f in fields[1:]:
            name, _, value = f.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        out.append((mtype, sub or "*", q))
    return out


def _quality(offer: str, ranges: list[tuple[str, str, float]]) -> float:
    """The quality ``ranges`` give ``offer``: that of the most specific matching range."""
    t, s = offer.split("/")
    best, level = 0.0, -1
    for rt, rs, q in ranges:
        if (rt, rs) == (t, s):
            lv = 2
        elif rt == t and rs == "*":
            lv = 1
        elif (rt, rs) == ("*", "*"):
            lv = 0
        else:
            continue
        if lv > level:
            best, level = q, lv
    return best


def negotiate(accept: str | None, offers: tuple[str, ...] | list[str]) -> str | None:
    """The offer ``accept`` prefers (first offer when it says nothing), or None."""
    if not accept or not accept.strip():
        return offers[0]
    ranges = _ranges(accept)
    scored = [(_quality(o, ranges), -i, o) for i, o in enumerate(offers)]
    q, _, offer = max(scored)
    return offer if q > 0 else None


def format_accept(value: str) -> str:
    """A ``format`` parameter as an Accept header (a short name, or a media type as is)."""
    return SHORT_NAMES.get(value.strip().lower(), value)


def offers(form: str) -> tuple[str, ...]:
    """The media types a result of query form ``form`` can be sent as, the default first."""
    if form == "select":
        return tuple(RESULT_TYPES)
    if form == "ask":
        return _ASK_TYPES
    return tuple(GRAPH_TYPES)


@dataclass(frozen=True)
class Body:
    """A result's bytes and their Content-Type."""

    content: bytes
    media_type: str


def _tsv_term(t: Node | None) -> str:
    if t is None:
        return ""
    if isinstance(t, URIRef | BNode | Literal):
        return t.n3()
    return str(t)


def _tsv(res: QueryResult) -> bytes:
    lines = ["\t".join(f"?{v}" for v in res.vars)]
    lines += ["\t".join(_tsv_term(r.get(v)) for v in res.vars) for r in res.rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _result(res: QueryResult) -> Result:
    if res.form == "ask":
        r = Result("ASK")
        r.askAnswer = bool(res.boolean)
        return r
    r = Result("SELECT")
    r.vars = [Variable(v) for v in res.vars]
    r.bindings = [{Variable(k): v for k, v in row.items() if v is not None} for row in res.rows]
    return r


def serialize(res: QueryResult, media_type: str) -> Body:
    """``res`` as ``media_type`` (one of :func:`offers` of its form), UTF-8."""
    charset = "; charset=utf-8"
    if res.form in ("construct", "describe"):
        g = Graph()
        for p, ns in PREFIXES.items():
            g.bind(p, ns, override=True)
        g += res.graph if res.graph is not None else Graph()
        data = g.serialize(format=GRAPH_TYPES[media_type], encoding="utf-8")
        return Body(data, media_type + charset)
    fmt = RESULT_TYPES[media_type]
    if fmt == "tsv":
        return Body(_tsv(res), media_type + charset)
    return Body(_result(res).serialize(format=fmt, encoding="utf-8"), media_type + charset)


__all__ = ["GRAPH_TYPES", "RESULT_TYPES", "SHORT_NAMES", "Body", "format_accept", "negotiate",
           "offers", "serialize"]
