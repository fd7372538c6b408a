"""The SPARQL console's data: a user's read-only query, bounded in rows and time, and the
example queries to start from.

The query runs through kg.sparql (the read-only check, the row limit ``row_limit`` and the
time limit ``query_timeout`` of the settings; a forked worker per query); the result comes
back as plain rows, with its CSV and SPARQL-JSON forms for download.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from rdflib import URIRef
from rdflib.term import Node

from .. import settings
from ..sparql import format_result, run_query
from ..stores.base import Store
from .names import ref

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


def row_limit() -> int:
    """Rows a console query returns at most (the ``row_limit`` setting, KG_ROW_LIMIT)."""
    return int(settings.get("row_limit"))


def query_timeout() -> float:
    """Seconds a console query may run (the ``query_timeout`` setting, KG_QUERY_TIMEOUT)."""
    return float(settings.get("query_timeout"))


def _cell(t: Node | None) -> str:
    if t is None:
        return ""
    return ref(t) if isinstance(t, URIRef) else str(t)


def console_query(store: Store, text: str, limit: int | None = None,
                  timeout: float | None = None, owner: object = None) -> ConsoleResult:
    """A user's read-only query, bounded in rows and time (settings row_limit,
    query_timeout); QueryError (a KGError) on a refused or malformed query. ``owner`` (the
    browser session) stops that session's previous query, still running or not."""
    limit = limit or row_limit()
    timeout = timeout or query_timeout()
    t0 = time.perf_counter()
    res = run_query(store, text or "", limit=limit, timeout=timeout, owner=owner)
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
