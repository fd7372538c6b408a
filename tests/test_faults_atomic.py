"""All-or-nothing writes and whole-request deadlines, under injected faults.

* ``kg build`` and ``kg load --store oxigraph:DIR`` killed (SIGKILL) at random moments: the
  build directory / store holds the complete old content or the complete new one, never a
  mix, and nothing is left outside the build directory (kg.snapshot);
* a truncated ``--graph`` file: a one-line error naming the file and line, store unchanged;
* a slow-drip server (one byte every 0.5 s) and a server that never answers: ``kg sparql``
  and ``kg load`` fail within KG_QUERY_TIMEOUT + 1 s, naming the endpoint.

The kill runs take the moments from a seeded random (``KG_FAULT_SEED``, printed on failure).
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kg.errors import EndpointError
from kg.stores.oxigraph import OxigraphStore
from kg.stores.remote import RemoteStore
from tests.tiers import slow

from .conftest import SURVEY
from .test_backends import oxigraph_server  # noqa: F401  (fixture: a real `oxigraph serve`)
from .test_faults import TinyServer

KG = [sys.executable, "-c", "from kg.cli import main; main()"]
SEED = int(os.environ.get("KG_FAULT_SEED", "20261202"))
RUNS = int(os.environ.get("KG_FAULT_RUNS", "6"))


def _kg(*args: str) -> list[str]:
    return [*KG, *args]


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONDONTWRITEBYTECODE": "1"}


class Phases:
    """When a command, in a calibration run, began to write (``writing()`` became true) and
    switched (``switched()`` became true), seconds after its start."""

    def __init__(self, cmd: list[str], writing, switched) -> None:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        self.write = self.switch = None
        while p.poll() is None:
            now = time.monotonic() - t0
            if self.write is None and writing():
                self.write = now
            if self.switch is None and switched():
                self.switch = now
            time.sleep(0.001)
        self.exit = time.monotonic() - t0
        assert p.returncode == 0 and self.write is not None, "calibration run failed"
        self.switch = self.switch or self.exit


def _moments(ph: Phases, rng: random.Random) -> list[tuple[str, float]]:
    """Where to kill: a quarter anywhere in the run (from its start), the rest inside the
    write phase (from the moment it begins, up to a little past the switch)."""
    window = max(ph.switch - ph.write, 0.005) * 1.2
    return [("start", rng.uniform(0.05, ph.exit)) if i % 4 == 3 else
            ("writing", rng.uniform(0, window)) for i in range(RUNS)]


def _anchors() -> list[tuple[str, float]]:
    """Two fixed moments: as soon as the write begins (a load must leave the old content;
    a build's write takes a few ms, so it may have finished) and as soon as the switch is
    seen (must leave the new content, whatever the cleanup after it)."""
    return [("writing", 0.0), ("switched", 0.0)]


def _kill_at(cmd: list[str], moment: tuple[str, float], writing, switched) -> int | None:
    """Run ``cmd`` and SIGKILL it ``moment[1]`` s after its start, after it began to write
    (``writing()``) or after it switched (``switched()``), both polled every ms; its exit
    status."""
    p = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for = {"writing": writing, "switched": switched}.get(moment[0])
    try:
        if wait_for is not None:
            while p.poll() is None and not wait_for():
                time.sleep(0.0005)
        p.wait(timeout=moment[1]) if moment[1] else None
        if p.poll() is None:
            raise subprocess.TimeoutExpired(cmd, moment[1])
    except subprocess.TimeoutExpired:
        p.kill()
    return p.wait()


def _edited_survey(tmp_path: Path) -> Path:
    p = tmp_path / "survey-new.md"
    text = SURVEY.read_text(encoding="utf-8")
    old = "Extract training samples from DMs"
    assert old in text
    p.write_text(text.replace(old, "Extract training samples from DMs (edited copy)", 1),
                 encoding="utf-8")
    return p


# ------------------------------------------------------------------ build


def build_state(out: Path) -> dict[str, bytes]:
    """The build's files by name, read through build/current (what every reader follows);
    the stable per-file links must agree with it."""
    version = out / os.readlink(out / "current")
    files = {p.name: p.read_bytes() for p in version.iterdir()}
    for name, data in files.items():
        assert (out / name).read_bytes() == data, f"{name}: the link disagrees with current"
    return files


def _consistent(files: dict[str, bytes]) -> None:
    record = json.loads(files["version.json"])
    assert hashlib.sha256(files["graph.nt"]).hexdigest() == record["graph_sha256"]


def _no_stage_outside(root: Path, out: Path) -> None:
    stray = [p for p in root.rglob("*stage*") if out not in p.parents and p != out]
    stray = [p for p in stray if p.is_dir() and p.name.startswith(".")]
    assert not stray, f"stage folders outside the build directory: {stray}"


@pytest.mark.slow
def test_kill_9_during_build_leaves_the_old_or_the_new_build(survey_build, tmp_path):
    new_src = _edited_survey(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    out = work / "build"
    pristine = tmp_path / "pristine"  # the old build: kg build of data/ (the shared one)
    shutil.copytree(survey_build, pristine, symlinks=True)
    shutil.copytree(pristine, out, symlinks=True)
    old = build_state(out)
    _consistent(old)

    ref = tmp_path / "reference"  # the complete new build, made from the same old one
    shutil.copytree(pristine, ref, symlinks=True)
    before = os.readlink(ref / "current")
    phases = Phases(_kg("build", "--source", str(new_src), "--build-dir", str(ref)),
                    writing=lambda: any(ref.glob(".stage-*")),
                    switched=lambda: os.readlink(ref / "current") != before)
    new = build_state(ref)
    _consistent(new)
    assert new != old and new["previous.nt"] == old["graph.nt"]

    rng = random.Random(SEED)
    outcomes = []
    cmd = _kg("build", "--source", str(new_src), "--build-dir", str(out))
    for moment in _anchors() + _moments(phases, rng):
        shutil.rmtree(out)
        shutil.copytree(pristine, out, symlinks=True)
        status = _kill_at(cmd, moment, writing=lambda: any(out.glob(".stage-*")),
                          switched=lambda: os.readlink(out / "current") != before)
        state = build_state(out)
        where = f"(seed {SEED}, killed {moment}, exit {status})"
        assert state in (old, new), f"a mix of two builds {where}"
        if moment == ("switched", 0.0):
            assert state == new, f"switched, yet not the new build {where}"
        _consistent(state)
        _no_stage_outside(tmp_path, out)
        outcomes.append(("new" if state == new else "old", moment[0]))
    # what a killed build left is cleaned by the next one
    subprocess.run(_kg("build", "--source", str(new_src), "--build-dir", str(out)),
                   env=_env(), check=True, capture_output=True)
    assert build_state(out)["graph.nt"] == new["graph.nt"]
    assert not list(out.glob(".stage-*"))
    assert len(list(out.glob(".v-*"))) <= 2  # the current build and the one it replaced
    print("build kill outcomes:", outcomes)


@slow  # a whole build or load (SHACL validation), a real part end to end
def test_next_build_removes_stage_folders_left_by_a_killed_one(tmp_path):
    from kg.build import build

    out = tmp_path / "build"
    (out / ".stage-deadbeef").mkdir(parents=True)
    (out / ".stage-deadbeef" / "graph.nt").write_text("half")
    (tmp_path / ".build.stage.x1y2").mkdir()  # where versions before kg.snapshot staged
    build(build_dir=out)
    assert not (out / ".stage-deadbeef").exists()
    assert not (tmp_path / ".build.stage.x1y2").exists()
    _consistent(build_state(out))


@slow  # a whole build or load (SHACL validation), a real part end to end
def test_build_over_a_flat_build_directory_keeps_previous(tmp_path):
    """A build directory written before kg.snapshot (plain files) is switched over."""
    from kg.build import build

    out = tmp_path / "build"
    out.mkdir()
    (out / "graph.nt").write_text("<urn:x> <urn:y> <urn:z> .\n")
    (out / "version.json").write_text("{}")
    r = build(build_dir=out)
    assert r.previous_kept
    state = build_state(out)
    assert state["previous.nt"] == b"<urn:x> <urn:y> <urn:z> .\n"
    assert (out / "graph.nt").is_symlink() and (out / "previous.nt").is_symlink()


# ------------------------------------------------------------------ load (Oxigraph)

PAPERS = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a rd:Paper }"


def store_state(location: Path) -> tuple[int, int]:
    """(triples, papers) of the Oxigraph store, checking that its stored coverage summary
    belongs to that graph; the handle is released afterwards."""
    from kg.coverage import counts, summary

    st = OxigraphStore(location)
    try:
        triples = st.triple_count()
        papers = int(st.select(PAPERS).rows[0]["n"])
        stored = summary.stored(st)
        assert stored is not None, "no coverage summary"
        assert stored.fingerprint == counts.fingerprint(st) and stored.triples == triples
        return triples, papers
    finally:
        st.close()


@pytest.fixture
def old_graph_file(survey_build):
    """The survey's graph as N-Triples (the shared build's graph.nt; read only)."""
    return survey_build / "graph.nt"


@pytest.mark.slow
def test_kill_9_during_load_leaves_the_old_or_the_new_graph(tmp_path, old_graph_file):
    location = tmp_path / "ox"
    setting = f"oxigraph:{location}"
    load_old = _kg("load", "--store", setting, "--graph", str(old_graph_file))
    load_new = _kg("load", "--store", setting, "--synthetic", "300")
    subprocess.run(load_old, env=_env(), check=True, capture_output=True)
    old = store_state(location)
    pristine = tmp_path / "pristine"  # the store holding the old graph (closed: copied whole)
    shutil.copytree(location, pristine, symlinks=True)

    def writing() -> bool:  # a new version directory beside the live one
        live = os.readlink(location / "active")
        return any(p.name != live for p in location.glob(".v-*"))

    before = os.readlink(location / "active")
    phases = Phases(load_new, writing,
                    switched=lambda: os.readlink(location / "active") != before)
    new = store_state(location)
    assert old != new and new[1] == 300

    rng = random.Random(SEED + 1)
    outcomes = []
    for moment in _anchors() + _moments(phases, rng):
        shutil.rmtree(location)
        shutil.copytree(pristine, location, symlinks=True)
        assert store_state(location) == old
        live_before = os.readlink(location / "active")
        status = _kill_at(load_new, moment, writing,
                          switched=lambda b=live_before: os.readlink(location / "active") != b)
        state = store_state(location)  # opening it also removes what the kill left
        where = f"(seed {SEED + 1}, killed {moment}, exit {status})"
        assert state in (old, new), f"store holds neither graph {where}: {state}"
        if moment == ("switched", 0.0):
            assert state == new, f"switched, yet not the new graph {where}"
        if moment == ("writing", 0.0):
            assert state == old, f"killed as it began, yet not the old graph {where}"
        live = os.readlink(location / "active")
        assert [p.name for p in location.glob(".v-*")] == [live]
        outcomes.append(("new" if state == new else "old", moment[0]))
    # a load over what the last kill left switches to its graph
    subprocess.run(load_old, env=_env(), check=True, capture_output=True)
    assert store_state(location) == old
    print("load kill outcomes:", outcomes)


@slow  # tiers.py: whole loads through the CLI (the hash check: tests/test_loading.py)
def test_truncated_graph_file_is_a_one_line_error_and_the_store_is_unchanged(
        kg_cli, tmp_path, old_graph_file):
    location = tmp_path / "ox"
    setting = f"oxigraph:{location}"
    assert kg_cli("load", "--store", setting, "--graph", str(old_graph_file)).exit_code == 0
    from kg.stores.open import open_store

    st = open_store(setting)
    before = (st.triple_count(), os.readlink(location / "active"))
    data = old_graph_file.read_bytes()
    cut = tmp_path / "truncated.nt"
    cut.write_bytes(data[: len(data) // 2])
    line = data[: len(data) // 2].count(b"\n") + 1
    r = kg_cli("load", "--store", setting, "--graph", str(cut))
    assert r.exit_code == 1
    assert r.output.count("\n") == 1 and "Traceback" not in r.output
    assert r.output.startswith(f"error: file {cut}, line {line}, column ")
    assert "not N-Triples" in r.output and "unchanged" in r.output
    assert (st.triple_count(), os.readlink(location / "active")) == before
    assert [p.name for p in location.glob(".v-*")] == [before[1]]  # the failed one removed
    assert kg_cli("table", "attacks", "--store", setting).exit_code == 0


@slow  # tiers.py: whole loads through the CLI (the hash check: tests/test_loading.py)
def test_build_graph_cut_at_a_line_end_is_refused_by_its_hash(kg_cli, tmp_path, old_graph_file):
    """A build's graph.nt cut between two lines still parses: its version.json's hash says."""
    location = tmp_path / "ox"
    setting = f"oxigraph:{location}"
    assert kg_cli("load", "--store", setting, "--graph", str(old_graph_file)).exit_code == 0
    built = tmp_path / "b"
    built.mkdir()
    data = old_graph_file.read_bytes()
    (built / "version.json").write_text(json.dumps(
        {"graph_sha256": hashlib.sha256(data).hexdigest()}))
    (built / "graph.nt").write_bytes(data[: data.rfind(b"\n", 0, len(data) // 2) + 1])
    r = kg_cli("load", "--store", setting, "--graph", str(built / "graph.nt"))
    assert r.exit_code == 1 and r.output.count("\n") == 1
    assert "SHA-256" in r.output and "unchanged" in r.output
    from kg.stores.open import open_store

    assert open_store(setting).triple_count() == data.count(b"\n")


READER = """
import sys
from kg.stores.oxigraph import OxigraphStore
st = OxigraphStore(sys.argv[1])
for line in sys.stdin:
    print(st.triple_count(), st.path.name, flush=True)
"""


@slow
def test_a_load_while_another_process_reads_switches_it_over(tmp_path, graph):
    """The load does not wait for a reader, nor delete the directory it reads; the reader
    moves to the new graph at a next query (read-only while the loader holds it)."""
    location = tmp_path / "ox"
    st = OxigraphStore(location)
    st.load(graph)
    st.close()
    reader = subprocess.Popen([sys.executable, "-c", READER, str(location)], env=_env(),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask() -> tuple[int, str]:
        reader.stdin.write("?\n")
        reader.stdin.flush()
        n, name = reader.stdout.readline().split()
        return int(n), name

    try:
        n, first = ask()
        assert n == len(graph)
        loader = OxigraphStore(location)  # the live directory is the reader's: not opened
        small = graph.__class__()
        for t in list(graph)[:10]:
            small.add(t)
        assert loader.load(small) == 10 and loader.path.name != first
        assert (location / first).is_dir()  # still read: kept
        # old or new, never an error: a reader opens the loader's new version read-only
        assert ask() in {(len(graph), first), (10, loader.path.name)}
        loader.close()
        n, name = ask()
        assert (n, name) == (10, loader.path.name)
        OxigraphStore(location).close()  # an open tidies: the old version is no one's now
        assert not (location / first).exists()
    finally:
        reader.stdin.close()
        reader.wait(10)


@pytest.mark.slow
@pytest.mark.parametrize("protocol", ["gsp", "update"])
def test_endpoint_load_is_one_switch(request, graph, protocol):
    """Graph Store Protocol: one PUT; SPARQL Update only: a temporary graph MOVEd in one
    request. Either way the summary comes along, no temporary graph stays, and a truncated
    input sends nothing."""
    from rdflib import URIRef

    from kg.coverage import counts, summary
    from kg.errors import GraphDataError

    store = RemoteStore(request.getfixturevalue("oxigraph_server"), timeout=30)
    if protocol == "update":
        store.store_url = None
    data = graph.serialize(format="nt", encoding="utf-8")

    def prepare(staged, n):
        summary.materialize(staged, triples=n)

    assert store.load_ntriples([data], prepare=prepare) == len(graph)
    assert store.triple_count() == len(graph)
    stored = summary.stored(store)
    assert stored.fingerprint == counts.fingerprint(store) and stored.triples == len(graph)
    graphs = {r["g"] for r in store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert graphs == {URIRef(summary.SUMMARY_GRAPH)}
    with pytest.raises(GraphDataError, match=r"^line \d+, column \d+: not N-Triples"):
        store.load_ntriples([data[: len(data) // 2]], prepare=prepare)
    assert store.triple_count() == len(graph)


# ------------------------------------------------------------------ deadlines


class DripHandler(http.server.BaseHTTPRequestHandler):
    """Answers every request one byte every 0.5 s: from the status line (``phase``
    'headers') or after prompt headers (``phase`` 'body')."""

    phase = "headers"
    stop: threading.Event

    def _drip(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        body = b'{"head": {"vars": []}, "results": {"bindings": []}}' * 100
        head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        if self.phase == "body":
            self.wfile.write(head)
            self.wfile.flush()
            head = b""
        for i in range(len(head + body)):
            if self.stop.wait(0.5):
                return
            try:
                self.wfile.write((head + body)[i:i + 1])
                self.wfile.flush()
            except OSError:
                return

    do_GET = do_POST = do_PUT = _drip

    def log_message(self, *args) -> None:
        pass


class DripServer:
    def __init__(self, phase: str) -> None:
        stop = threading.Event()
        handler = type("H", (DripHandler,), {"phase": phase, "stop": stop})
        self.stop = stop
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/query"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(params=["drip-headers", "drip-body", "never"])
def bad_server(request):
    s = TinyServer(None) if request.param == "never" else DripServer(request.param[5:])
    yield s
    s.close()


TIMEOUT = 1.0


def _one_line_naming(r, server, took: float) -> None:
    assert r.exit_code == 1, r.output
    assert took < TIMEOUT + 1, f"took {took:.2f} s"
    assert r.output.startswith("error: ") and r.output.count("\n") == 1, r.output
    host = server.url.rsplit("/", 1)[0]
    assert host in r.output and f"within {TIMEOUT:g} s" in r.output, r.output


def test_sparql_on_a_slow_endpoint_fails_within_the_deadline(kg_cli, bad_server, monkeypatch):
    monkeypatch.setenv("KG_QUERY_TIMEOUT", str(TIMEOUT))
    t = time.monotonic()
    r = kg_cli("sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--store", bad_server.url)
    _one_line_naming(r, bad_server, time.monotonic() - t)


@pytest.mark.slow  # a real (misbehaving) HTTP server, ~1 s of waiting per case
def test_load_into_a_slow_endpoint_fails_within_the_deadline(kg_cli, bad_server, monkeypatch,
                                                             old_graph_file):
    monkeypatch.setenv("KG_QUERY_TIMEOUT", str(TIMEOUT))
    t = time.monotonic()
    r = kg_cli("load", "--store", bad_server.url, "--graph", str(old_graph_file))
    _one_line_naming(r, bad_server, time.monotonic() - t)


@pytest.mark.slow  # a real (misbehaving) HTTP server, ~1 s of waiting per case
def test_every_request_of_the_store_has_one_deadline(bad_server):
    store = RemoteStore(bad_server.url, timeout=0.6)
    for call in (lambda: store.ask("ASK { ?s ?p ?o }"),
                 lambda: store.put_named_graph("urn:x", b"<urn:a> <urn:b> <urn:c> .\n")):
        t = time.monotonic()
        with pytest.raises(EndpointError, match=r"did not answer within 0\.6 s"):
            call()
        assert time.monotonic() - t < 1.4
