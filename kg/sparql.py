"""Read-only SPARQL on a user's behalf: refuse updates, LOAD, SERVICE and FROM; run in a
worker process that is killed at the deadline, with memory, text, row and triple limits
(kg.worker); say where a syntax error is."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from pyparsing import ParseException
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from .errors import QueryError
from .store import Store, with_prefixes
from .vocab import SPARQL_PREFIXES

_PREFIX_LINES = SPARQL_PREFIXES.count("\n")
QUERY_FORMS = {"SelectQuery": "select", "AskQuery": "ask", "ConstructQuery": "construct",
               "DescribeQuery": "describe"}


def _walk(node):
    yield node
    if isinstance(node, CompValue):
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
        for v in node:
            yield from _walk(v)


def read_query_arg(query: str) -> str:
    """A query given on the command line: its text, or the text of the .rq file it names."""
    p = Path(query)
    if query.endswith((".rq", ".sparql")) or (len(query) < 255 and "\n" not in query
                                              and p.is_file()):
        try:
            return p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise QueryError(f"file {p}: cannot read the query: {e}") from None
    return query


def check_read_only(text: str) -> str:
    """The query form ('select', 'ask', 'construct', 'describe') of an allowed query;
    QueryError for anything else."""
    if not text or not text.strip():
        raise QueryError("empty query")
    full = with_prefixes(text)
    try:
        parsed = parseQuery(full)
    except ParseException as e:
        try:
            parseUpdate(full)
        except ParseException:
            pass
        else:
            raise QueryError("refused: SPARQL updates (INSERT, DELETE, LOAD, CLEAR, DROP, "
                             "CREATE, ...) are not allowed; queries here are read-only") from None
        line = max(1, e.lineno - _PREFIX_LINES)
        raise QueryError(f"SPARQL syntax error at line {line}, column {e.col}: "
                         f"{e.msg} (near {e.line.strip()[:60]!r})") from None
    except Exception as e:  # rdflib raises assorted errors on odd input
        raise QueryError(f"SPARQL syntax error: {e}") from None
    form = None
    for n in _walk(parsed):
        if isinstance(n, CompValue):
            if n.name == "ServiceGraphPattern":
                raise QueryError("refused: SERVICE is not allowed (it would fetch a remote URL)")
            if n.name == "DatasetClause" or (n.name in QUERY_FORMS and "datasetClause" in n):
                raise QueryError("refused: FROM / FROM NAMED is not allowed (it would load a URL); "
                                 "queries run on the knowledge graph as it is")
            if n.name in QUERY_FORMS and form is None:
                form = QUERY_FORMS[n.name]
    if form is None:
        raise QueryError("not a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    return form


@dataclass
class QueryResult:
    form: str
    vars: list[str] = field(default_factory=list)
    rows: list[dict[str, Node | None]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None
    truncated: bool = False


def run_query(store: Store, text: str, limit: int | None = None,
              timeout: float | None = None) -> QueryResult:
    """Run a user's read-only query in a worker process that is killed at the deadline
    (parse and read-only check included), with a memory cap, the text size capped, rows
    cut at ``limit`` and CONSTRUCT/DESCRIBE at ``construct_max_triples`` (kg.worker)."""
    from .worker import Limits, run_in_worker

    if not text or not text.strip():
        raise QueryError("empty query")
    limits = Limits.from_settings(timeout=timeout, rows=limit)
    form, payload = run_in_worker(store, text, limits)
    if form == "select":
        names, rows = payload
        return QueryResult(form, names, rows[:limits.rows], truncated=len(rows) > limits.rows)
    if form == "ask":
        return QueryResult(form, boolean=payload)
    g = Graph()
    for t in payload[:limits.max_triples]:
        g.add(t)
    return QueryResult(form, graph=g, truncated=len(payload) > limits.max_triples)


def term_json(t: Node | None) -> dict | None:
    """A term in the W3C SPARQL 1.1 JSON results shape."""
    if t is None:
        return None
    if isinstance(t, URIRef):
        return {"type": "uri", "value": str(t)}
    if isinstance(t, BNode):
        return {"type": "bnode", "value": str(t)}
    assert isinstance(t, Literal)
    d = {"type": "literal", "value": str(t)}
    if t.language:
        d["xml:lang"] = t.language
    elif t.datatype:
        d["datatype"] = str(t.datatype)
    return d


def format_result(res: QueryResult, fmt: str = "table") -> str:
    if res.form == "ask":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": res.boolean})
        return "true" if res.boolean else "false"
    if res.form in ("construct", "describe"):
        assert res.graph is not None
        return res.graph.serialize(format="json-ld" if fmt == "json" else "turtle")
    if fmt == "json":
        return json.dumps({
            "head": {"vars": res.vars},
            "results": {"bindings": [
                {k: term_json(v) for k, v in r.items() if v is not None} for r in res.rows]},
        }, indent=2, ensure_ascii=False)
    cells = [[("" if r.get(v) is None else str(r[v])) for v in res.vars] for r in res.rows]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(res.vars)
        w.writerows(cells)
        return buf.getvalue()
    widths = [min(60, max([len(v)] + [len(c[i]) for c in cells])) for i, v in enumerate(res.vars)]

    def line(values: list[str]) -> str:
        return "  ".join(v[:60].ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(res.vars), line(["-" * w for w in widths])] + [line(c) for c in cells]
    out.append(f"({len(res.rows)} row{'s' if len(res.rows) != 1 else ''}"
               f"{', truncated' if res.truncated else ''})")
    return "\n".join(out)
