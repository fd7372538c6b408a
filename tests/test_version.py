"""Build version stamps: content hash, source hashes, a date that keeps rebuilds byte-stable."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from kg.build import build
from kg.version import graph_hash, read_version, stamp, version_line
from tests.tiers import slow

EXAMPLE = Path(__file__).parent / "fixtures" / "additions" / "example.yaml"
FILES = ("graph.ttl", "graph.nt", "version.json")


def _additions(tmp_path: Path) -> Path:
    d = tmp_path / "additions"
    d.mkdir(exist_ok=True)
    shutil.copy(EXAMPLE, d / "example.yaml")
    return d


@slow  # a whole build or load (SHACL validation), a real part end to end
def test_stamp_names_content_sources_and_date(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    d = _additions(tmp_path)
    r = build(build_dir=tmp_path / "b", additions_dir=d)
    v = r.version
    assert v["build_date"] == "2026-01-01T00:00:00Z"
    assert v["graph_sha256"] == graph_hash(r.graph)
    assert v["version"] == f"20260101-{v['graph_sha256'][:12]}"
    assert v["triples"] == len(r.graph)
    assert {"data/privacy-taxonomy.md", "data/aliases.yaml", "data/models.yaml",
            "ontology/rdkg.ttl", "ontology/shapes.ttl"} <= set(v["sources"])
    assert any(k.endswith("additions/example.yaml") for k in v["sources"])
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in v["sources"].values())
    assert read_version(tmp_path / "b") == v
    assert v["version"] in version_line(v)


@slow  # a whole build or load (SHACL validation), a real part end to end
def test_date_without_epoch_is_the_newest_source_mtime(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    d = _additions(tmp_path)
    os.utime(d / "example.yaml", (2000000000, 2000000000))  # newer than any repo file
    v = build(build_dir=tmp_path / "b", additions_dir=d).version
    assert v["build_date"] == "2033-05-18T03:33:20Z"


@slow
def test_rebuild_of_unchanged_input_changes_no_byte_even_after_touch(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    d = _additions(tmp_path)
    b = tmp_path / "b"
    build(build_dir=b, additions_dir=d)
    before = {n: (b / n).read_bytes() for n in FILES}
    os.utime(d / "example.yaml", None)  # a checkout touches files without changing them
    r = build(build_dir=b, additions_dir=d)
    assert {n: (b / n).read_bytes() for n in FILES} == before
    assert not r.previous_kept and not (b / "previous.nt").exists()
    # the graph in memory, additions included, gets the stamp of its build
    assert stamp(r.graph, additions_dir=d, build_dir=b) == r.version


@slow
def test_changed_input_changes_the_version_and_keeps_the_previous_graph(tmp_path):
    d = _additions(tmp_path)
    b = tmp_path / "b"
    v1 = build(build_dir=b, additions_dir=d).version
    old_nt = (b / "graph.nt").read_bytes()
    (d / "example.yaml").write_text(
        (d / "example.yaml").read_text().replace("AUC 0.95", "AUC 0.97"), encoding="utf-8")
    r = build(build_dir=b, additions_dir=d)
    assert r.version["graph_sha256"] != v1["graph_sha256"]
    assert r.version["version"] != v1["version"]
    assert r.previous_kept and (b / "previous.nt").read_bytes() == old_nt


def test_stamp_of_an_in_memory_graph_matches_its_build(graph, survey_build):
    """The survey's graph built in memory gets the stamp of its kg build (the shared one);
    with additions: test_rebuild_of_unchanged_input_changes_no_byte_even_after_touch."""
    assert stamp(graph, build_dir=survey_build) == read_version(survey_build)


@slow
def test_cli_version_text_json_and_staleness(kg_cli, tmp_path, monkeypatch):
    d = _additions(tmp_path)
    b = tmp_path / "b"
    # the one rule (kg.version.BuildState): current = built from exactly the current sources,
    # whose additions are the configured directory's
    monkeypatch.setenv("KG_ADDITIONS_DIR", str(d))
    r = kg_cli("build", "--build-dir", str(b), "--additions", str(d), "--json")
    built = json.loads(r.output)["version"]
    r = kg_cli("version", "--build-dir", str(b), "--json")
    assert r.exit_code == 0, r.output
    v = json.loads(r.output)
    assert v["version"] == built["version"] and v["sources_changed"] == []
    r = kg_cli("version", "--build-dir", str(b))
    assert built["version"] in r.output and "sources unchanged" in r.output
    (d / "example.yaml").write_text((d / "example.yaml").read_text() + "\n# edited\n")
    v = json.loads(kg_cli("version", "--build-dir", str(b), "--json").output)
    assert len(v["sources_changed"]) == 1 and v["sources_changed"][0].endswith("example.yaml")
    r = kg_cli("version", "--build-dir", str(tmp_path / "none"))
    assert r.exit_code == 1 and "run 'kg build'" in r.output
    monkeypatch.delenv("KG_ADDITIONS_DIR")  # d's additions are no longer current sources
    v = json.loads(kg_cli("version", "--build-dir", str(b), "--json").output)
    assert v["sources_changed"] == [str(d / "example.yaml")]


@slow  # a whole build or load (SHACL validation), a real part end to end
def test_a_current_build_is_read_instead_of_rebuilt_and_a_changed_source_is_not(
        tmp_path, monkeypatch):
    import kg.build
    from kg.version import current_build

    root = Path(__file__).resolve().parent.parent
    src = tmp_path / "survey.md"
    src.write_text((root / "data" / "privacy-taxonomy.md").read_text(encoding="utf-8"),
                   encoding="utf-8")
    monkeypatch.setattr(kg.build, "check_lock", lambda source: None)  # lock names data/
    out = tmp_path / "build"
    build(source=src, build_dir=out)
    # the graph.nt of the version the current link names (the one version.json describes)
    assert current_build(out, src) == (out / "graph.nt").resolve()
    record = json.loads((out / "version.json").read_text(encoding="utf-8"))
    (out / "version.json").write_text(json.dumps({**record, "builder": "other code"}),
                                      encoding="utf-8")
    assert current_build(out, src) is None  # built by other code
    (out / "version.json").write_text(json.dumps(record), encoding="utf-8")
    src.write_text(src.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert current_build(out, src) is None  # a source changed
