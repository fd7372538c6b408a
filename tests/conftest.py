from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent


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
def graph(survey):
    from kg.graph import build_graph

    return build_graph(survey)


@pytest.fixture(scope="session")
def store(graph):
    from kg.stores.memory import MemoryStore

    return MemoryStore(graph)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def kg_cli(runner):
    from kg.cli import main

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke
