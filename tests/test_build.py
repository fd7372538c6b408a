"""kg build: validated, atomic, byte-stable; bad input leaves the build directory alone."""

from __future__ import annotations

import json
import os

import pytest

from kg.build import build, write_lock
from kg.errors import SourceChangedError
from tests.built import copy_build
from tests.tiers import first_fast, slow

from .conftest import SURVEY


def test_build_writes_validated_graph_and_summary(kg_cli, tmp_path):
    out = tmp_path / "b"
    r = kg_cli("build", "--build-dir", str(out))
    assert r.exit_code == 0, r.output
    assert "SHACL: conforms" in r.output and "Papers" in r.output
    # build/current -> one complete version; the files are reached through it (kg.snapshot)
    assert {p.name for p in out.iterdir() if not p.name.startswith(".")} == {
        "current", "graph.ttl", "graph.nt", "version.json", "builder.json"}
    version = out / os.readlink(out / "current")
    assert {p.name for p in version.iterdir()} == {"graph.ttl", "graph.nt", "version.json",
                                                   "builder.json"}
    # the modules the build hashed: a later check hashes those files, the same hash
    from kg.version import builder_hash, builder_modules

    modules = json.loads((version / "builder.json").read_text())["modules"]
    assert modules == builder_modules()
    assert json.loads((version / "version.json").read_text())["builder"] == \
        builder_hash(modules=modules)
    assert builder_hash(modules=[*modules, "no_such_module"]) != builder_hash(modules=modules)
    assert not list(out.glob(".stage-*")) and not list(tmp_path.glob(".*stage*"))
    v = json.loads((out / "version.json").read_text())
    assert v["sources"]["data/privacy-taxonomy.md"] == json.loads(
        (SURVEY.parent / "survey.lock.json").read_text())["sha256"]


def test_turtle_holds_the_triples_of_the_ntriples(survey_build, graph):
    """graph.ttl (pyoxigraph's writer, prefixes sorted, a blank line per subject) parses to
    the graph of graph.nt, with the project's prefixes and no others."""
    from rdflib import Graph
    from rdflib.compare import isomorphic

    text = (survey_build / "graph.ttl").read_text(encoding="utf-8")
    ttl = Graph().parse(data=text, format="turtle")
    assert len(ttl) == len(graph) and isomorphic(ttl, graph)
    heads = [x for x in text.splitlines() if x.startswith("@prefix ")]
    assert heads == sorted(heads) and any(h.startswith("@prefix rd: ") for h in heads)
    assert "@prefix brick:" not in text


def test_shacl_validation_leaves_the_graph_as_it_was(graph):
    """Validation runs in place (no copy of the graph): it must add or remove nothing."""
    from rdflib import Graph

    from kg.validate import check

    g = Graph()
    g += graph
    before = set(g)
    conforms, _ = check(g)
    assert conforms and set(g) == before


@slow
def test_rebuild_of_unchanged_input_changes_no_byte(survey_build, tmp_path):
    """A second build of unchanged input (the first: the run's shared build) is the same
    bytes; graph.nt is also tests/golden/graph.nt (test_graph), the same across runs."""
    b = tmp_path / "b"
    build(build_dir=b)
    for name in ("graph.ttl", "graph.nt", "version.json"):
        assert (survey_build / name).read_bytes() == (b / name).read_bytes(), name


def _built(out):
    """The files of the build in ``out``, by name (through its current link)."""
    return {p.name: p.read_bytes() for p in (out / os.readlink(out / "current")).iterdir()}


def _bad_copy(tmp_path, old, new):
    p = tmp_path / "bad.md"
    p.write_text(SURVEY.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return p


@pytest.mark.parametrize("old,new,needle", first_fast([
    ('<th align="center" valign="middle">Target Models</th>', "", "missing column"),
    ("Grey-box, Black-box", "Grey-box, Purple-box", "unknown attacker-knowledge label"),
    ('rowspan="11"', 'rowspan="40"', "runs past"),
    (">PriSampler: Mitigating Property Inference of Diffusion Models<", "><", "empty title"),
]))
def test_bad_input_exits_nonzero_and_writes_nothing(kg_cli, survey_build, tmp_path, old, new,
                                                   needle):
    out = copy_build(survey_build, tmp_path / "out")  # a complete kg build, to be left alone
    before = _built(out)
    bad = _bad_copy(tmp_path, old, new)
    r = kg_cli("build", "--source", str(bad), "--build-dir", str(out))
    assert r.exit_code == 1
    assert needle in r.output and str(bad) in r.output
    assert "Traceback" not in r.output
    assert _built(out) == before
    fresh = tmp_path / "fresh"
    assert kg_cli("build", "--source", str(bad), "--build-dir", str(fresh)).exit_code == 1
    assert not fresh.exists() or not any(fresh.iterdir())


def test_non_utf8_and_tableless_files(kg_cli, tmp_path):
    p = tmp_path / "x.md"
    p.write_bytes(b"# t\n\xff\xfe")
    r = kg_cli("build", "--source", str(p), "--build-dir", str(tmp_path / "o"))
    assert r.exit_code == 1 and "not UTF-8" in r.output
    p.write_text("# nothing\n", encoding="utf-8")
    r = kg_cli("build", "--source", str(p), "--build-dir", str(tmp_path / "o"))
    assert r.exit_code == 1 and "no survey tables" in r.output
    assert not (tmp_path / "o").exists()


def test_changed_source_is_noticed(tmp_path):
    src = tmp_path / "survey.md"
    src.write_text(SURVEY.read_text(encoding="utf-8"), encoding="utf-8")
    lock = tmp_path / "lock.json"
    write_lock(src, lock)
    from kg.build import check_lock

    check_lock(src, lock)
    src.write_text(src.read_text(encoding="utf-8") + "\n<!-- edited -->\n", encoding="utf-8")
    with pytest.raises(SourceChangedError, match="changed: sha256"):
        check_lock(src, lock)


def test_committed_lock_matches_the_committed_source():
    from kg.build import LOCK_FILE, sha256_file

    assert json.loads(LOCK_FILE.read_text())["sha256"] == sha256_file(SURVEY)
