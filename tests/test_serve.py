"""`kg serve`'s endpoint (kg.serve, kg.media) through Starlette's test client: the SPARQL 1.1
Protocol's ways to send a query, every result format parsed back by rdflib, refusals (updates,
SERVICE, datasets) with their reasons, the service description, /health's version, CORS.
The same endpoint under uvicorn with real clients is tests/test_serve_clients.py (slow)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.query import Result
from starlette.testclient import TestClient

from kg.errors import KGError
from kg.export.views import graph_version
from kg.media import negotiate, offers
from kg.serve import SD, Config, check_origin, make_app
from kg.vocab import RD

PAPERS = "SELECT ?p ?title WHERE { ?p a rd:Paper ; dcterms:title ?title } ORDER BY ?p"
CONSTRUCT = "CONSTRUCT { ?p a rd:Paper } WHERE { ?p a rd:Paper }"


@pytest.fixture(scope="module")
def client(store):
    return TestClient(make_app(Config(store, timeout=20, cors=("https://yasgui.example",))))


@pytest.fixture(scope="module")
def papers(graph) -> int:
    """Papers counted in the graph by rdflib directly (no SPARQL, no endpoint)."""
    return len(set(graph.subjects(RDF.type, RD.Paper)))


def test_get_post_form_and_query_body_give_the_same_rows(client, papers):
    got = [client.get("/sparql", params={"query": PAPERS}),
           client.post("/sparql", data={"query": PAPERS}),
           client.post("/sparql", content=PAPERS.encode(),
                       headers={"Content-Type": "application/sparql-query"})]
    assert [r.status_code for r in got] == [200, 200, 200]
    bodies = [r.json() for r in got]
    assert bodies[0] == bodies[1] == bodies[2]
    assert bodies[0]["head"]["vars"] == ["p", "title"]
    assert len(bodies[0]["results"]["bindings"]) == papers


@pytest.mark.parametrize("accept,fmt", [
    ("application/sparql-results+json", "json"), ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"), ("text/tab-separated-values", "tsv")])
def test_every_select_format_parses_to_the_same_rows(client, accept, fmt, papers):
    r = client.get("/sparql", params={"query": PAPERS}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    if fmt == "csv":  # rdflib reads CSV results as plain literals: compare the text
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[0] == ["p", "title"] and len(rows) == papers + 1
        return
    res = Result.parse(io.BytesIO(r.content), format=fmt)
    assert [str(v) for v in res.vars] == ["p", "title"]
    rows = list(res)
    assert len(rows) == papers
    assert all(isinstance(p, URIRef) and isinstance(t, Literal) for p, t in rows)


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"),
                                        ("application/n-triples", "nt"),
                                        ("application/ld+json", "json-ld"),
                                        ("application/rdf+xml", "xml")])
def test_construct_in_every_graph_format(client, accept, fmt, papers):
    r = client.post("/sparql", data={"query": CONSTRUCT}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    g = Graph().parse(data=r.content, format=fmt)
    assert len(set(g.subjects(RDF.type, RD.Paper))) == papers


def test_ask_and_quality_values_and_format_parameter(client):
    r = client.get("/sparql", params={"query": "ASK { ?p a rd:Paper }"},
                   headers={"Accept": "text/csv;q=0.9, application/sparql-results+xml;q=0.5"})
    assert r.status_code == 200 and "xml" in r.headers["content-type"]  # no CSV for ASK
    assert Result.parse(io.BytesIO(r.content), format="xml").askAnswer is True
    r = client.get("/sparql", params={"query": PAPERS, "format": "csv"},
                   headers={"Accept": "application/sparql-results+json"})
    assert r.headers["content-type"].startswith("text/csv")  # SPARQLWrapper's parameter
    r = client.get("/sparql", params={"query": PAPERS}, headers={"Accept": "text/html"})
    assert r.status_code == 406 and "text/csv" in r.text


def test_negotiation_takes_the_most_specific_range():
    sel = offers("select")
    assert negotiate(None, sel) == "application/sparql-results+json"
    assert negotiate("*/*", sel) == "application/sparql-results+json"
    assert negotiate("text/*;q=0.8, text/csv;q=0.1", sel) == "text/tab-separated-values"
    assert negotiate("application/sparql-results+json;q=0, */*;q=0.1", sel) == \
        "application/sparql-results+xml"
    assert negotiate("image/png", sel) is None


@pytest.mark.parametrize("how,why", [
    ({"data": {"update": "DELETE WHERE { ?s ?p ?o }"}}, "read-only"),
    ({"content": b"DELETE WHERE { ?s ?p ?o }",
      "headers": {"Content-Type": "application/sparql-update"}}, "read-only"),
    ({"data": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}}, "updates"),
    ({"data": {"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}},
     "SERVICE is not allowed"),
    ({"data": {"query": "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }"}}, "FROM"),
    ({"data": {"query": PAPERS, "default-graph-uri": "http://example.org/g"}},
     "default-graph-uri is not allowed"),
    ({"data": {"query": "SELECT ?x WHERE { ?x a }"}}, "yntax"),
    ({"data": {}}, "no query"),
])
def test_refused_with_400_and_the_reason(client, how, why):
    r = client.post("/sparql", **how)
    assert r.status_code == 400, r.text
    assert why in r.text
    assert client.get("/sparql", params={"query": "ASK { ?p a rd:Paper }"}).status_code == 200


def test_rows_cut_at_the_limit_say_so(store):
    c = TestClient(make_app(Config(store, limit=3, timeout=20)))
    r = c.get("/sparql", params={"query": PAPERS})
    assert len(r.json()["results"]["bindings"]) == 3
    assert "row limit" in r.headers["KG-Truncated"]


def test_a_runaway_query_is_a_400_at_its_deadline(store):
    c = TestClient(make_app(Config(store, timeout=1)))
    r = c.get("/sparql", params={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?d"})
    assert r.status_code == 400 and ("ran longer than 1 s" in r.text or "MB" in r.text)


def test_service_description_and_health_name_the_graph_version(client, store):
    v = graph_version(store)
    h = client.get("/health").json()
    assert (h["status"], h["version"], h["graph_sha256"], h["triples"]) == \
        ("ok", v["version"], v["graph_sha256"], v["triples"])
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=r.text, format="turtle")
    service = URIRef("http://testserver/sparql")
    assert (service, RDF.type, SD.Service) in g
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert Literal(v["version"]) in set(g.objects())
    assert json.loads(client.get("/sparql", headers={"Accept": "application/ld+json"}).text)


def test_cors_only_for_the_origins_given(client, store):
    pre = {"Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST"}
    r = client.options("/sparql", headers=pre)
    assert r.headers["access-control-allow-origin"] == "https://yasgui.example"
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    closed = TestClient(make_app(Config(store)))
    r = closed.get("/health", headers={"Origin": "https://yasgui.example"})
    assert "access-control-allow-origin" not in r.headers


@pytest.mark.parametrize("bad", ["ftp://x.org", "https://x.org/path", "localhost:3000"])
def test_a_bad_cors_origin_is_one_line(bad):
    with pytest.raises(KGError, match="--cors"):
        check_origin(bad)
    assert check_origin("http://localhost:3000/") == "http://localhost:3000"


def test_serve_refuses_a_bad_port_or_origin(kg_cli, runner):
    from kg.cli import main

    r = runner.invoke(main, ["serve", "--port", "70000"])
    assert r.exit_code != 0 and "TCP port" in r.output
    r = runner.invoke(main, ["serve", "--cors", "ftp://x.org"])
    assert r.exit_code == 1 and "--cors" in r.output
