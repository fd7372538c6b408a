"""The read-only guard on every engine (issue 30, item 1): the text that runs is the text
that was checked. A corpus of escape, comment, Unicode, case and nesting tricks, each built
around a SERVICE call, a vendor built-in or an update, goes through the check and then
through each engine (rdflib in memory, embedded Oxigraph, a live ``oxigraph serve``, a live
Virtuoso): no query reaches the local listener, and the store keeps its one triple."""

from __future__ import annotations

import http.server
import threading

import pytest
from rdflib import Graph, Literal, URIRef

from kg.errors import QueryError
from kg.sparql import run_query
from kg.sparql_text import check_read_only
from kg.stores.memory import MemoryStore
from kg.stores.oxigraph import OxigraphStore
from kg.stores.remote import RemoteStore
from tests.test_backends import oxigraph_server, virtuoso_server  # noqa: F401  (fixtures)

SENTINEL = (URIRef("x:keep"), URIRef("x:p"), Literal("kept"))
ANSWER = (b'{"head":{"vars":["o"]},"results":{"bindings":'
          b'[{"o":{"type":"literal","value":"LEAKED"}}]}}')


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def _answer(self):
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def listener():
    """A SPARQL endpoint on 127.0.0.1 that records every request; its URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    server.shutdown()


#: (name, query) with {url} the listener's URL. Each hides a SERVICE, a URL fetch or an
#: update from one parser or another.
CORPUS = [
    ("comment ends at CR", "SELECT ?o WHERE { ?s ?p ?q # hidden\r SERVICE <{url}> { ?x ?y ?o }\n}"),
    ("comment CR only", "SELECT ?o WHERE { # \rSERVICE <{url}> { ?x ?y ?o } }"),
    ("u0022 closes a string for rdflib only",
     'SELECT ?o WHERE { BIND("\\u0022 AS ?z) BIND(" AS ?w) SERVICE <{url}> { ?x ?y ?o } '
     '#" AS ?v)\n}'),
    ("U00000022 long escape",
     'SELECT ?o WHERE { BIND("\\U00000022 AS ?z) BIND(" AS ?w) SERVICE <{url}> { ?x ?y ?o } '
     '#" AS ?v)\n}'),
    ("u escape in a keyword", "SELECT ?o WHERE { \\u0053ERVICE <{url}> { ?x ?y ?o } }"),
    ("u escape in the IRI", "SELECT ?o WHERE { SERVICE <http\\u003A//127.0.0.1/> { ?x ?y ?o } }"),
    ("plain SERVICE", "SELECT ?o WHERE { SERVICE <{url}> { ?x ?y ?o } }"),
    ("case", "select ?o where { sErViCe SiLeNt <{url}> { ?x ?y ?o } }"),
    ("prefixed name hides the URL",
     "PREFIX e: <{url}> SELECT ?o WHERE { SERVICE e: { ?x ?y ?o } }"),
    ("nested subqueries",
     "SELECT ?o WHERE { { SELECT ?o WHERE { { SELECT ?o WHERE { OPTIONAL { SERVICE <{url}> "
     "{ ?x ?y ?o } } } } } } }"),
    ("SERVICE on a variable", "SELECT ?o WHERE { VALUES ?u { <{url}> } SERVICE ?u { ?x ?y ?o } }"),
    ("inside EXISTS", "ASK { FILTER EXISTS { SERVICE <{url}> { ?x ?y ?o } } }"),
    ("CONSTRUCT", "CONSTRUCT { ?x ?y ?o } WHERE { SERVICE <{url}> { ?x ?y ?o } }"),
    ("FROM", "SELECT * FROM <{url}> WHERE { ?s ?p ?o }"),
    ("FROM NAMED", "SELECT * FROM NAMED <{url}> WHERE { GRAPH ?g { ?s ?p ?o } }"),
    ("unicode line separator ends a comment",
     "SELECT ?o WHERE { # x\u2028 SERVICE <{url}> { ?x ?y ?o }\n}"),
    ("next line ends a comment", "SELECT ?o WHERE { # x\u0085 SERVICE <{url}> { ?x ?y ?o }\n}"),
    ("zero-width space", "SELECT ?o WHERE { SERVICE\u200b<{url}> { ?x ?y ?o } }"),
    ("bif http_get", 'PREFIX bif: <bif:> SELECT (bif:http_get("{url}") AS ?o) WHERE {}'),
    ("bif predeclared on Virtuoso", 'SELECT (bif:http_get("{url}") AS ?o) WHERE {}'),
    ("bif as an IRI", 'SELECT (<bif:http_get>("{url}") AS ?o) WHERE {}'),
    ("bif under another prefix", 'PREFIX f: <bif:> SELECT ?o WHERE { BIND(f:http_get("{url}") AS ?o) }'),
    ("bif case", 'PREFIX B: <BIF:> SELECT (B:http_get("{url}") AS ?o) WHERE {}'),
    ("sql procedure", 'PREFIX sql: <sql:> SELECT (sql:http_get("{url}") AS ?o) WHERE {}'),
    ("bif behind a u0022",
     'SELECT ?o WHERE { BIND("\\u0022 AS ?z) BIND(" AS ?w) BIND(<bif:http_get>("{url}") AS ?o) '
     '#" AS ?v)\n}'),
    ("BASE makes a bif IRI", 'BASE <bif:> SELECT (<http_get>("{url}") AS ?o) WHERE {}'),
    ("update via http_get on the endpoint itself",
     'SELECT (<bif:http_get>(CONCAT("{url}?query=", ENCODE_FOR_URI("CLEAR GRAPH <x:g>"))) '
     'AS ?o) WHERE {}'),
    ("update after a CR comment", "ASK {} # \rCLEAR DEFAULT\n"),
    ("update", "CLEAR DEFAULT"),
    ("insert", "INSERT DATA { <x:a> <x:b> <x:c> }"),
    ("delete", "DELETE WHERE { ?s ?p ?o }"),
    ("LOAD", "LOAD <{url}>"),
    ("update after a query", "ASK {} ; CLEAR DEFAULT"),
    ("DESCRIBE a URL", "DESCRIBE <{url}>"),
]


def _queries(url: str):
    return [pytest.param(q.replace("{url}", url), id=name) for name, q in CORPUS]


REFUSED_BY_NAME = ["comment ends at CR", "u0022 closes a string for rdflib only",
                   "bif http_get", "bif predeclared on Virtuoso", "bif as an IRI"]


@pytest.mark.parametrize("name", REFUSED_BY_NAME)
def test_both_high_reproductions_are_refused(name):
    query = dict(CORPUS)[name].replace("{url}", "http://127.0.0.1:9/sparql")
    with pytest.raises(QueryError, match="refused"):
        check_read_only(query)


def _survives(store, listener_url: str, size) -> None:
    """Every corpus query through ``store`` (refused, failed or answered): the listener saw
    no request and the store still holds exactly its sentinel."""
    _Recorder.hits.clear()
    allowed = []
    for name, q in CORPUS:
        try:
            run_query(store, q.replace("{url}", listener_url), timeout=20)
            allowed.append(name)
        except QueryError:
            pass
    assert _Recorder.hits == [], f"reached the listener: {_Recorder.hits}"
    assert size() == 1, "the store changed"
    assert set(allowed) <= HARMLESS, allowed


#: Corpus queries the check may allow: in the text that runs, the comment goes on to the
#: line end (U+2028 and U+0085 end no comment), so no SERVICE is left; DESCRIBE of an IRI
#: reads the store only.
HARMLESS = {"unicode line separator ends a comment", "next line ends a comment",
            "DESCRIBE a URL"}


def _graph() -> Graph:
    g = Graph()
    g.add(SENTINEL)
    return g


def test_corpus_on_memory(listener):
    store = MemoryStore(_graph())
    _survives(store, listener, lambda: len(store.graph))


# A second process per query (35 forks of a worker grown large by the run: 2-8 s). The memory
# store runs the same corpus on the same engine (Oxigraph, in memory) in the fast subset, and
# tests/test_backends.py refuses updates on an embedded Oxigraph directory there.
@pytest.mark.slow
def test_corpus_on_embedded_oxigraph(listener, tmp_path):
    store = OxigraphStore(tmp_path / "ox")
    store.load(_graph())
    _survives(store, listener, lambda: len(store.ox))


def _remote_size(store: RemoteStore):
    return lambda: int(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"])


@pytest.mark.slow  # a live oxigraph serve
def test_corpus_on_oxigraph_serve(listener, oxigraph_server):  # noqa: F811
    store = RemoteStore(oxigraph_server, timeout=30)
    store.load(_graph())
    _survives(store, listener, _remote_size(store))


@pytest.mark.slow  # a live Virtuoso
def test_corpus_on_virtuoso(listener, virtuoso_server):  # noqa: F811
    store = RemoteStore(virtuoso_server, timeout=30)
    store.load(_graph())
    _survives(store, listener, _remote_size(store))
