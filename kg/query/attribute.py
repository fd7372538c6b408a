"""Attribute questions: a value of the rows a form selects — venue, year, authors, first
author, last author, arXiv id, DOI, code link of their papers; effectiveness or limitation of the rows —
each value with its source (the row and its paper).

The form selects rows exactly as a listing does (:func:`kg.query.compile_form`); the
attribute is read from the row (``effectiveness``, ``limitation``) or from the row's paper
(the curated bibliographic fields and the code link). One SPARQL SELECT, the form's listing
as a sub-select, so the values shown are exactly what the query shown returns. Authors come
in author-list order.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..sparql_text import sparql_literal
from ..stores.base import Store, select_values
from .compiler import compile_form, context
from .form import Form, describe

#: attribute -> (read from "paper" | "row", the pattern binding ?value (and ?pos))
ATTRIBUTES = {
    "venue": ("paper", "?p rd:publishedAt ?v . ?v skos:prefLabel ?value ."),
    "year": ("paper", "?p rd:publicationYear ?value ."),
    "authors": ("paper", "?p rd:hasAuthorship ?as . ?as rd:author ?person ; "
                         "rd:authorPosition ?pos . ?person foaf:name ?value ."),
    "first_author": ("paper", "?p rd:hasAuthorship ?as . ?as rd:author ?person ; "
                              "rd:authorPosition 1 . ?person foaf:name ?value ."),
    "last_author": ("paper", "?p rd:hasAuthorship ?as . ?as rd:author ?person ; "
                             "rd:authorPosition ?pos . FILTER NOT EXISTS { ?p rd:hasAuthorship "
                             "?later . ?later rd:authorPosition ?after . FILTER(?after > ?pos) } "
                             "?person foaf:name ?value ."),
    "arxiv": ("paper", "?p rd:arxivId ?value ."),
    "doi": ("paper", "?p bibo:doi ?value ."),
    "code": ("paper", "?p rd:codeRepository ?value ."),
    "effectiveness": ("row", "?row rd:effectiveness ?value ."),
    "limitation": ("row", "?row rd:limitation ?value ."),
}
NOUN = {"venue": "venue", "year": "publication year", "authors": "authors",
        "first_author": "first author", "last_author": "last author", "arxiv": "arXiv id", "doi": "DOI",
        "code": "code link", "effectiveness": "effectiveness", "limitation": "limitation"}


@dataclass
class Values:
    """The values of an attribute, each with its sources (rows and their papers)."""

    attribute: str
    form: Form
    sparql: str
    values: list[dict]  # value, rows, papers
    understood_as: str


def attribute_sparql(form: Form, attribute: str, ctx) -> str:
    """One SELECT: the form's listing as a sub-select, the attribute read from each row or
    its paper."""
    _, pattern = ATTRIBUTES[attribute]
    listing = compile_form(Form(form.target, form.conds, None, form.parts), ctx).sparql
    inner = "\n".join("    " + line for line in listing.splitlines())
    paper = "?row rd:fromPaper ?p .\n  "  # the source of every value: the row and its paper
    pos = " ?pos" if "?pos" in pattern else ""
    return (f"SELECT DISTINCT ?value ?row ?p{pos} WHERE {{\n  {{\n{inner}\n  }}\n  {paper}"
            f"{pattern}\n}}\nORDER BY{pos} ?value ?row")


def attribute(store: Store, form: Form, attribute: str) -> Values:
    """The values of ``attribute`` over the rows ``form`` selects, each with its sources."""
    if attribute not in ATTRIBUTES:
        raise ValueError(f"unknown attribute {attribute!r}")
    ctx = context(store)
    sparql = attribute_sparql(form, attribute, ctx)
    names, rows = select_values(store, sparql)
    ix = {n: i for i, n in enumerate(names)}
    out: dict[str, dict] = {}
    for r in rows:
        v = str(r[ix["value"]])
        item = out.setdefault(v, {"value": v, "rows": [], "papers": []})
        if r[ix["row"]] not in item["rows"]:
            item["rows"].append(r[ix["row"]])
        if r[ix["p"]] not in item["papers"]:
            item["papers"].append(r[ix["p"]])
    said = f"the {NOUN[attribute]} of: {describe(form, ctx.tree)}"
    return Values(attribute, form, sparql, list(out.values()), said)


#: a paper attribute -> the field of the curated bibliography that holds it
BIB_FIELD = {"venue": "venue_short", "year": "year", "arxiv": "arxiv", "doi": "doi",
             "authors": "authors", "first_author": "authors", "last_author": "authors"}


def absent(store: Store, form: Form, attribute: str) -> list[dict]:
    """Where an attribute no row's paper records is recorded absent: each paper the form
    selects (title), the curated entry that describes it (``file: key``, or "" when none
    does) and whether that entry names the field unverified (no public record verified a
    value, so it stays empty). Empty for an attribute of the rows' own cells."""
    field = BIB_FIELD.get(attribute)
    if field is None:
        return []
    listing = compile_form(Form(form.target, form.conds, None, form.parts),
                           context(store)).sparql  # binds ?key, ?row, ?label
    inner = "\n".join("    " + line for line in listing.splitlines())
    sparql = (f"SELECT DISTINCT ?title ?file ?entrykey ?unverified WHERE {{\n  {{\n{inner}\n"
              "  }\n  ?row rd:fromPaper ?p . ?p dcterms:title ?title .\n"
              "  OPTIONAL { ?p prov:wasDerivedFrom ?e . ?e a rd:CuratedEntry ; "
              "rd:sourceFile ?file ; rd:entryKey ?entrykey .\n"
              "    OPTIONAL { ?e rd:unverifiedField ?u . "
              f"FILTER(STR(?u) = {sparql_literal(field)}) }}\n"
              "    BIND(BOUND(?u) AS ?unverified) }\n}\nORDER BY ?title")
    names, rows = select_values(store, sparql)
    ix = {n: i for i, n in enumerate(names)}
    return [{"paper": str(r[ix["title"]]),
             "entry": f"{r[ix['file']]}: {r[ix['entrykey']]}" if r[ix["file"]] else "",
             "unverified": str(r[ix["unverified"]]).lower() == "true"} for r in rows]
