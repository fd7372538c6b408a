"""The same checks on every backend: rdflib in memory, embedded persistent Oxigraph, a
live `oxigraph serve` and a live Virtuoso reached over HTTP (started here on free loopback
ports, stopped after). The memory store's answers are checked against the survey by the other test
modules; here every backend must give the same answers on the same graph."""

from __future__ import annotations

import dataclasses
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from kg.errors import QueryError
from kg.explain import explain, resolve_node
from kg.sparql import run_query
from kg.stores.oxigraph import OxigraphStore
from kg.stores.remote import RemoteStore
from kg.table import table_rows
from kg.vocab import iri
from tests.procs import stop, virtuoso
from tests.tiers import slow

OXIGRAPH_BIN = Path(sys.executable).with_name("oxigraph")
BACKENDS = ["memory", "oxigraph", pytest.param("remote", marks=pytest.mark.slow),
            pytest.param("virtuoso", marks=pytest.mark.slow)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """`oxigraph serve` on a free 127.0.0.1 port with an on-disk location; its query URL."""
    exe = OXIGRAPH_BIN if OXIGRAPH_BIN.exists() else shutil.which("oxigraph")
    if not exe:
        pytest.fail("the oxigraph server binary is not installed (pip package 'oxigraph')")
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph-serve")
    proc = subprocess.Popen([str(exe), "serve", "--location", str(location),
                             "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode() if proc.poll() is not None else ""
                    pytest.fail(f"oxigraph serve did not start on port {port}: {err}")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/query"
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def oxigraph_store(graph, tmp_path_factory):
    s = OxigraphStore(tmp_path_factory.mktemp("oxigraph") / "store")
    s.load(graph)
    return s


@pytest.fixture(scope="session")
def remote_store(graph, oxigraph_server):
    s = RemoteStore(oxigraph_server, timeout=30)
    s.load(graph)
    return s


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """Virtuoso (`virtuoso-t -f`) with its own database on free 127.0.0.1 ports; its /sparql
    URL. Skipped only when Virtuoso is not installed (scripts/install.sh --test installs it)."""
    if not shutil.which("virtuoso-t"):
        pytest.skip("virtuoso-t is not installed (Debian package virtuoso-opensource; "
                    "scripts/install.sh --test installs it)")
    with virtuoso(tmp_path_factory.mktemp("virtuoso")) as url:
        yield url


@pytest.fixture(scope="session")
def virtuoso_store(graph, virtuoso_server):
    s = RemoteStore(virtuoso_server, timeout=60)
    assert s.dialect == "virtuoso"
    s.load(graph)
    return s


@pytest.fixture(params=BACKENDS)
def backend(request, store):
    if request.param == "memory":
        return store
    return request.getfixturevalue(f"{request.param}_store")


# ------------------------------------------------------------------ loading


def test_loaded_graph_is_the_graph(backend, graph):
    got = backend.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert len(got) == len(graph)
    assert len(got ^ graph) == 0  # no blank nodes: set equality is isomorphism


@slow  # tiers.py: two whole loads (one load: test_loaded_graph_is_the_graph)
@pytest.mark.parametrize("kind", ["oxigraph", "remote", "virtuoso"])
def test_load_is_idempotent(kind, graph, request, tmp_path):
    s = (OxigraphStore(tmp_path / "ox") if kind == "oxigraph"
         else request.getfixturevalue(f"{kind}_store"))
    first = s.load(graph)
    assert s.load(graph) == first == len(graph)
    smaller = graph.__class__()
    for t in list(graph)[:10]:
        smaller.add(t)
    assert s.load(smaller) == 10  # replaced, not added to
    assert s.load(graph) == len(graph)


# ------------------------------------------------------------------ the package's queries


@pytest.mark.parametrize("name", ["attacks", "defenses"])
def test_tables(backend, store, name):
    assert table_rows(backend, name) == table_rows(store, name)


@pytest.mark.parametrize("text", ["DDPM", "Membership inference", "Cutout",
                                  "Are Diffusion Models Vulnerable to Membership Inference "
                                  "Attacks?", "Black-box"])
def test_explain(backend, store, text):
    node = resolve_node(backend, text)
    assert node == resolve_node(store, text)
    assert explain(backend, node).as_dict() == explain(store, node).as_dict()


def test_select_with_bound_values(backend):
    q = "SELECT ?a WHERE { ?a rd:threat ?t ; rd:evaluatedOn ?m }"
    got = backend.select(q, {"t": iri("threat", "Membership inference"),
                             "m": iri("model", "DDPM")})
    assert got.vars == ["a"]
    assert len(got) >= 3
    assert iri("attack", "Are Diffusion Models Vulnerable to Membership Inference Attacks?") in {
        r["a"] for r in got}
    # a projected bound variable comes back as bound
    got = backend.select("SELECT ?t ?a WHERE { ?a rd:threat ?t }",
                         {"t": iri("threat", "Property inference")})
    assert {r["t"] for r in got} == {iri("threat", "Property inference")}


def test_literal_bindings_are_values_not_text(backend):
    q = "SELECT ?n WHERE { ?n rdfs:label ?l }"
    assert len(backend.select(q, {"l": Literal("DDPM")})) == 1
    for evil in ['DDPM" } UNION { ?n ?p ?l', "x\\\" } #", "a\nb", '"""', "} }"]:
        assert len(backend.select(q, {"l": Literal(evil)})) == 0
    assert len(backend.select(q, {"l": Literal("DDPM", lang="en")})) == 0  # a different term


def test_ask_and_construct_with_bindings(backend, store):
    q = "ASK { ?a a rd:Attack ; rd:threat ?t }"
    for t in ("Membership inference", "Gradient inversion"):
        b = {"t": iri("threat", t)}
        assert backend.ask(q, b) is store.ask(q, b) is True
    assert backend.ask(q, {"t": URIRef("https://example.org/nothing")}) is False
    c = "CONSTRUCT { ?a rd:threat ?t } WHERE { ?a rd:threat ?t }"
    b = {"t": iri("threat", "Membership inference")}
    got = backend.construct(c, b)
    assert len(got) > 5 and len(got ^ store.construct(c, b)) == 0


def test_typed_and_plain_literals_come_back_alike(backend, store):
    q = "SELECT ?n ?c WHERE { ?r rd:rowNumber ?n ; rd:hasCell ?c } ORDER BY ?n ?c LIMIT 5"
    assert backend.select(q).rows == store.select(q).rows
    q = "SELECT ?l WHERE { ?m a rd:TargetModel ; rdfs:label ?l } ORDER BY ?l"
    got = [r["l"] for r in backend.select(q)]
    assert got == [r["l"] for r in store.select(q)] and got[0].datatype is None


@pytest.mark.parametrize("query", [
    "SELECT ?a ?t WHERE { ?a rd:threat ?t } ORDER BY ?a",
    "SELECT ?t (COUNT(?a) AS ?n) WHERE { ?a rd:threat ?t } GROUP BY ?t ORDER BY ?t",
    "ASK { ?x a rd:Paper }",
    "CONSTRUCT { ?m skos:broader ?b } WHERE { ?m skos:broader ?b }",
])
def test_user_sparql_read_only(backend, store, query):
    got, want = run_query(backend, query), run_query(store, query)
    assert (got.form, got.vars, got.rows, got.boolean) == (want.form, want.vars, want.rows,
                                                          want.boolean)
    if want.graph is not None:
        assert len(got.graph ^ want.graph) == 0


@pytest.mark.parametrize("query", ["INSERT DATA { <x:a> <x:b> <x:c> }",
                                   "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }"])
def test_user_updates_refused_on_every_backend(backend, query):
    with pytest.raises(QueryError, match="refused"):
        run_query(backend, query)
    assert not backend.ask("ASK { <x:a> <x:b> <x:c> }")


# ------------------------------------------------------------------ coverage, gaps, ask


def _plain(x):
    return dataclasses.asdict(x) if dataclasses.is_dataclass(x) else x


@pytest.mark.parametrize("by,level", [("model", "model"), ("model", "family"),
                                      ("knowledge", "model"), ("defense", "model")])
def test_coverage(backend, store, by, level):
    from kg.coverage import cells
    got, want = cells.matrix(backend, by, level), cells.matrix(store, by, level)
    assert _plain(got) == _plain(want)
    assert len(want.cells) > 0


def test_gaps(backend, store):
    from kg.coverage import gaps
    want = [g.as_dict() for g in gaps.find_gaps(store)]
    assert want, "the survey has gaps"
    assert [g.as_dict() for g in gaps.find_gaps(backend)] == want


QUESTIONS = [
    "Which attacks target Stable Diffusion?",
    "What defenses mitigate membership inference?",
    "Which black-box attacks are there?",
    "How many attacks work on DDPM?",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_ask(backend, store, question):
    import kg.ask as ask
    got, want = ask.ask(backend, question), ask.ask(store, question)
    assert want.count > 0
    assert got.as_dict() == want.as_dict()


# ------------------------------------------------------------------ the CLI on each store


@slow  # a whole build or load (SHACL validation), a real part end to end
def test_cli_load_and_query_oxigraph(kg_cli, tmp_path, store):
    setting = f"oxigraph:{tmp_path / 'ox'}"
    r = kg_cli("load", "--store", setting, "--json")
    assert r.exit_code == 0, r.output
    again = kg_cli("load", "--store", setting, "--json")
    assert '"triples"' in again.output
    n1 = [ln for ln in r.output.splitlines() if '"triples"' in ln]
    n2 = [ln for ln in again.output.splitlines() if '"triples"' in ln]
    assert n1 == n2
    mem = kg_cli("table", "attacks", "--format", "csv")
    ox = kg_cli("table", "attacks", "--format", "csv", "--store", setting)
    assert ox.exit_code == 0 and ox.output == mem.output
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s a rd:Attack }"
    assert kg_cli("sparql", q, "--store", setting).output == kg_cli("sparql", q).output


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["remote", "virtuoso"])
def test_cli_remote_store(kg_cli, kind, request):
    url = request.getfixturevalue(f"{kind}_store").url
    r = kg_cli("explain", "DDPM", "--json", "--store", url)
    assert r.exit_code == 0, r.output
    assert r.output == kg_cli("explain", "DDPM", "--json").output


@pytest.mark.slow
def test_cli_load_and_query_virtuoso(kg_cli, virtuoso_server):
    """`kg load --store URL`, then every query command on it gives what memory gives."""
    r = kg_cli("load", "--store", virtuoso_server, "--json")
    assert r.exit_code == 0, r.output
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s a rd:Attack }"
    for args in (("sparql", q), ("ask", "Which attacks target Stable Diffusion?"),
                 ("gaps",), ("coverage",), ("table", "defenses", "--format", "csv"),
                 ("explain", "Membership inference")):
        got = kg_cli(*args, "--store", virtuoso_server)
        assert got.exit_code == 0, (args, got.output)
        assert got.output == kg_cli(*args).output, args


@slow  # a whole build and two loads through the CLI
def test_cli_load_reads_the_build_only_while_it_is_current(kg_cli, survey_build, tmp_path,
                                                           monkeypatch, store):
    """`kg load` without --graph loads the build's graph.nt only when it is a build of the
    current sources by this code (the graph memory queries read); a stale build is said,
    and the graph is built from the sources instead."""
    import json as json_

    from tests.built import copy_build

    out = copy_build(survey_build, tmp_path / "build")
    monkeypatch.setenv("KG_BUILD_DIR", str(out))
    setting = f"oxigraph:{tmp_path / 'ox'}"
    r = kg_cli("load", "--store", setting, "--json")
    assert r.exit_code == 0, r.output
    assert json_.loads(r.output)["from"] == str(out / "graph.nt")
    record = out / "version.json"  # built by other code: no longer current
    rec = json_.loads(record.read_text())
    record.resolve().write_text(json_.dumps({**rec, "builder": "0" * 64}))
    r = kg_cli("load", "--store", setting, "--json")
    assert r.exit_code == 0, r.output
    d = json_.loads(r.output)
    assert d["from"].startswith("graph built from") and "is not a build of the current" in d["from"]
    assert d["triples"] == store.triple_count()


def test_bad_store_setting_is_one_line_error(kg_cli):
    r = kg_cli("table", "attacks", "--store", "postgres://x")
    assert r.exit_code == 1
    assert "expected 'memory', 'oxigraph:PATH'" in r.output



@pytest.mark.slow
def test_virtuoso_readers_never_see_a_load_half_done(graph, virtuoso_store):
    """Virtuoso's own PUT and MOVE show readers an empty or partial graph; a load here
    writes fresh graphs and switches one catalog version, so a reader counts the old graph
    or the new one, never anything between. Versions replaced more than a grace time
    ago go at the next load."""
    import threading

    small = graph.__class__()
    for t in list(graph)[:10]:
        small.add(t)
    reader = RemoteStore(virtuoso_store.url, timeout=60)
    done, seen = threading.Event(), set()
    before = reader.triple_count()  # what an earlier test left: the old graph, readable

    def load():
        try:
            for g in (small, graph, small, graph):
                virtuoso_store.load(g)
        finally:
            done.set()

    thread = threading.Thread(target=load)
    thread.start()
    while not done.is_set():
        seen.add(reader.triple_count())
    thread.join()
    assert seen <= {before, len(graph), 10}
    assert virtuoso_store.triple_count() == len(graph)
    import kg.stores.virtuoso

    virt = virtuoso_store._virt()
    assert len(virt._versions()) >= 5  # all replaced within the grace time: kept
    before = {g for m in virt._versions().values() for g in m.values()}
    try:
        kg.stores.virtuoso._GRACE = 0.0
        virtuoso_store.load(graph)
    finally:
        kg.stores.virtuoso._GRACE = 120.0
    (live,) = virt._versions().values()  # the older versions and their graphs are gone
    graphs = {r["g"] for r in virtuoso_store.select(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert not graphs & {URIRef(g) for g in before}
    assert virtuoso_store.triple_count() == len(graph) and live.keys() >= {"urn:kg:default"}
