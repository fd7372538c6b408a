"""Read-only SPARQL: what is refused, what is said, what is returned."""

from __future__ import annotations

import json

import pytest

from kg.errors import QueryError
from kg.sparql import format_result, run_query
from kg.sparql_text import check_read_only


@pytest.mark.parametrize("q,needle", [
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "updates"),
    ("DELETE WHERE { ?s ?p ?o }", "updates"),
    ("LOAD <http://example.org/x.ttl>", "updates"),
    ("CLEAR ALL", "updates"),
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * FROM <http://example.org/x.ttl> WHERE { ?s ?p ?o }", "FROM"),
    ("SELECT * FROM NAMED <http://example.org/x.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }", "FROM"),
    ("", "empty"),
])
def test_refused(q, needle):
    with pytest.raises(QueryError, match=needle):
        check_read_only(q)


def test_syntax_error_names_line_and_column():
    with pytest.raises(QueryError, match=r"syntax error at line 2, column \d+"):
        check_read_only("SELECT ?s\nWHERE { ?s ?p }")


def test_formats_and_limit(store):
    q = "SELECT ?p ?t WHERE { ?p a rd:Paper ; dcterms:title ?t } ORDER BY ?t"
    res = run_query(store, q, limit=5)
    assert len(res.rows) == 5 and res.truncated
    data = json.loads(format_result(res, "json"))
    assert data["head"]["vars"] == ["p", "t"]
    assert data["results"]["bindings"][0]["p"]["type"] == "uri"
    csv = format_result(res, "csv")
    assert csv.splitlines()[0] == "p,t" and len(csv.splitlines()) == 6
    assert "truncated" in format_result(res, "table")
    assert format_result(run_query(store, "ASK { ?a a rd:Attack }"), "table") == "true"


def test_cli_refuses_and_reports(kg_cli, tmp_path):
    r = kg_cli("sparql", "DROP GRAPH <urn:x>")
    assert r.exit_code == 1 and "read-only" in r.output
    r = kg_cli("sparql", "SELECT ?x WHERE { ?x a }")
    assert r.exit_code == 1 and "syntax error" in r.output
    f = tmp_path / "q.rq"
    f.write_text("SELECT (COUNT(?a) AS ?n) WHERE { ?a a rd:Attack }", encoding="utf-8")
    r = kg_cli("sparql", str(f), "--format", "csv")
    assert r.exit_code == 0 and r.output.splitlines() == ["n", "16"]


def test_stats_counts_through_sparql(kg_cli, graph):
    from kg.build import counts

    r = kg_cli("stats", "--json")
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert data["triples"] == len(graph)
    assert data["counts"] == dict(counts(graph))
