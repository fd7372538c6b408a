"""Read-only SPARQL on a user's behalf: refuse updates, LOAD, SERVICE and FROM; run in a
worker process that is killed at the deadline, with memory, text, row and triple limits
(kg.worker); say where a syntax error is."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import QueryError
from .stores.base import Store
from .worker import Limits, run_in_worker


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


@dataclass
class QueryResult:
    form: str
    vars: list[str] = field(default_factory=list)
    rows: list[dict[str, Node | None]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None
    truncated: bool = False


def run_query(store: Store, text: str, limit: int | None = None,
              timeout: float | None = None, owner: object = None) -> QueryResult:
    """Run a user's read-only query in a worker process that is killed at the deadline
    (parse and read-only check included), with a memory cap, the text size capped, rows
    cut at ``limit`` and CONSTRUCT/DESCRIBE at ``construct_max_triples`` (kg.worker); a run
    for an ``owner`` (a browser session) stops that owner's previous one."""
    if not text or not text.strip():
        raise QueryError("empty query")
    limits = Limits.from_settings(timeout=timeout, rows=limit)
    form, payload = run_in_worker(store, text, limits, owner)
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
    # every column as wide as its longest value: a value is never cut (use --format csv
    # or json for a narrower output)
    widths = [max([len(v)] + [len(c[i]) for c in cells]) for i, v in enumerate(res.vars)]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(res.vars), line(["-" * w for w in widths])] + [line(c) for c in cells]
    out.append(f"({len(res.rows)} row{'s' if len(res.rows) != 1 else ''}"
               f"{', truncated' if res.truncated else ''})")
    return "\n".join(out)
