from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.built import shared_build

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent


def _keep_bytecode() -> None:
    """With PYTHONDONTWRITEBYTECODE set (as in this project's shells) every worker compiled
    each test module (assertion rewriting) and each kg module anew on every run: collection
    took 11-14 s per worker here instead of 7 s. Bytecode is kept outside the source tree
    (``sys.pycache_prefix``, which pytest's rewriter honours too); Python checks each file's
    source stamp, so a changed file is compiled again. Subprocesses are not affected."""
    if sys.dont_write_bytecode:
        sys.pycache_prefix = sys.pycache_prefix or str(
            Path(tempfile.gettempdir()) / f"kg-tests-pycache-{os.getuid()}")
        sys.dont_write_bytecode = False


_keep_bytecode()


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
def graph(survey_build):
    """The survey's graph: the shared build's graph.nt (validated; tests/golden/graph.nt),
    parsed once per worker. Read only: copy it to change it."""
    from kg.build import load_built

    return load_built(survey_build)


@pytest.fixture(scope="session")
def store(graph):
    from kg.stores.memory import MemoryStore

    return MemoryStore(graph)


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
