"""`kg release` (kg.release): the dumps parse back to the graph, the VoID/DCAT description
parses and states what rdflib counts in the graph directly, CITATION.cff validates against
the CFF 1.2.0 schema, the version hash is `kg version`'s and every export's, a release is
byte-stable, and `kg release --check` names a damaged or missing file."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF, VOID

from kg.release import FILES

#: The Citation File Format 1.2.0 schema as cffconvert 2.0.0 ships it
#: (cffconvert/schemas/1.2.0/schema.json, sha256 0b8d2214…; CC-BY-4.0, citation-file-format).
CFF_SCHEMA = Path(__file__).parent / "fixtures" / "cff" / "schema-1.2.0.json"
ENDPOINT = "http://127.0.0.1:8000/sparql"
DCAT = Namespace("http://www.w3.org/ns/dcat#")


@pytest.fixture(scope="module")
def released(tmp_path_factory, survey_build) -> Path:
    """`kg release -o DIR --endpoint URL` of the survey's graph, with the run's build as
    the build directory (as `kg version` reads it)."""
    from click.testing import CliRunner

    from kg.cli import main

    out = tmp_path_factory.mktemp("release") / "rel"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KG_BUILD_DIR", str(survey_build))
        r = CliRunner().invoke(main, ["release", "-o", str(out), "--endpoint", ENDPOINT])
    assert r.exit_code == 0, r.output
    return out


def _version(survey_build, kg_cli, monkeypatch) -> dict:
    monkeypatch.setenv("KG_BUILD_DIR", str(survey_build))
    return json.loads(kg_cli("version", "--json").output)


def test_the_dumps_are_the_graph(released, graph):
    nt = Graph().parse(data=gzip.decompress((released / "graph.nt.gz").read_bytes()),
                       format="nt")
    ttl = Graph().parse(data=gzip.decompress((released / "graph.ttl.gz").read_bytes()),
                        format="turtle")
    assert len(nt) == len(graph) and isomorphic(nt, graph) and isomorphic(ttl, graph)


def test_void_and_dcat_state_what_the_graph_holds(released, graph, survey_build, kg_cli,
                                                  monkeypatch):
    v = _version(survey_build, kg_cli, monkeypatch)
    d = Graph().parse(released / "void.ttl", format="turtle")
    ds = next(d.subjects(RDF.type, VOID.Dataset))
    assert (ds, RDF.type, DCAT.Dataset) in d
    assert d.value(ds, VOID.triples).toPython() == len(graph)
    assert d.value(ds, DCTERMS.identifier) == Literal(f"sha256:{v['graph_sha256']}")
    assert str(ds).endswith(v["version"])
    classes = {o for o in graph.objects(None, RDF.type)}
    assert d.value(ds, VOID.classes).toPython() == len(classes)
    for part in d.objects(ds, VOID.classPartition):  # counted by rdflib, not by SPARQL
        cls = d.value(part, VOID["class"])
        assert d.value(part, VOID.entities).toPython() == len(set(graph.subjects(RDF.type, cls)))
    sources = {str(d.value(s, DCTERMS.title)): d.value(s, DCTERMS.license)
               for s in d.objects(ds, DCTERMS.source)}
    assert set(sources) == set(v["sources"]) and all(sources.values())
    assert "data/privacy-taxonomy.md" in sources
    assert d.value(ds, VOID.sparqlEndpoint) == URIRef(ENDPOINT)
    dumps = set(d.objects(ds, VOID.dataDump))  # relative IRIs: beside the parsed file
    assert dumps == {URIRef((released / n).resolve().as_uri()) for n in ("graph.nt.gz",
                                                                          "graph.ttl.gz")}


def test_citation_cff_is_valid_cff_1_2_0(released, survey_build, kg_cli, monkeypatch):
    import jsonschema

    cff = yaml.safe_load((released / "CITATION.cff").read_text(encoding="utf-8"))
    schema = json.loads(CFF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(cff)
    v = _version(survey_build, kg_cli, monkeypatch)
    assert cff["version"] == v["version"]
    assert cff["identifiers"][0]["value"] == f"sha256:{v['graph_sha256']}"
    assert cff["references"][0]["identifiers"][0]["value"] == "arXiv:2509.22723"
    bad = {**cff, "date-released": "yesterday"}
    with pytest.raises(jsonschema.ValidationError):  # the check can fail
        jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(bad)


def test_every_export_and_the_endpoint_stamp_the_release_hash(released, kg_cli, store):
    from starlette.testclient import TestClient

    from kg.serve import Config, make_app

    cff = yaml.safe_load((released / "CITATION.cff").read_text(encoding="utf-8"))
    digest = cff["identifiers"][0]["value"].removeprefix("sha256:")
    readme = (released / "README.md").read_text(encoding="utf-8")
    assert digest in readme and cff["version"] in readme
    out = kg_cli("export", "view", "--threat", "Membership inference", "-f", "bibtex").output
    assert f"graph sha256: {digest}" in out
    out = kg_cli("export", "view", "--threat", "Membership inference", "-f", "csv").output
    assert digest in out
    health = TestClient(make_app(Config(store))).get("/health").json()
    assert (health["graph_sha256"], health["version"]) == (digest, cff["version"])


def test_check_passes_then_names_a_damaged_or_missing_file(released, tmp_path, kg_cli, runner):
    import shutil

    from kg.cli import main

    assert kg_cli("release", "--check", str(released)).exit_code == 0
    copy = shutil.copytree(released, tmp_path / "copy")
    data = bytearray((copy / "graph.nt.gz").read_bytes())
    data[-20] ^= 0xFF
    (copy / "graph.nt.gz").write_bytes(bytes(data))
    r = runner.invoke(main, ["release", "--check", str(copy)])
    assert r.exit_code == 1 and "graph.nt.gz" in r.output and "does not match" in r.output
    (copy / "CITATION.cff").unlink()
    shutil.copy(released / "graph.nt.gz", copy / "graph.nt.gz")
    r = runner.invoke(main, ["release", "--check", str(copy)])
    assert r.exit_code == 1 and "CITATION.cff: missing" in r.output


def test_a_release_is_byte_stable_and_never_overwrites_other_files(released, tmp_path,
                                                                   survey_build, runner,
                                                                   monkeypatch):
    from kg.cli import main

    monkeypatch.setenv("KG_BUILD_DIR", str(survey_build))
    again = tmp_path / "again"
    r = runner.invoke(main, ["release", "-o", str(again), "--endpoint", ENDPOINT])
    assert r.exit_code == 0, r.output
    for name in (*FILES, "SHA256SUMS"):
        assert (again / name).read_bytes() == (released / name).read_bytes(), name
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    r = runner.invoke(main, ["release", "-o", str(other)])
    assert r.exit_code == 1 and "is not a release" in r.output
    assert [p.name for p in other.iterdir()] == ["notes.txt"]
    r = runner.invoke(main, ["release", "-o", str(again), "--endpoint", "ftp://x"])
    assert r.exit_code == 1 and "--endpoint" in r.output
