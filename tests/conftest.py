from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent


def _keep_bytecode() -> None:
    """With PYTHONDONTWRITEBYTECODE set (as in this project's shells) every worker compiled
    each test module (assertion rewriting) and each kg module anew on every run, and so did
    every kg subprocess a test starts: collection took 11-14 s per worker here instead of 7 s.
    The test process writes bytecode as Python does by default (__pycache__ beside the
    sources, ignored by git; the installed packages have theirs); Python checks each file's
    source stamp, so a changed file is compiled again."""
    sys.dont_write_bytecode = False


_keep_bytecode()

from tests.built import SharedStore, shared_build  # noqa: E402  (kg compiled with bytecode kept)


def _scan_component_manifests_once() -> None:
    """Every AppTest instance scans the metadata of every installed distribution for
    Streamlit v2 components (about 1 s here, repeated per test); the installed set does not
    change during a test run, so the first scan's result serves them all."""
    try:
        from streamlit.components.v2 import manifest_scanner
    except ImportError:
        return
    import functools

    manifest_scanner.scan_component_manifests = functools.cache(
        manifest_scanner.scan_component_manifests)


_scan_component_manifests_once()


def _compile_app_scripts_once() -> None:
    """Every AppTest instance has its own script cache, so each test compiled ui/app.py and
    its page anew (Streamlit's "magic" rewrite of the syntax tree, then compile: a fifth of
    a page run here). The compiled code of a script depends only on its text and the magic
    setting: it is kept per process for the same path, text and setting, so a changed
    file is compiled again."""
    try:
        from streamlit import config
        from streamlit.runtime.scriptrunner import script_cache
    except ImportError:
        return
    compiled: dict = {}
    get_bytecode = script_cache.ScriptCache.get_bytecode

    def kept_bytecode(self, script_path: str):
        path = os.path.abspath(script_path)
        key = (path, Path(path).read_bytes(), config.get_option("runner.magicEnabled"))
        if key not in compiled:
            compiled[key] = get_bytecode(self, path)
        return compiled[key]

    script_cache.ScriptCache.get_bytecode = kept_bytecode


_compile_app_scripts_once()


def benchmark_questions() -> list[str]:
    """Every question of the ask benchmark (questions.yaml, then compositional.yaml)."""
    import yaml

    out = []
    for f in ("questions.yaml", "compositional.yaml"):
        data = yaml.safe_load((ROOT / "benchmarks" / "quality" / f).read_text(encoding="utf-8"))
        out += [q["q"] for q in data["questions"]]
    return out
SURVEY = ROOT / "data" / "privacy-taxonomy.md"


@pytest.fixture(scope="session")
def survey_text() -> str:
    return SURVEY.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def survey():
    from kg.ingest import parse_survey

    return parse_survey(SURVEY.read_text(encoding="utf-8"), file="data/privacy-taxonomy.md")


@pytest.fixture(scope="session")
def survey_build(tmp_path_factory) -> Path:
    """The survey's validated build directory, made once per test run (tests/built.py).
    Read only: copy it (tests.built.copy_build) to build over it or change it."""
    return shared_build(tmp_path_factory)


@pytest.fixture(scope="session")
def graph(survey):
    """The survey's graph, built once per worker: the triples of the shared build's
    graph.nt (validated) and of tests/golden/graph.nt (test_graph checks both), in the
    order the builder adds them. (Parsing graph.nt would be as fast, but a few outputs list rows in
    the graph's insertion order, e.g. kg profile's JSON: they differ between a graph built
    from the sources and one read from a build.) Read only: copy it to change it."""
    from kg.graph import build_graph

    return build_graph(survey)


@pytest.fixture(scope="session")
def store(graph):
    """The survey's graph as a memory store, one per worker (tests/built.py: SharedStore):
    the tests, the kg commands (CliRunner) and the app pages (AppTest) of a worker all
    read this one store (see _one_survey_store)."""
    return SharedStore(graph)


@pytest.fixture(scope="session", autouse=True)
def _one_survey_store(store):
    """``open_store('memory')`` of the survey (a kg command, an app page) gives the session
    store instead of a second copy of the same graph built from the same sources: the
    opener makes one memory store per source and process (kg.stores.open), and here the
    process already has it. Another source (KG_SOURCE, --source) is built as usual."""
    import kg.stores.open as opener

    made = opener._memory_store

    def memory_store(source: Path):
        return store if source == SURVEY.resolve() else made(source)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(opener, "_memory_store", memory_store)
        yield


@pytest.fixture(scope="session", autouse=True)
def _one_hash_of_the_survey_graph(store):
    """kg.version.graph_hash of the session graph is computed once per worker (the store
    keeps it like an answer, tests/built.py): every export, release and app page stamps it
    (about 100 stamps in the fast subset); any other graph is hashed as usual."""
    import kg.version as version

    compute = version.graph_hash

    def graph_hash(g):
        return store.graph_hash(compute) if g is store.graph else compute(g)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(version, "graph_hash", graph_hash)
        yield


@pytest.fixture(scope="session", autouse=True)
def _sparql_parsed_once():
    """rdflib parses and translates a SPARQL text on every ``Graph.query`` (pyparsing:
    0.15 s of each SHACL validation, a third of each build's derived links); the tests ask
    the same few texts hundreds of times. Here a text is parsed once per worker, for its
    base and prefixes, and the translated query is evaluated anew each time, as rdflib's
    own prepared queries are (``prepareQuery``). A text that does not parse raises every
    time (nothing is kept)."""
    import functools

    from rdflib.plugins.sparql import processor

    query = processor.SPARQLProcessor.query

    @functools.lru_cache(maxsize=512)
    def prepared(text: str, base, namespaces: tuple):
        return processor.translateQuery(processor.parseQuery(text), base, dict(namespaces))

    def prepared_query(self, strOrQuery, initBindings=None, initNs=None, base=None,  # noqa: N803
                       DEBUG=False):  # noqa: N803
        if isinstance(strOrQuery, str):
            strOrQuery = prepared(strOrQuery, base, tuple(sorted((initNs or {}).items())))
        return query(self, strOrQuery, initBindings, initNs, base, DEBUG)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(processor.SPARQLProcessor, "query", prepared_query)
        yield


EXAMPLE_ADDITIONS = Path(__file__).parent / "fixtures" / "additions" / "example.yaml"


@pytest.fixture(scope="session")
def example_additions(survey):
    """(graph, report) of the survey built with the example additions
    (tests/fixtures/additions/example.yaml), once per worker. Read only."""
    from kg.additions import AdditionReport, load_additions
    from kg.graph import build_graph

    report = AdditionReport()
    return build_graph(survey, additions=load_additions(EXAMPLE_ADDITIONS), report=report), report


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def kg_cli(runner):
    from kg.cli import main

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke
